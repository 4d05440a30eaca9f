package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
)

// healthy is the guide's cluster with Kafka placed: broker 3 the
// controller, orders/0 led by broker 2, orders/1 by broker 3, every host
// running.
func healthy() fault.Snapshot {
	return addontest.Healthy(Module(), &Status{Brokers: []int{1, 2, 3}, Controller: 3,
		Leaders: map[string]int{"orders/0": 2, "orders/1": 3}, Want: 3, Hosts: []string{"hadoop001", "hadoop002", "hadoop003"}})
}

// Kafka's selectors resolve against its section in Snapshot.Addons (was
// fault.TestResolveAddons's Kafka cases).
func TestResolve(t *testing.T) {
	addontest.Resolve(t, Module(), healthy, []addontest.ResolveCase[*Status]{
		{Name: "controller", Sel: Controller, Want: []string{"hadoop003/kafka"}},
		{Name: "controller moved", Sel: Controller, Mod: func(k *Status, _ *fault.Snapshot) { k.Controller = 1 }, Want: []string{"hadoop001/kafka"}},
		{Name: "no controller", Sel: Controller, Mod: func(k *Status, _ *fault.Snapshot) { k.Controller = 0 },
			Err: "resolve kafka-controller: no controller (broker id 0; brokers are 1..3)"},
		{Name: "controller not a broker of the topology", Sel: Controller, Mod: func(k *Status, _ *fault.Snapshot) { k.Controller = 4 },
			Err: "resolve kafka-controller: no controller (broker id 4; brokers are 1..3)"},
		{Name: "partition leader", Sel: PartitionLeader("orders", 0), Want: []string{"hadoop002/kafka"}},
		{Name: "partition leader spaced", Sel: "partition-leader(orders, 1)", Want: []string{"hadoop003/kafka"}},
		{Name: "partition without leader", Sel: PartitionLeader("orders", 0), Mod: func(k *Status, _ *fault.Snapshot) { k.Leaders["orders/0"] = -1 },
			Err: "resolve partition-leader(orders,0): no leader of orders/0 (broker id -1; brokers are 1..3)"},
		{Name: "unknown partition", Sel: PartitionLeader("orders", 7),
			Err: "resolve partition-leader(orders,7): no partition orders/7: create the topic first (partitions known: 2)"},
		{Name: "unknown topic", Sel: PartitionLeader("payments", 0), Err: "no partition payments/0: create the topic first"},
		{Name: "bad partition-leader", Sel: "partition-leader(orders)", Err: `target "partition-leader(orders)": want partition-leader(TOPIC,PARTITION), e.g. partition-leader(orders,0)`},
		{Name: "bad topic name", Sel: "partition-leader(a b,0)", Err: "want partition-leader(TOPIC,PARTITION)"},
		{Name: "no Kafka state read", Sel: Controller, Mod: func(_ *Status, s *fault.Snapshot) { s.Addons = nil },
			Err: "resolve kafka-controller: no Kafka state read"},
		{Name: "another add-on's state", Sel: PartitionLeader("orders", 0), Mod: func(_ *Status, s *fault.Snapshot) { s.Addons = map[string]any{Name: 3} },
			Err: "resolve partition-leader(orders,0): no Kafka state read"},
		// Brokers are taken by id whatever their host's state: the fault
		// decides what a paused broker means.
		{Name: "controller on a paused host", Sel: Controller, Mod: func(_ *Status, s *fault.Snapshot) { s.Hosts["hadoop003"] = "paused" },
			Want: []string{"hadoop003/kafka"}},
	})
}

// Broker ids follow the placement's order, not the hosts'.
func TestResolveByBrokerID(t *testing.T) {
	snap := healthy()
	snap.Topology = snap.Topology.Clone()
	snap.Topology.Roles[Broker] = []string{"hadoop003", "hadoop001", "hadoop002"}
	ds, err := fault.Resolve(PartitionLeader("orders", 0), snap, Module().Selectors...)
	require.NoError(t, err)
	assert.Equal(t, []string{"hadoop001/kafka"}, addontest.Names(ds), "broker 2 is the second broker placed")
}

// Kafka's selectors are refused, naming the fix, on a cluster without
// Kafka; without the module's extension they are no selectors at all (was
// fault.TestAddonSelectorsNeedTheAddon's Kafka cases).
func TestSelectorsNeedTheAddon(t *testing.T) {
	addontest.SelectorsNeedTheAddon(t, Module(), Controller, PartitionLeader("orders", 0))
	_, err := fault.Parse("partition-leader(orders)", topology.Guide(), Module().Selectors...)
	assert.ErrorContains(t, err, "want partition-leader(TOPIC,PARTITION)", "a malformed selector is malformed first")
}

// Kafka's selectors resolve on a healthy cluster, need its state, and fail
// naming themselves when nothing was read (was fault.TestResolveEveryNamed
// and TestNeedsState for the add-ons).
func TestEverySelector(t *testing.T) {
	exts := Module().Selectors
	require.Len(t, exts, 1)
	assert.Equal(t, [][2]string{
		{"kafka-controller", "the Kafka controller broker"},
		{"partition-leader(TOPIC,PARTITION), e.g. partition-leader(orders,0)", "(kafka)"},
	}, exts[0].Help())
	assert.Equal(t, fault.Selector("partition-leader(orders,0)"), PartitionLeader("orders", 0))
	addontest.EverySelector(t, Module(), Broker, healthy, Controller, PartitionLeader("orders", 1))
}
