package kafka

// This file reads the brokers' state from their znodes (JSON, under the
// brokers' chroot).

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/observe"
)

// ZK is the Kafka brokers' state in ZooKeeper.
type ZK struct {
	// Brokers are the registered broker ids (/brokers/ids), sorted.
	Brokers []int
	// Controller is the broker id /controller names, 0 when none.
	Controller int
	// Partitions maps "topic/partition" to that partition's state.
	Partitions map[string]PartitionState
}

// PartitionState is /brokers/topics/T/partitions/P/state, with the
// partition's assigned replicas from /brokers/topics/T.
type PartitionState struct {
	Leader      int   `json:"leader"` // -1 when none
	LeaderEpoch int   `json:"leader_epoch"`
	ISR         []int `json:"isr"`
	Replicas    []int `json:"-"`
}

// UnderReplicated lists the partitions whose ISR lacks an assigned
// replica, sorted.
func (k ZK) UnderReplicated() []string {
	var out []string
	for p, st := range k.Partitions {
		if len(st.ISR) < len(st.Replicas) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// ReadZK reads the brokers' znodes under chroot (zookeeper.connect's
// chroot). Missing znodes are empty fields, not errors.
func ReadZK(conn *zk.Conn, chroot string) (ZK, error) {
	s := ZK{Partitions: map[string]PartitionState{}}
	ids, _, err := conn.Children(path.Join(chroot, "brokers/ids"))
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return s, fmt.Errorf("kafka broker ids: %w", err)
	}
	for _, id := range ids {
		if n, err := strconv.Atoi(id); err == nil {
			s.Brokers = append(s.Brokers, n)
		}
	}
	slices.Sort(s.Brokers)
	b, _, err := conn.Get(path.Join(chroot, "controller"))
	switch {
	case errors.Is(err, zk.ErrNoNode):
	case err != nil:
		return s, fmt.Errorf("kafka controller znode: %w", err)
	default:
		var ctl struct {
			BrokerID int `json:"brokerid"`
		}
		if err := json.Unmarshal(b, &ctl); err != nil {
			return s, fmt.Errorf("%w: kafka controller %q: %w", observe.ErrMalformedZnode, b, err)
		}
		s.Controller = ctl.BrokerID
	}
	topics, _, err := conn.Children(path.Join(chroot, "brokers/topics"))
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return s, fmt.Errorf("kafka topics: %w", err)
	}
	for _, t := range topics {
		b, _, err := conn.Get(path.Join(chroot, "brokers/topics", t))
		if err != nil {
			continue // deleted meanwhile
		}
		var assign struct {
			Partitions map[string][]int `json:"partitions"`
		}
		if err := json.Unmarshal(b, &assign); err != nil {
			return s, fmt.Errorf("%w: kafka topic %s: %w", observe.ErrMalformedZnode, t, err)
		}
		for p, replicas := range assign.Partitions {
			st := PartitionState{Leader: -1, Replicas: replicas}
			if b, _, err := conn.Get(path.Join(chroot, "brokers/topics", t, "partitions", p, "state")); err == nil {
				if err := json.Unmarshal(b, &st); err != nil {
					return s, fmt.Errorf("%w: kafka partition %s/%s state: %w", observe.ErrMalformedZnode, t, p, err)
				}
			}
			s.Partitions[t+"/"+p] = st
		}
	}
	return s, nil
}
