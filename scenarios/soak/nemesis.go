package soak

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/scenarios"
)

// Step is one round of the nemesis: one or two faults injected together,
// held, then healed by harness.Cluster.Heal.
type Step struct {
	Faults []fault.Fault
	Hold   time.Duration
	// FailoverNameNode (FailoverResourceManager) is set when the step must
	// make the active NameNode (ResourceManager) fail over within
	// scenarios.FailoverBound: its first fault takes the active away and
	// nothing else takes away the quorum the election needs.
	FailoverNameNode, FailoverResourceManager bool
}

func (s Step) String() string {
	var p []string
	for _, f := range s.Faults {
		p = append(p, f.String())
	}
	return strings.Join(p, " + ") + fmt.Sprintf(" (hold %v)", s.Hold)
}

// entry is one fault the nemesis can draw.
type entry struct {
	// kind names the entry in FaultCounts: the fault kind and its target.
	kind string
	make func(r *rand.Rand) fault.Fault
	// nn and rm: it takes the active NameNode (ResourceManager) away.
	nn, rm bool
	// quorum: it takes a JournalNode or ZooKeeper member away.
	quorum bool
	// standby: it takes the standby NameNode away.
	standby bool
	// activeSelector: it names the active NameNode, so it cannot be the
	// second fault of a step (the first may already have moved it).
	activeSelector bool
}

// menu is what the nemesis draws from: every fault kind of package fault.
var menu = []entry{
	{kind: "kill-daemon active-namenode", nn: true, activeSelector: true,
		make: func(*rand.Rand) fault.Fault { return fault.KillDaemon{Target: fault.ActiveNameNode} }},
	{kind: "kill-host active-namenode", nn: true, quorum: true, activeSelector: true,
		make: func(*rand.Rand) fault.Fault { return fault.KillHost{Target: fault.ActiveNameNode} }},
	{kind: "freeze-daemon active-namenode", nn: true, activeSelector: true,
		make: func(*rand.Rand) fault.Fault { return fault.FreezeDaemon{Target: fault.ActiveNameNode} }},
	{kind: "freeze-host active-namenode", nn: true, quorum: true, activeSelector: true,
		make: func(*rand.Rand) fault.Fault { return fault.FreezeHost{Target: fault.ActiveNameNode} }},
	{kind: "isolate active-namenode", nn: true, quorum: true, activeSelector: true,
		make: func(*rand.Rand) fault.Fault { return fault.Isolate{Target: fault.ActiveNameNode} }},
	{kind: "partition active-namenode from zookeeper", nn: true, quorum: true, activeSelector: true,
		make: func(*rand.Rand) fault.Fault {
			return fault.Isolate{Target: fault.ActiveNameNode, Ports: scenarios.ZooKeeperPorts}
		}},
	{kind: "drop active-namenode->standby-namenode", activeSelector: true,
		make: func(*rand.Rand) fault.Fault {
			return fault.Drop{From: fault.ActiveNameNode, To: fault.StandbyNameNode}
		}},
	// Loss only: delay needs netem, which some kernels lack (fault.ErrNoNetem).
	{kind: "degrade active-namenode", activeSelector: true,
		make: func(r *rand.Rand) fault.Fault {
			return fault.Degrade{Target: fault.ActiveNameNode, LossPercent: float64(5 + r.IntN(16))}
		}},
	{kind: "kill-daemon standby-namenode", standby: true,
		make: func(*rand.Rand) fault.Fault { return fault.KillDaemon{Target: fault.StandbyNameNode} }},
	{kind: "stop-host standby-namenode", quorum: true, standby: true,
		make: func(*rand.Rand) fault.Fault { return fault.StopHost{Target: fault.StandbyNameNode} }},
	{kind: "kill-daemon journalnode-minority", quorum: true,
		make: func(*rand.Rand) fault.Fault { return fault.KillDaemon{Target: fault.JournalNodeMinority} }},
	{kind: "kill-daemon zookeeper-leader", quorum: true,
		make: func(*rand.Rand) fault.Fault { return fault.KillDaemon{Target: fault.ZooKeeperLeader} }},
	{kind: "kill-daemon active-resourcemanager", rm: true,
		make: func(*rand.Rand) fault.Fault { return fault.KillDaemon{Target: fault.ActiveResourceManager} }},
	{kind: "freeze-daemon active-resourcemanager", rm: true,
		make: func(*rand.Rand) fault.Fault { return fault.FreezeDaemon{Target: fault.ActiveResourceManager} }},
}

// Kinds lists what the nemesis draws from, as FaultCounts names it.
func Kinds() []string {
	out := make([]string, len(menu))
	for i, e := range menu {
		out[i] = e.kind
	}
	return out
}

// PairShare is the share of steps that inject two faults at once.
const PairShare = 0.3

// Nemesis draws steps from a seeded source: the same seed draws the same
// steps, faults, targets (as selectors, resolved at injection) and holds.
type Nemesis struct {
	r *rand.Rand
}

// NewNemesis returns the nemesis of seed.
func NewNemesis(seed int64) *Nemesis {
	return &Nemesis{r: rand.New(rand.NewPCG(uint64(seed), 0x736f616b))}
}

// Next draws a step and the menu kinds of its faults. Its second fault, if
// any, is of another kind, names no active daemon (the first fault may be
// moving it), and does not take a second quorum member away.
func (n *Nemesis) Next() (Step, []string) {
	first := menu[n.r.IntN(len(menu))]
	picked := []entry{first}
	if n.r.Float64() < PairShare {
		var ok []entry
		for _, e := range menu {
			if e.kind != first.kind && !e.activeSelector && !(e.quorum && first.quorum) && !(e.rm && first.rm) {
				ok = append(ok, e)
			}
		}
		picked = append(picked, ok[n.r.IntN(len(ok))])
	}
	s := Step{Hold: time.Duration(3000+n.r.IntN(7000)) * time.Millisecond}
	var kinds []string
	for _, e := range picked {
		s.Faults = append(s.Faults, e.make(n.r))
		kinds = append(kinds, e.kind)
	}
	// One quorum member away leaves a majority, so the election goes on;
	// the standby NameNode away leaves nobody to take over; a second fault
	// may take the standby ResourceManager's host.
	s.FailoverNameNode = first.nn && (len(picked) == 1 || !picked[1].standby)
	s.FailoverResourceManager = first.rm && len(picked) == 1
	return s, kinds
}
