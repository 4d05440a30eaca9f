package soak

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/fault"
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

// entry is one fault the nemesis can draw: a kind of the fault registry
// aimed as one of its Nemesis aims says.
type entry struct {
	kind fault.Kind
	aim  fault.Aim
}

// nn: it takes the active NameNode away.
func (e entry) nn() bool { return e.aim.Takes&fault.TakesActiveNameNode != 0 }

// rm: it takes the active ResourceManager away.
func (e entry) rm() bool { return e.aim.Takes&fault.TakesActiveResourceManager != 0 }

// quorum: it takes a JournalNode or ZooKeeper member away.
func (e entry) quorum() bool { return e.aim.Takes&fault.TakesQuorumMember != 0 }

// standby: it takes the standby NameNode away.
func (e entry) standby() bool { return e.aim.Takes&fault.TakesStandbyNameNode != 0 }

// activeSelector: it names the active NameNode, so it cannot be the
// second fault of a step (the first may already have moved it).
func (e entry) activeSelector() bool {
	for _, v := range e.aim.Values {
		switch x := v.(type) {
		case fault.Selector:
			if x == fault.ActiveNameNode {
				return true
			}
		case [][]fault.Selector:
			for _, g := range x {
				if slices.Contains(g, fault.ActiveNameNode) {
					return true
				}
			}
		}
	}
	return false
}

// menu is what the nemesis draws from: every aim of the fault registry's
// kinds that weighs more than 0, in registry order.
func menu() []entry {
	var out []entry
	for _, k := range fault.Registry() {
		for _, a := range k.Nemesis {
			if a.Weight > 0 {
				out = append(out, entry{kind: k, aim: a})
			}
		}
	}
	return out
}

// Kinds lists what the nemesis draws from, as FaultCounts names it.
func Kinds() []string {
	var out []string
	for _, e := range menu() {
		out = append(out, e.aim.Label)
	}
	return out
}

// entryOf returns the menu entry a soak record's kind names, by its label
// or one it had before (records saved by older versions).
func entryOf(kind string) entry {
	for _, e := range menu() {
		if e.aim.Label == kind || slices.Contains(e.aim.Formerly, kind) {
			return e
		}
	}
	return entry{}
}

// pick draws one of es, each as often as its weight says.
func pick(r *rand.Rand, es []entry) entry {
	total := 0
	for _, e := range es {
		total += e.aim.Weight
	}
	x := r.IntN(total)
	for _, e := range es {
		if x < e.aim.Weight {
			return e
		}
		x -= e.aim.Weight
	}
	return es[len(es)-1]
}

// PairShare is the share of steps that inject two faults at once.
const PairShare = 0.3

// Nemesis draws steps from a seeded source: the same seed draws the same
// steps, faults, targets (as selectors, resolved at injection) and holds.
type Nemesis struct {
	r    *rand.Rand
	menu []entry
}

// NewNemesis returns the nemesis of seed.
func NewNemesis(seed int64) *Nemesis {
	return &Nemesis{r: rand.New(rand.NewPCG(uint64(seed), 0x736f616b)), menu: menu()}
}

// Next draws a step and the menu kinds of its faults. Its second fault, if
// any, is of another kind, names no active daemon (the first fault may be
// moving it), and does not take a second quorum member away.
func (n *Nemesis) Next() (Step, []string) {
	first := pick(n.r, n.menu)
	picked := []entry{first}
	if n.r.Float64() < PairShare {
		var ok []entry
		for _, e := range n.menu {
			if e.aim.Label != first.aim.Label && !e.activeSelector() && !(e.quorum() && first.quorum()) && !(e.rm() && first.rm()) {
				ok = append(ok, e)
			}
		}
		if len(ok) > 0 {
			picked = append(picked, pick(n.r, ok))
		}
	}
	s := Step{Hold: time.Duration(3000+n.r.IntN(7000)) * time.Millisecond}
	var kinds []string
	for _, e := range picked {
		s.Faults = append(s.Faults, e.aim.Fault(e.kind, n.r))
		kinds = append(kinds, e.aim.Label)
	}
	// One quorum member away leaves a majority, so the election goes on;
	// the standby NameNode away leaves nobody to take over; a second fault
	// may take the standby ResourceManager's host.
	s.FailoverNameNode = first.nn() && (len(picked) == 1 || !picked[1].standby())
	s.FailoverResourceManager = first.rm() && len(picked) == 1
	return s, kinds
}
