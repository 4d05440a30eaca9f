#!/bin/bash
# PID 1's child in every host container: runs sshd (sshfence needs it) and
# then waits forever. Hadoop and ZooKeeper daemons are started by the harness
# with `docker exec HOST hdfs --daemon start namenode` and so on.
set -e
mkdir -p /run/sshd "${HADOOP_LOG_DIR:-/var/log/hadoop}" "${HADOOP_PID_DIR:-/var/run/hadoop}"
/usr/sbin/sshd -E /var/log/hadoop/sshd.log
exec sleep infinity
