// Package ha is haharness's one view of an HA role: the members of the
// NameNode pair or of the ResourceManager pair, the state each is in, and
// the member the ZooKeeper election lock names (Group); which one is
// active; and the one rule for "the active failed over" (Failover), with the
// one wait for it (WaitFailover).
//
// Status, selector resolution, Heal, the scenarios' recorder and bench, and
// the CLI's status and wait-failover all read a role's state through a
// Group, and name states with the constants below, never with literals.
//
// Layering: imports harness/topology and internal/poll only; harness,
// harness/observe, harness/fault, scenarios and the CLI build on it.
package ha

import (
	"strings"

	"github.com/haharness/haharness/harness/topology"
)

// The normalised HA states. A daemon may also be in another state of its
// own, kept lower-cased by Normalise ("observer", "initializing"...); only
// Active counts as active.
const (
	Active  = "active"
	Standby = "standby"
	Down    = "down"    // nothing answered: connection refused, or the process or its host is gone
	Frozen  = "frozen"  // the process is stopped (SIGSTOP, a paused host)
	Unknown = "unknown" // the state could not be read
)

// Normalise turns a daemon's own word for its HA state into a state of
// this package: NameNodes say "active", ResourceManagers "ACTIVE", and both
// become Active. An empty word is Unknown.
func Normalise(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	if s == "" {
		return Unknown
	}
	return s
}

// Member is one daemon of an HA role.
type Member struct {
	// ID is the daemon's HA id: nn1, rm2...
	ID   string
	Host string
	// State is normalised (Normalise): Active, Standby, Down...
	State string
}

// Group is an HA role's members, in topology order, with the states they
// were seen in at one moment, and the member the election lock named then.
type Group struct {
	Role    topology.Role
	Members []Member
	// Lock is the id the ZooKeeper election lock names: "" when no elector
	// holds it, or when it could not be read.
	Lock string
}

// Member returns the member with id, and whether there is one.
func (g Group) Member(id string) (Member, bool) {
	for _, m := range g.Members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// Has reports whether id is a member.
func (g Group) Has(id string) bool {
	_, ok := g.Member(id)
	return ok
}

// State returns the state of member id, "" when id is not a member.
func (g Group) State(id string) string {
	m, _ := g.Member(id)
	return m.State
}

// IDs returns the members' ids in order.
func (g Group) IDs() []string {
	return g.in(func(Member) bool { return true })
}

// States maps each member's id to its state.
func (g Group) States() map[string]string {
	out := make(map[string]string, len(g.Members))
	for _, m := range g.Members {
		out[m.ID] = m.State
	}
	return out
}

// Actives returns the ids of the members in state Active, in order.
func (g Group) Actives() []string {
	return g.in(func(m Member) bool { return m.State == Active })
}

// Standbys returns the ids of the members in state Standby, in order.
func (g Group) Standbys() []string {
	return g.in(func(m Member) bool { return m.State == Standby })
}

// ActiveCount is how many members claim active.
func (g Group) ActiveCount() int { return len(g.Actives()) }

// Active returns the id of the single member in state Active, or "" when
// none is or several are.
func (g Group) Active() string {
	if a := g.Actives(); len(a) == 1 {
		return a[0]
	}
	return ""
}

// SplitBrain reports whether more than one member claims active.
func (g Group) SplitBrain() bool { return g.ActiveCount() > 1 }

// Settled returns the single active when the election lock names it too,
// else "": the state a failover ends in and HA ready requires.
func (g Group) Settled() string {
	if a := g.Active(); a != "" && g.Lock == a {
		return a
	}
	return ""
}

// String lists the members' states and the lock: "nn1=active nn2=standby
// lock=nn1" ("lock=none" when no lock was read).
func (g Group) String() string {
	p := make([]string, 0, len(g.Members)+1)
	for _, m := range g.Members {
		p = append(p, m.ID+"="+m.State)
	}
	lock := g.Lock
	if lock == "" {
		lock = "none"
	}
	return strings.Join(append(p, "lock="+lock), " ")
}

// in returns the ids of the members keep accepts, in order.
func (g Group) in(keep func(Member) bool) []string {
	var out []string
	for _, m := range g.Members {
		if keep(m) {
			out = append(out, m.ID)
		}
	}
	return out
}
