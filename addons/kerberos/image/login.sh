#!/bin/sh
# haharness (addons/kerberos/image/login.sh): gives root's commands on a
# host of a secured cluster a ticket of hdfs, the HDFS superuser, from the
# users' keytab, when root has no valid ticket. hadoop-env.sh runs it before
# each command of the launcher, so the harness's own commands (hdfs dfs,
# haadmin, yarn rmadmin) work as on an unsecured cluster. Other users get
# no ticket: `kinit` first (kinit -kt .../kerberos/users.keytab alice).
# Prints nothing; a failed kinit (the KDC down) leaves the command to fail
# with Hadoop's own error.
[ "$(id -u)" = 0 ] || exit 0
[ -z "${HAHARNESS_NO_LOGIN:-}" ] || exit 0
conf=${HADOOP_CONF_DIR:-/opt/hadoop/etc/hadoop}/kerberos
[ -f "$conf/users.keytab" ] || exit 0
export KRB5_CONFIG="$conf/krb5.conf"
klist -s 2>/dev/null || kinit -k -t "$conf/users.keytab" hdfs >/dev/null 2>&1 || true
