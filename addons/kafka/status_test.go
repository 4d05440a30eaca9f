package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/internal/addontest"
)

// ready is Kafka ready on the guide's hosts (Place): brokers 1 to 3
// registered, broker 2 the controller, partition t/0 led by broker 1 and in
// sync.
func ready() *Status {
	return &Status{Brokers: []int{1, 2, 3}, Controller: 2, Leaders: map[string]int{"t/0": 1}, Want: 3,
		Hosts: []string{"hadoop001", "hadoop002", "hadoop003"}}
}

// Ready's rules, each problem prefixed with the add-on's name (was
// harness.TestAddonsReady's Kafka cases).
func TestReady(t *testing.T) {
	addontest.Ready(t, Name, ready, []addontest.ReadyCase[*Status]{
		{Name: "broker missing", Mod: func(k *Status) { k.Brokers = []int{1, 2} }, Want: "kafka: 2 of 3 brokers registered [1 2]"},
		{Name: "no broker", Mod: func(k *Status) { k.Brokers, k.Controller = nil, 0 }, Want: "kafka: 0 of 3 brokers registered []"},
		{Name: "no controller", Mod: func(k *Status) { k.Controller = 0 }, Want: "kafka: no controller among the registered brokers (controller=0)"},
		{Name: "controller not registered", Mod: func(k *Status) { k.Brokers = []int{1, 3} }, Want: "kafka: no controller among the registered brokers (controller=2)"},
		{Name: "under-replicated", Mod: func(k *Status) { k.UnderReplicated = []string{"t/0"} }, Want: "kafka: under-replicated partitions [t/0]"},
		{Name: "leaderless", Mod: func(k *Status) { k.Leaders["t/1"] = -1 }, Want: "kafka: partition t/1 has no leader"},
	})
	k := ready()
	k.Leaders = map[string]int{"b/0": -1, "a/1": -1, "a/0": 1}
	assert.Equal(t, []string{"kafka: partition a/1 has no leader", "kafka: partition b/0 has no leader"}, k.Ready(), "in partition order")
}

// Summary and Report say which broker is the controller and which are
// registered.
func TestSummaryAndReport(t *testing.T) {
	moved := ready()
	moved.Brokers, moved.Controller, moved.UnderReplicated = []int{1, 2}, 1, []string{"t/0"}
	none := &Status{Want: 3, Hosts: []string{"hadoop001", "hadoop002", "hadoop003"}}
	addontest.Report(t, []addontest.ReportCase{
		{Name: "ready", Status: ready(),
			Summary:  "kafka[brokers=3/3 controller=2 underreplicated=0]",
			Headline: "Kafka: controller broker 2, brokers registered [1 2 3] of 3, under-replicated partitions 0\n",
			Lines: []string{`(?m)^  broker 1\s+hadoop001\s+registered\s*$`, `(?m)^  broker 2\s+hadoop002\s+registered\s+controller$`,
				`(?m)^  broker 3\s+hadoop003\s+registered\s*$`}},
		{Name: "controller moved, a broker gone", Status: moved,
			Summary:  "kafka[brokers=2/3 controller=1 underreplicated=1]",
			Headline: "Kafka: controller broker 1, brokers registered [1 2] of 3, under-replicated partitions 1\n",
			Lines:    []string{`(?m)^  broker 1\s+hadoop001\s+registered\s+controller$`, `(?m)^  broker 3\s+hadoop003\s+not registered\s*$`}},
		{Name: "nothing up", Status: none,
			Summary:  "kafka[brokers=0/3 controller=0 underreplicated=0]",
			Headline: "Kafka: controller broker 0, brokers registered [] of 3, under-replicated partitions 0\n",
			Lines:    []string{`(?m)^  broker 1\s+hadoop001\s+not registered\s*$`, `(?m)^  broker 3\s+hadoop003\s+not registered\s*$`}},
	})
	assert.NotRegexp(t, `controller\n`, none.Report(), "no broker is marked controller")
}

// The section is what StatusOf finds, what the selectors resolve against,
// and marshals as itself.
func TestSection(t *testing.T) {
	k := ready()
	addontest.SectionOf(t, Module(), k, StatusOf)
	addontest.SectionJSON(t, k, `{"brokers": [1, 2, 3], "controller": 2, "leaders": {"t/0": 1}, "underReplicated": null, "want": 3,
		"hosts": ["hadoop001", "hadoop002", "hadoop003"]}`)
}

// The brokers as an HA group for the controller election: the controller
// active and the lock, registered brokers standby, the others down.
func TestHAGroup(t *testing.T) {
	k := &Status{Brokers: []int{1, 3}, Controller: 3, Hosts: []string{"hadoop001", "hadoop002", "hadoop003"}}
	g, ok := k.HA(Broker)
	require.True(t, ok)
	assert.Equal(t, "hadoop003", g.Settled())
	assert.Equal(t, map[string]string{"hadoop001": ha.Standby, "hadoop002": ha.Down, "hadoop003": ha.Active}, g.States())
	to, why := ha.Failover("hadoop001", g)
	assert.Equal(t, "hadoop003", to, why)
	_, ok = k.HA("zookeeper")
	assert.False(t, ok)
}
