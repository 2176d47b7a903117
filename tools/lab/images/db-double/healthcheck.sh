#!/bin/sh
# TEST DOUBLE of gvenzl/oracle-xe's healthcheck.sh (which checks that the database and its PDBs are
# open): healthy once the double has printed its ready line.
test -f /tmp/.db-double-ready
