package kafka

import (
	"fmt"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

// properties is kafka.properties, shared by every broker (each reads its
// broker.id from its host's BrokerIDFile).
func properties(t topology.Topology) map[string]string {
	rf := min(Replication, len(t.On(Broker)))
	return map[string]string{
		"zookeeper.connect":                        config.ZooKeeperQuorum(t) + Chroot,
		"zookeeper.session.timeout.ms":             fmt.Sprint(SessionTimeoutMS),
		"zookeeper.connection.timeout.ms":          "10000",
		"listeners":                                fmt.Sprintf("PLAINTEXT://:%d", Port),
		"log.dirs":                                 LogDir,
		"num.partitions":                           "3",
		"default.replication.factor":               fmt.Sprint(rf),
		"min.insync.replicas":                      fmt.Sprint(min(MinISR, rf)),
		"offsets.topic.replication.factor":         fmt.Sprint(rf),
		"offsets.topic.num.partitions":             "3",
		"transaction.state.log.replication.factor": fmt.Sprint(rf),
		"transaction.state.log.min.isr":            fmt.Sprint(min(MinISR, rf)),
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
