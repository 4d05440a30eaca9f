package kafka

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
)

// Status is Kafka's section of the cluster's Status, from ZooKeeper.
type Status struct {
	// Brokers are the registered broker ids.
	Brokers []int `json:"brokers"`
	// Controller is the controller's broker id, 0 if none.
	Controller int `json:"controller"`
	// Leaders maps "topic/partition" to its leader's broker id (-1 none).
	Leaders map[string]int `json:"leaders"`
	// UnderReplicated lists the partitions whose ISR lacks a replica.
	UnderReplicated []string `json:"underReplicated"`
	// Want is the number of brokers of the topology.
	Want int `json:"want"`
	// Hosts are the broker hosts in broker id order (broker 1 first).
	Hosts []string `json:"hosts"`
}

var _ addon.Section = (*Status)(nil)

// StatusOf returns Kafka's section of a cluster's status (Status.Addons),
// nil when the cluster has none.
func StatusOf(sections map[string]addon.Section) *Status {
	return addon.SectionOf[*Status](sections, Name)
}

// Ready lists what keeps Kafka from ready: every broker registered, a
// controller among them, every partition led and in sync.
func (k *Status) Ready() []string {
	var bad []string
	if len(k.Brokers) != k.Want {
		bad = append(bad, fmt.Sprintf("kafka: %d of %d brokers registered %v", len(k.Brokers), k.Want, k.Brokers))
	}
	if k.Controller == 0 || !slices.Contains(k.Brokers, k.Controller) {
		bad = append(bad, fmt.Sprintf("kafka: no controller among the registered brokers (controller=%d)", k.Controller))
	}
	if len(k.UnderReplicated) > 0 {
		bad = append(bad, fmt.Sprintf("kafka: under-replicated partitions %v", k.UnderReplicated))
	}
	for _, p := range slices.Sorted(maps.Keys(k.Leaders)) {
		if k.Leaders[p] < 0 {
			bad = append(bad, "kafka: partition "+p+" has no leader")
		}
	}
	return bad
}

// Summary is Kafka's part of Status.String.
func (k *Status) Summary() string {
	return fmt.Sprintf("kafka[brokers=%d/%d controller=%d underreplicated=%d]", len(k.Brokers), k.Want, k.Controller, len(k.UnderReplicated))
}

// Report is Kafka's part of `haharness status`.
func (k *Status) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Kafka: controller broker %d, brokers registered %v of %d, under-replicated partitions %d\n",
		k.Controller, k.Brokers, k.Want, len(k.UnderReplicated))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for i, h := range k.Hosts {
		id := i + 1
		st := "registered"
		if !slices.Contains(k.Brokers, id) {
			st = "not registered"
		}
		ctl := ""
		if id == k.Controller {
			ctl = "controller"
		}
		fmt.Fprintf(tw, "  broker %d\t%s\t%s\t%s\n", id, h, st, ctl)
	}
	tw.Flush()
	return b.String()
}

var _ addon.HASection = (*Status)(nil)

// HA is the brokers' group for the controller election: each broker by
// host, active while /controller names it, standby while registered,
// down when not; the controller's host is the lock.
func (k *Status) HA(r topology.Role) (ha.Group, bool) {
	if r != Broker {
		return ha.Group{}, false
	}
	g := ha.Group{Role: Broker}
	for i, h := range k.Hosts {
		st := ha.Down
		switch {
		case i+1 == k.Controller:
			st, g.Lock = ha.Active, h
		case slices.Contains(k.Brokers, i+1):
			st = ha.Standby
		}
		g.Members = append(g.Members, ha.Member{ID: h, Host: h, State: st})
	}
	return g, true
}

// Fault is what Kafka's selectors resolve against: the section itself.
func (k *Status) Fault() any { return k }

// readStatus reads the brokers' znodes.
func readStatus(_ context.Context, c addon.Cluster, conn *zk.Conn) addon.Section {
	t := c.Topology()
	k := &Status{Want: len(t.On(Broker)), Leaders: map[string]int{}, Hosts: t.On(Broker)}
	if conn != nil {
		if zs, err := ReadZK(conn, Chroot); err == nil {
			k.Brokers, k.Controller, k.UnderReplicated = zs.Brokers, zs.Controller, zs.UnderReplicated()
			for p, st := range zs.Partitions {
				k.Leaders[p] = st.Leader
			}
		}
	}
	return k
}

// RoleController is the role of the controller lanes of a run's history:
// the brokers' role, as for any HA role of an add-on (Role.HA).
const RoleController = string(Broker)

// lanes are a lane per broker (kafka@HOST, role kafka), active
// while /controller names it, standby while registered, down when not.
func lanes(t topology.Topology, conn *zk.Conn) []addon.Lane {
	zs, err := ReadZK(conn, Chroot)
	var out []addon.Lane
	for _, h := range t.On(Broker) {
		st := observe.StateStandby
		switch {
		case err != nil:
			st = observe.StateUnknown
		case !slices.Contains(zs.Brokers, BrokerID(t, h)):
			st = observe.StateDown
		case zs.Controller == BrokerID(t, h):
			st = observe.StateActive
		}
		out = append(out, addon.Lane{Name: addon.LaneOf(Broker, h), Role: RoleController, State: st})
	}
	return out
}
