package config

import (
	"fmt"
	"strings"

	"github.com/haharness/haharness/harness/topology"
)

// The add-ons' files, in the same directory as Hadoop's (ConfDir): the HBase
// daemons read hbase-site.xml beside core-site.xml and hdfs-site.xml (so
// hbase.rootdir's hdfs://mycluster resolves through the HA proxy
// provider), and log with log4j2 (HBase 2.5+) from HBaseLog4j2; the Kafka
// brokers read KafkaProperties, their broker.id from the host's
// KafkaBrokerIDFile, and log through Hadoop's log4j.properties (Kafka 3.9
// logs through reload4j like Hadoop), so every daemon's log is
// LogDir/hadoop-root-<role>-<host>.log.
const (
	HBaseSite         = "hbase-site.xml"
	HBaseLog4j2       = "hbase-log4j2.properties"
	KafkaProperties   = "kafka.properties"
	KafkaBrokerIDFile = "kafka-broker.id"
	HBaseRootDir      = "/hbase"
	HBaseZNode        = "/hbase"
	// KafkaChroot is the ZooKeeper path under which the brokers keep their
	// state (zookeeper.connect's chroot), beside Hadoop's znodes.
	KafkaChroot = "/kafka"
	KafkaLogDir = DataRoot + "/kafka/data"
	HBaseTmpDir = DataRoot + "/hbase/tmp"
)

// Ports of the add-ons (HBase's and Kafka's defaults).
const (
	PortHMasterRPC      = 16000
	PortHMasterWeb      = 16010
	PortRegionServerRPC = 16020
	PortRegionServerWeb = 16030
	PortKafka           = 9092
)

// AddonTiming are the add-ons' shortened timeouts, as Timing is Hadoop's.
var AddonTiming = struct {
	// HBaseSessionTimeoutMS is zookeeper.session.timeout of the HBase
	// daemons: how long a killed RegionServer or active HMaster keeps its
	// znode, so how long before the master reassigns its regions or the
	// backup master takes over. HBase's default is 90000.
	HBaseSessionTimeoutMS int
	// KafkaSessionTimeoutMS is zookeeper.session.timeout.ms of the
	// brokers: how long a killed controller keeps /controller. Kafka's
	// default is 18000.
	KafkaSessionTimeoutMS int
}{HBaseSessionTimeoutMS: 10000, KafkaSessionTimeoutMS: 6000}

// KafkaReplication is the replication factor of the brokers' default,
// internal and workload topics, and KafkaMinISR their min.insync.replicas:
// an acks=all write is acknowledged by at least two brokers.
const (
	KafkaReplication = 3
	KafkaMinISR      = 2
)

func addonOf(file string) string {
	switch file {
	case HBaseSite, HBaseLog4j2:
		return "HBase"
	case KafkaProperties:
		return "Kafka"
	}
	return file
}

// KafkaBrokerID returns the contents of the KafkaBrokerIDFile of host h.
func KafkaBrokerID(t topology.Topology, h string) []byte {
	return []byte(fmt.Sprintf("%d\n", t.KafkaBrokerID(h)))
}

func zkHosts(t topology.Topology) string {
	return strings.Join(hostPorts(t.On(topology.ZooKeeper), zkClientPort), ",")
}

func hbaseSite(t topology.Topology) map[string]string {
	return map[string]string{
		"hbase.cluster.distributed":              "true",
		"hbase.rootdir":                          "hdfs://" + t.Nameservice + HBaseRootDir,
		"hbase.tmp.dir":                          HBaseTmpDir,
		"hbase.zookeeper.quorum":                 zkHosts(t),
		"zookeeper.znode.parent":                 HBaseZNode,
		"zookeeper.session.timeout":              fmt.Sprint(AddonTiming.HBaseSessionTimeoutMS),
		"hbase.master.port":                      fmt.Sprint(PortHMasterRPC),
		"hbase.master.info.port":                 fmt.Sprint(PortHMasterWeb),
		"hbase.regionserver.port":                fmt.Sprint(PortRegionServerRPC),
		"hbase.regionserver.info.port":           fmt.Sprint(PortRegionServerWeb),
		"hbase.unsafe.stream.capability.enforce": "false",
		// The classic WAL writer (DFSOutputStream): the asyncfs default
		// reaches into the HDFS client's internals, which differ between
		// the Hadoop client HBase ships and the servers it writes to.
		"hbase.wal.provider": "filesystem",
		// Start once every RegionServer of the topology has checked in,
		// else with whichever have after 2 s (at least one); report every
		// second.
		"hbase.master.wait.on.regionservers.mintostart": "1",
		"hbase.master.wait.on.regionservers.maxtostart": fmt.Sprint(len(t.On(topology.RegionServer))),
		"hbase.master.wait.on.regionservers.timeout":    "2000",
		"hbase.regionserver.msginterval":                "1000",
		"hbase.regionserver.handler.count":              "10",
		"hbase.master.handler.count":                    "10",
		// Clients (the harness's HBaseWorkload among them) give up on a
		// region within about a minute instead of hanging through a fault.
		"hbase.client.retries.number":      "10",
		"hbase.client.pause":               "200",
		"hbase.rpc.timeout":                "10000",
		"hbase.client.operation.timeout":   "60000",
		"hbase.lease.recovery.dfs.timeout": "10000",
		// A new active master recovers the lease on the old one's store WAL:
		// ask HDFS again after 1 s, not 4 s (block recovery takes about that).
		"hbase.lease.recovery.first.pause": "1000",
	}
}

func hbaseLog4j2() map[string]string {
	pattern := "%d{ISO8601} %p %c: %m%n"
	return map[string]string{
		"status":                          "warn",
		"dest":                            "err",
		"name":                            "haharness",
		"appender.console.type":           "Console",
		"appender.console.name":           "console",
		"appender.console.target":         "SYSTEM_ERR",
		"appender.console.layout.type":    "PatternLayout",
		"appender.console.layout.pattern": pattern,
		"appender.RFA.type":               "RollingFile",
		"appender.RFA.name":               "RFA",
		"appender.RFA.fileName":           "${sys:hadoop.log.dir}/${sys:hadoop.log.file}",
		"appender.RFA.filePattern":        "${sys:hadoop.log.dir}/${sys:hadoop.log.file}.%i",
		"appender.RFA.layout.type":        "PatternLayout",
		"appender.RFA.layout.pattern":     pattern,
		"appender.RFA.policies.type":      "Policies",
		"appender.RFA.policies.size.type": "SizeBasedTriggeringPolicy",
		"appender.RFA.policies.size.size": "64MB",
		"appender.RFA.strategy.type":      "DefaultRolloverStrategy",
		"appender.RFA.strategy.max":       "2",
		"rootLogger":                      "${sys:hbase.root.logger:-INFO,console}",
		"logger.hadoop.name":              "org.apache.hadoop",
		"logger.hadoop.level":             "WARN",
		"logger.hbase.name":               "org.apache.hadoop.hbase",
		"logger.hbase.level":              "INFO",
		"logger.zookeeper.name":           "org.apache.zookeeper",
		"logger.zookeeper.level":          "WARN",
	}
}

func kafkaProperties(t topology.Topology) map[string]string {
	rf := min(KafkaReplication, len(t.On(topology.Kafka)))
	return map[string]string{
		"zookeeper.connect":                        zkHosts(t) + KafkaChroot,
		"zookeeper.session.timeout.ms":             fmt.Sprint(AddonTiming.KafkaSessionTimeoutMS),
		"zookeeper.connection.timeout.ms":          "10000",
		"listeners":                                fmt.Sprintf("PLAINTEXT://:%d", PortKafka),
		"log.dirs":                                 KafkaLogDir,
		"num.partitions":                           "3",
		"default.replication.factor":               fmt.Sprint(rf),
		"min.insync.replicas":                      fmt.Sprint(min(KafkaMinISR, rf)),
		"offsets.topic.replication.factor":         fmt.Sprint(rf),
		"offsets.topic.num.partitions":             "3",
		"transaction.state.log.replication.factor": fmt.Sprint(rf),
		"transaction.state.log.min.isr":            fmt.Sprint(min(KafkaMinISR, rf)),
		"transaction.state.log.num.partitions":     "3",
		"unclean.leader.election.enable":           "false",
		"group.initial.rebalance.delay.ms":         "0",
		"replica.lag.time.max.ms":                  "10000",
		"controlled.shutdown.enable":               "true",
		"num.network.threads":                      "2",
		"num.io.threads":                           "4",
		"log.retention.check.interval.ms":          "60000",
	}
}
