# Flink's part of the haharness launcher (images/hadoop/bin/hadoop-launcher
# sources it as $HADOOP_HOME/libexec/addons/flink.sh when run as `flink`),
# from Flink's lib/ (/opt/flink/lib: module jars from Maven Central, flink-yarn
# renamed flink-dist-*.jar) and the cluster's own Hadoop client, with
# FLINK_CONF_DIR=$HADOOP_CONF_DIR/flink (config.yaml, rendered by the module):
#   flink history        Flink's HistoryServer (-Dproc_flink-history), serving the
#                        archives of finished jobs (historyserver.archive.fs.dir)
#   flink run ARGS       the Flink client (org.apache.flink.client.cli.CliFrontend
#                        run ARGS, -Dproc_flink-client): `flink run -t
#                        yarn-application -d JAR ARGS` deploys an application
#                        cluster on YARN (JobManager in the AM, TaskManagers in
#                        containers); list, info, cancel, stop and savepoint too
addon_command() {
  case "$1" in
    history) class=org.apache.flink.runtime.webmonitor.history.HistoryServer; daemon=true; name=flink-history
             addon_args=(--configDir "$FLINK_CONF_DIR") ;;
    run|list|info|cancel|stop|savepoint)
             class=org.apache.flink.client.cli.CliFrontend; name=flink-client; addon_args=("$1") ;;
    *) return 1 ;;
  esac
}
FLINK_CONF_DIR=${FLINK_CONF_DIR:-$HADOOP_CONF_DIR/flink}
# Flink's lib first, then the cluster's Hadoop (which the launcher put in
# CLASSPATH) without its slf4j binding: Flink logs through log4j2.
addon_classpath() {
  local hadoop
  hadoop=$(tr ':' '\n' <<<"$CLASSPATH" | grep -v -E 'slf4j-reload4j|/reload4j-' | paste -sd: -)
  CLASSPATH="/opt/flink/lib/*:$hadoop"; cds_archive=""
  export FLINK_HOME=/opt/flink FLINK_CONF_DIR FLINK_LIB_DIR=/opt/flink/lib FLINK_PLUGINS_DIR=/opt/flink/plugins \
    HADOOP_CONF_DIR YARN_CONF_DIR=$HADOOP_CONF_DIR
}
# On JDK 17, what Flink's own scripts add (env.java.opts.all of config.yaml,
# which the YARN containers get too).
addon_jpms() {
  sed -n 's/^env\.java\.opts\.all: *//p' "$FLINK_CONF_DIR/config.yaml" 2>/dev/null | tr -d "'\""
}
addon_java_opts() {
  case "$name" in
    flink-history) java_opts+=("-Dlog.file=$HADOOP_LOG_DIR/$logfile" "-Dlog4j.configurationFile=file:$FLINK_CONF_DIR/log4j.properties") ;;
    *) java_opts+=("-Xmx256m" "-Dlog4j.configurationFile=file:$FLINK_CONF_DIR/log4j-cli.properties") ;;
  esac
}
