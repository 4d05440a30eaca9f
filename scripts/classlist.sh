#!/usr/bin/env bash
# Regenerates images/hadoop/classlist.gz, the classes the image's CDS
# archive holds: brings up a cluster with every JVM (daemons and admin
# commands) recording the classes it loads (-XX:DumpLoadedClassList), runs
# the init sequence and some client commands, stops every JVM gracefully
# (the lists are written at exit), and keeps the union of the class names.
# Run it after changing the Hadoop version or the jars: `bash scripts/classlist.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
make build >/dev/null
B=./bin/haharness
name=classlist$$
D='-XX:DumpLoadedClassList=/var/log/hadoop/cl-$$.txt'
trap '$B down --name $name >/dev/null 2>&1 || true' EXIT
$B up --name "$name" --fresh \
  --set "hadoop-env.sh:HDFS_NAMENODE_OPTS=-Xmx384m -Dhdfs.audit.logger=INFO,RFAAUDIT $D" \
  --set "hadoop-env.sh:HDFS_DATANODE_OPTS=-Xmx192m $D" --set "hadoop-env.sh:HDFS_JOURNALNODE_OPTS=-Xmx128m $D" \
  --set "hadoop-env.sh:HDFS_ZKFC_OPTS=-Xmx96m $D" --set "hadoop-env.sh:YARN_RESOURCEMANAGER_OPTS=-Xmx384m $D" \
  --set "hadoop-env.sh:YARN_NODEMANAGER_OPTS=-Xmx256m $D" \
  --set "hadoop-env.sh:ZOOKEEPER_SERVER_OPTS=-Xmx128m -Dzookeeper.jmx.log4j.disable=true $D" \
  --set "hadoop-env.sh:HADOOP_CLIENT_OPTS=-Xmx256m $D" >/dev/null
$B exec --name "$name" hadoop001 -- 'echo hi > /tmp/x; hdfs dfs -mkdir -p /t && hdfs dfs -put -f /tmp/x /t/x && hdfs dfs -cat /t/x && hdfs dfs -ls /t;
  hdfs haadmin -getServiceState nn1; hdfs haadmin -failover nn1 nn2; hdfs haadmin -getAllServiceState;
  yarn rmadmin -getServiceState rm1; yarn node -list; hdfs dfsadmin -report' >/dev/null
tmp=$(mktemp -d)
for h in hadoop001 hadoop002 hadoop003; do
  $B exec --name "$name" "$h" -- 'pkill -TERM java; for i in $(seq 100); do pgrep java >/dev/null || exit 0; sleep 0.2; done; exit 1'
  $B exec --name "$name" "$h" -- 'cat /var/log/hadoop/cl-*.txt' >"$tmp/$h.txt"
done
grep -hv '^#\|^@' "$tmp"/*.txt | awk 'NF==1' | LC_ALL=C sort -u | gzip -9n > images/hadoop/classlist.gz
echo "images/hadoop/classlist.gz: $(gzip -dc images/hadoop/classlist.gz | wc -l) classes"
rm -rf "$tmp"
