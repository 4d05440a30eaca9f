package hbase

import (
	"fmt"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

// site is hbase-site.xml.
func site(t topology.Topology) map[string]string {
	return map[string]string{
		"hbase.cluster.distributed":              "true",
		"hbase.rootdir":                          "hdfs://" + t.Nameservice + RootDir,
		"hbase.tmp.dir":                          TmpDir,
		"hbase.zookeeper.quorum":                 config.ZooKeeperQuorum(t),
		"zookeeper.znode.parent":                 ZNode,
		"zookeeper.session.timeout":              fmt.Sprint(SessionTimeoutMS),
		"hbase.master.port":                      fmt.Sprint(PortMasterRPC),
		"hbase.master.info.port":                 fmt.Sprint(PortMasterWeb),
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
		"hbase.master.wait.on.regionservers.maxtostart": fmt.Sprint(len(t.On(RegionServer))),
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

// log4j2 is hbase-log4j2.properties: the daemons log to the file the
// launcher names, as Hadoop's do.
func log4j2() map[string]string {
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
