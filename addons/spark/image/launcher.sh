# Spark's part of the haharness launcher (images/hadoop/bin/hadoop-launcher
# sources it as $HADOOP_HOME/libexec/addons/spark.sh when run as `spark`),
# from Spark's jars (/opt/spark/jars, with the Hadoop client Spark was built
# against) and spark-defaults.conf in $HADOOP_CONF_DIR (SPARK_CONF_DIR):
#   spark history        the Spark History Server (-Dproc_spark-history)
#   spark submit ARGS    spark-submit (org.apache.spark.deploy.SparkSubmit):
#                        in cluster deploy mode a client that hands the
#                        driver to YARN (-Dproc_spark-submit)
#   spark driver ARGS    spark-submit in client deploy mode: this JVM is the
#                        driver (-Dproc_spark-driver)
addon_command() {
  case "$1" in
    history) class=org.apache.spark.deploy.history.HistoryServer; daemon=true; name=spark-history ;;
    submit)  class=org.apache.spark.deploy.SparkSubmit; name=spark-submit ;;
    driver)  class=org.apache.spark.deploy.SparkSubmit; name=spark-driver ;;
    version) class=org.apache.spark.deploy.SparkSubmit; addon_args=(--version) ;;
    *) return 1 ;;
  esac
}
addon_classpath() {
  CLASSPATH="$HADOOP_CONF_DIR:/opt/spark/jars/*"; cds_archive=""
  export SPARK_HOME=/opt/spark SPARK_CONF_DIR=$HADOOP_CONF_DIR YARN_CONF_DIR=$HADOOP_CONF_DIR
}
# On JDK 17, what Spark's launcher adds to the JVMs it starts (JavaModuleOptions)
# beyond what the launcher opens already; Spark adds them to its YARN containers.
addon_jpms() {
  local p
  for p in java.base/java.lang.invoke java.base/jdk.internal.ref java.base/sun.nio.cs java.base/sun.security.action \
           java.base/sun.util.calendar java.security.jgss/sun.security.krb5; do
    printf -- '--add-opens=%s=ALL-UNNAMED ' "$p"
  done
  echo "-Dio.netty.tryReflectionSetAccessible=true"
}
addon_java_opts() {
  java_opts+=("-Dlog4j2.configurationFile=$HADOOP_CONF_DIR/spark-log4j2.properties")
  # A client-mode driver is this JVM: its heap is spark.driver.memory (as
  # spark-submit's own launcher sets it), the last -Xmx winning.
  if [ "$name" = spark-driver ]; then
    local mem
    mem=$(sed -n 's/^spark\.driver\.memory[=[:space:]]*//p' "$HADOOP_CONF_DIR/spark-defaults.conf" 2>/dev/null | tail -1)
    java_opts+=("-Xmx${mem:-1g}")
  fi
}
