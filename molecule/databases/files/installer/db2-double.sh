#!/bin/sh
# TEST DOUBLE installed by the "installer" of the databases scenario's build path (the db2 role
# builds an image from it on labforge/tiny:SUITE, busybox only). No Db2 runs here: it checks
# what the real image checks, writes into /database with O_DIRECT like Db2's log writer, and
# prints the real image's ready line after DB_DOUBLE_READY_AFTER seconds.
echo "double: built from the test installer (TEST DOUBLE for db2, no database runs here), uid=$(id -u)"
if [ "$LICENSE" != accept ]; then
    echo "double: LICENSE is not 'accept': the Db2 image refuses to start without it"
    exit 1
fi
for key in DB2INSTANCE DB2INST1_PASSWORD DBNAME; do
    eval "value=\${$key}"
    if [ -z "$value" ]; then echo "double: $key is not set"; exit 1; fi
done
echo "(*) Previous setup has not been detected. Creating the users... (double)"
# Like the real image's setup: the instance user (its home outside the data directory here), whom
# the role's healthcheck `su`s to. The ready marker is what the double's db2 command answers from.
rm -f /tmp/.db2-double-ready
grep -q "^root:" /etc/passwd 2>/dev/null || echo "root:x:0:0:root:/root:/bin/sh" >>/etc/passwd
if ! grep -q "^$DB2INSTANCE:" /etc/passwd; then
    echo "$DB2INSTANCE:x:1000:1000::/home/$DB2INSTANCE:/bin/sh" >>/etc/passwd
    echo "$DB2INSTANCE:x:1000:" >>/etc/group
    mkdir -p "/home/$DB2INSTANCE" && chown 1000:1000 "/home/$DB2INSTANCE"
fi
if dd if=/dev/zero of=/database/.db-double-odirect bs=4096 count=1 oflag=direct 2>/tmp/dd.err; then
    rm -f /database/.db-double-odirect
    echo "double: O_DIRECT write in /database ok"
else
    echo "double: O_DIRECT write in /database failed: $(cat /tmp/dd.err)"
    exit 1
fi
trap 'echo "double: stopping"; exit 0' TERM INT
sleep "${DB_DOUBLE_READY_AFTER:-5}"
echo "(*) Setup has completed."
echo "$DBNAME" >/tmp/.db2-double-ready
while :; do
    sleep 3600 &
    wait $!
done
