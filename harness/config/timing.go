package config

// TimingValues are the shortened HA timeouts the rendered configuration uses,
// so a failover takes seconds instead of the defaults' tens of seconds.
// Scenarios derive their failover bounds from them. Override a key with
// Overrides to change a cluster's value; Timing is the default.
type TimingValues struct {
	// ZKSessionTimeoutMS is ha.zookeeper.session-timeout.ms (ZKFC) and
	// hadoop.zk.timeout-ms (ResourceManager). Hadoop's default is 10000.
	// ZooKeeper runs with tickTime 1000, so sessions may be 2000..20000.
	ZKSessionTimeoutMS int
	// HealthRPCTimeoutMS is ha.health-monitor.rpc-timeout.ms: how long a
	// frozen NameNode may take to answer its ZKFC's health check before the
	// ZKFC quits the election. Hadoop's default is 45000.
	HealthRPCTimeoutMS int
	// JournalWriteTimeoutMS is dfs.qjournal.write-txns.timeout.ms: how long an
	// active NameNode waits for a JournalNode majority before it aborts.
	// Hadoop's default is 20000.
	JournalWriteTimeoutMS int
}

// Timing is the default timing of a haharness cluster.
var Timing = TimingValues{ZKSessionTimeoutMS: 5000, HealthRPCTimeoutMS: 5000, JournalWriteTimeoutMS: 10000}
