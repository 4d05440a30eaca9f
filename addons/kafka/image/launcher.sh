# Kafka's part of the haharness launcher (images/hadoop/bin/hadoop-launcher
# sources it as $HADOOP_HOME/libexec/addons/kafka.sh when run as `kafka`):
# `kafka server` runs a broker with kafka.properties and its host's broker
# id, from Kafka's jars (/opt/kafka/libs), logging through Hadoop's
# log4j.properties (Kafka 3.9 logs through reload4j like Hadoop).
addon_command() {
  case "$1" in
    server) class=kafka.Kafka; daemon=true; name=kafka
            addon_args=("$HADOOP_CONF_DIR/kafka.properties" --override "broker.id=$(cat "$HADOOP_CONF_DIR/kafka-broker.id")") ;;
    *) return 1 ;;
  esac
}
addon_classpath() { CLASSPATH="/opt/kafka/libs/*"; cds_archive=""; }
addon_java_opts() {
  java_opts+=("-Dlog4j.configuration=file:$HADOOP_CONF_DIR/log4j.properties" "-Dkafka.logs.dir=$HADOOP_LOG_DIR")
}
