# HBase's part of the haharness launcher (images/hadoop/bin/hadoop-launcher
# sources it as $HADOOP_HOME/libexec/addons/hbase.sh when run as `hbase`):
# `hbase master|regionserver` run HMaster and HRegionServer as HBase's own
# bin/hbase does, from HBase's jars (/opt/hbase/lib, the Hadoop client HBase
# was built against), logging through log4j2 to the launcher's log file.
addon_command() {
  case "$1" in
    master)       class=org.apache.hadoop.hbase.master.HMaster; daemon=true; name=hmaster; addon_args=(start) ;;
    regionserver) class=org.apache.hadoop.hbase.regionserver.HRegionServer; daemon=true; addon_args=(start) ;;
    version)      class=org.apache.hadoop.hbase.util.VersionInfo ;;
    *) return 1 ;;
  esac
}
addon_classpath() { CLASSPATH="$HADOOP_CONF_DIR:/opt/hbase:/opt/hbase/lib/*"; cds_archive=""; }
# On JDK 17, what HBase's bin/hbase adds there (its shaded netty, unsafe access).
addon_jpms() {
  echo "--add-modules=jdk.unsupported --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED" \
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED" \
    "-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true"
}
addon_java_opts() {
  java_opts+=("-Dlog4j2.configurationFile=$HADOOP_CONF_DIR/hbase-log4j2.properties" "-Dhbase.root.logger=$root_logger"
    "-Dhbase.log.dir=$HADOOP_LOG_DIR" "-Dhbase.log.file=$logfile" "-Dhbase.home.dir=/opt/hbase" "-Dhbase.id.str=$HADOOP_IDENT_STRING")
}
