#!/bin/sh
# Test "installer" for the db2 role's build path: installs the test double, not Db2.
set -e
mkdir -p /usr/local/bin /database
cp db2-double.sh /usr/local/bin/db2-double.sh
chmod 0755 /usr/local/bin/db2-double.sh
# /usr/bin: on the PATH of a login shell (su -), where the role's healthcheck looks for db2.
mkdir -p /usr/bin /home /etc
cp db2 /usr/bin/db2
chmod 0755 /usr/bin/db2
