package kafka

import (
	"fmt"
	"regexp"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Controller names the controller broker.
const Controller fault.Selector = "kafka-controller"

// PartitionLeader names the leader broker of a topic's partition:
// partition-leader(TOPIC,PARTITION).
func PartitionLeader(topic string, partition int) fault.Selector {
	return fault.Selector(fmt.Sprintf("partition-leader(%s,%d)", topic, partition))
}

var partitionLeaderRE = regexp.MustCompile(`^partition-leader\(([A-Za-z0-9._-]{1,249}),\s*([0-9]{1,9})\)$`)

func selectors() []fault.Extension {
	return []fault.Extension{{
		Addon: Name, Needs: Broker,
		Names:  map[fault.Selector]string{Controller: "the Kafka controller broker"},
		Prefix: "partition-leader", Pattern: partitionLeaderRE,
		Usage:   "partition-leader(TOPIC,PARTITION), e.g. partition-leader(orders,0)",
		Resolve: resolve,
	}}
}

func resolve(s fault.Selector, snap fault.Snapshot) ([]topology.Daemon, error) {
	k, _ := snap.Addons[Name].(*Status)
	if k == nil {
		return nil, fmt.Errorf("resolve %s: no Kafka state read", s)
	}
	if s == Controller {
		return broker(s, snap.Topology, "controller", k.Controller)
	}
	m := partitionLeaderRE.FindStringSubmatch(string(s))
	if m == nil {
		return nil, fmt.Errorf("resolve %s: not a Kafka selector", s)
	}
	key := m[1] + "/" + m[2]
	id, ok := k.Leaders[key]
	if !ok {
		return nil, fmt.Errorf("resolve %s: no partition %s: create the topic first (partitions known: %d)", s, key, len(k.Leaders))
	}
	return broker(s, snap.Topology, "leader of "+key, id)
}

// broker returns the broker with id as the daemon that s names.
func broker(s fault.Selector, t topology.Topology, what string, id int) ([]topology.Daemon, error) {
	h := BrokerHost(t, id)
	if h == "" {
		return nil, fmt.Errorf("resolve %s: no %s (broker id %d; brokers are 1..%d)", s, what, id, len(t.On(Broker)))
	}
	return []topology.Daemon{{Host: h, Role: Broker}}, nil
}
