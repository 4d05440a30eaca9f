# The Kerberos add-on's part of the haharness launcher (images/hadoop/bin/
# hadoop-launcher sources it as $HADOOP_HOME/libexec/addons/kdc.sh when run
# as `kdc`):
#   kdc server   the cluster's KDC (-Dproc_kdc): Apache Kerby's KDC server
#                run by addons/kerberos/image/Kdc.java, with the realm, port
#                and principals of $HADOOP_CONF_DIR/kerberos/kdc.properties
addon_command() {
  case "$1" in
    server) class=io.haharness.kerberos.Kdc; daemon=true; name=kdc
            addon_args=("$HADOOP_CONF_DIR/kerberos/kdc.properties" /home/hadoop/kdc) ;;
    *) return 1 ;;
  esac
}
addon_classpath() {
  CLASSPATH="/opt/kdc/haharness-kdc.jar:/opt/kdc/jars/*"; cds_archive=""
}
