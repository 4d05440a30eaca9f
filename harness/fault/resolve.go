package fault

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/topology"
)

// Snapshot is the cluster state a selector is resolved against: what the
// engine and the daemons said at one moment. The zero value of every field
// but Topology means "not read".
//
// States are compared case-insensitively, so "active" and "ACTIVE" are the
// same (ha.Active); the harness fills NameNodes and ResourceManagers from
// its HA groups, normalised. A daemon whose host is in Hosts with a state
// other than running counts as down whatever its own state says (a paused
// or exited host cannot serve); a host missing from Hosts counts as
// running. A daemon missing from its map counts as unknown, which is
// neither active nor standby.
type Snapshot struct {
	Topology topology.Topology
	// Hosts maps a host to its container's engine state: running, paused,
	// exited, dead...
	Hosts map[string]string
	// NameNodes maps a NameNode id (nn1...) to its HA state: active,
	// standby, down...
	NameNodes map[string]string
	// NameNodeLock is the NameNode id the ZooKeeper election lock names, ""
	// if none.
	NameNodeLock string
	// ResourceManagers maps a ResourceManager id (rm1...) to its HA state:
	// active, standby, down... (ha.Normalise; a REST word such as ACTIVE
	// counts the same)
	ResourceManagers map[string]string
	// ResourceManagerLock is the ResourceManager id the YARN election lock
	// names, "" if none.
	ResourceManagerLock string
	// ZooKeeper maps a ZooKeeper host to its mode: leader, follower, down,
	// no-quorum...
	ZooKeeper map[string]string
	// Addons maps an add-on's name to its state, as its Status section
	// gives it (addon.Section.Fault); its Extension's Resolve reads it.
	Addons map[string]any
}

// NeedsState reports whether resolving s reads the cluster's state: true
// for the named selectors but all, false for all, HOST and HOST/ROLE (and
// for a selector Parse rejects), which Resolve answers from the topology
// alone.
func NeedsState(s Selector, exts ...Extension) bool {
	if s == AllHosts {
		return false
	}
	if slices.Contains(Named(), s) {
		return true
	}
	for _, e := range exts {
		if e.matches(s) {
			return true
		}
	}
	return false
}

// Resolve turns a selector into daemons against snap. It checks s with
// Parse first. HOST returns one Daemon with an empty Role, HOST/ROLE that
// daemon and all every host, whatever state they are in: the fault decides
// what to do with a host or daemon that is down. The named selectors:
//
//   - active-namenode, active-resourcemanager: the one daemon whose state
//     is active. When several claim active (a failover under way), the one
//     the election lock names wins; if the lock names none of them, or
//     nothing claims active, it is an error that lists the states seen.
//   - standby-namenode, standby-resourcemanager, zookeeper-follower: the
//     first in topology order in that state; an error when none is.
//   - zookeeper-leader: the one leader; an error when there is none (no
//     quorum) or more than one.
//   - journalnode-minority, zookeeper-minority: n-Majority(n) of the n
//     members; journalnode-majority, zookeeper-majority: Majority(n).
//     Members are taken in this order: those not on the active NameNode's
//     host first (that NameNode as active-namenode picks it; when it picks
//     none, no member is set aside), then, within each of the two groups, live
//     members (host running and, for ZooKeeper, mode not down) before dead
//     ones, then topology order. Live first because a fault on a member that
//     is already down does nothing, and its heal would start a daemon the
//     fault never stopped; so with one of three JournalNodes already down,
//     journalnode-minority names a live one and the fault leaves a majority
//     down. These never fail for lack of state.
//
// Errors name the selector, what was missing and the states seen.
func Resolve(s Selector, snap Snapshot, exts ...Extension) ([]topology.Daemon, error) {
	t := snap.Topology
	p, err := Parse(s, t, exts...)
	if err != nil {
		return nil, err
	}
	if p.Ext != nil {
		return p.Ext.Resolve(s, snap)
	}
	switch p.Named {
	case "":
		return []topology.Daemon{{Host: p.Host, Role: p.Role}}, nil
	case AllHosts:
		all := make([]topology.Daemon, 0, len(t.Hosts))
		for _, h := range t.Hosts {
			all = append(all, topology.Daemon{Host: h})
		}
		return all, nil
	case ActiveNameNode:
		return one(s, topology.NameNode, "active namenode")(snap.nameNodes().active(ha.Active))
	case StandbyNameNode:
		return one(s, topology.NameNode, "standby namenode")(snap.nameNodes().first(ha.Standby))
	case ActiveResourceManager:
		return one(s, topology.ResourceManager, "active resourcemanager")(snap.resourceManagers().active(ha.Active))
	case StandbyResourceManager:
		return one(s, topology.ResourceManager, "standby resourcemanager")(snap.resourceManagers().first(ha.Standby))
	case ZooKeeperLeader:
		return one(s, topology.ZooKeeper, "zookeeper leader")(snap.zooKeepers().active("leader"))
	case ZooKeeperFollower:
		return one(s, topology.ZooKeeper, "zookeeper follower")(snap.zooKeepers().first("follower"))
	case JournalNodeMinority, JournalNodeMajority, ZooKeeperMinority, ZooKeeperMajority:
		r := topology.JournalNode
		if p.Named == ZooKeeperMinority || p.Named == ZooKeeperMajority {
			r = topology.ZooKeeper
		}
		return snap.quorumPart(s, r, p.Named == JournalNodeMajority || p.Named == ZooKeeperMajority)
	}
	return nil, fmt.Errorf("resolve %s: unsupported selector", s)
}

// member is one daemon of a role as the snapshot sees it.
type member struct {
	id, host, state string
	// down is the host's engine state when it is not running, else "".
	down string
}

// group is the members of one role, in topology order.
type group struct {
	ms []member
	// locked says the role has an election lock, lock is the id it names.
	locked bool
	lock   string
}

// group lists role r's members with the state states gives the key id(host).
func (snap Snapshot) group(r topology.Role, states map[string]string, id func(string) string) group {
	var g group
	for _, h := range snap.Topology.On(r) {
		st, ok := states[id(h)]
		if !ok {
			st = ha.Unknown
		}
		m := member{id: id(h), host: h, state: st}
		if hs, ok := snap.Hosts[h]; ok && hs != "running" {
			m.down = hs
		}
		g.ms = append(g.ms, m)
	}
	return g
}

func (snap Snapshot) nameNodes() group {
	g := snap.group(topology.NameNode, snap.NameNodes, snap.Topology.NameNodeID)
	g.locked, g.lock = true, snap.NameNodeLock
	return g
}

func (snap Snapshot) resourceManagers() group {
	g := snap.group(topology.ResourceManager, snap.ResourceManagers, snap.Topology.ResourceManagerID)
	g.locked, g.lock = true, snap.ResourceManagerLock
	return g
}

func (snap Snapshot) zooKeepers() group {
	return snap.group(topology.ZooKeeper, snap.ZooKeeper, func(h string) string { return h })
}

// is reports whether m is in state want on a running host.
func (m member) is(want string) bool { return m.down == "" && strings.EqualFold(m.state, want) }

// active returns the host of the one member in state want, preferring
// among several the one the lock names. When there is none it returns ""
// and what was wrong.
func (g group) active(want string) (host, problem string) {
	var claim []string
	for _, m := range g.ms {
		if m.is(want) {
			if g.locked && m.id == g.lock {
				return m.host, ""
			}
			claim = append(claim, m.id)
			host = m.host
		}
	}
	switch {
	case len(claim) == 1:
		return host, ""
	case len(claim) == 0:
		return "", fmt.Sprintf("none is %s (%s)", want, g.seen())
	}
	why := "nothing breaks the tie"
	if g.locked {
		why = fmt.Sprintf("the lock names %q, not one of them", g.lock)
		if g.lock == "" {
			why = "the lock names none"
		}
	}
	return "", fmt.Sprintf("%s claim %s and %s (%s)", strings.Join(claim, ", "), want, why, g.seen())
}

// first returns the host of the first member in state want, or "" and
// the states seen.
func (g group) first(want string) (host, problem string) {
	for _, m := range g.ms {
		if m.is(want) {
			return m.host, ""
		}
	}
	return "", fmt.Sprintf("none is %s (%s)", want, g.seen())
}

// seen lists the members' states, marking those whose host is not
// running, and the lock.
func (g group) seen() string {
	p := make([]string, 0, len(g.ms)+1)
	for _, m := range g.ms {
		s := m.id + "=" + m.state
		if m.down != "" {
			s += " (host " + m.host + " " + m.down + ")"
		}
		p = append(p, s)
	}
	if g.locked {
		p = append(p, fmt.Sprintf("lock=%q", g.lock))
	}
	return strings.Join(p, " ")
}

// one makes the result of a selector that names one daemon of role r.
func one(s Selector, r topology.Role, what string) func(host, problem string) ([]topology.Daemon, error) {
	return func(host, problem string) ([]topology.Daemon, error) {
		if host == "" {
			return nil, fmt.Errorf("resolve %s: no %s: %s", s, what, problem)
		}
		return []topology.Daemon{{Host: host, Role: r}}, nil
	}
}

// quorumPart returns a majority (or, when !majority, the largest minority)
// of role r's members, in the order Resolve documents.
func (snap Snapshot) quorumPart(s Selector, r topology.Role, majority bool) ([]topology.Daemon, error) {
	// Only ZooKeeper has a daemon state in the snapshot.
	var states map[string]string
	if r == topology.ZooKeeper {
		states = snap.ZooKeeper
	}
	g := snap.group(r, states, func(h string) string { return h })
	if len(g.ms) == 0 {
		return nil, fmt.Errorf("resolve %s: the topology has no %s", s, r)
	}
	activeNN, _ := snap.nameNodes().active(ha.Active)
	rank := func(m member) int {
		k := 0
		if m.host == activeNN {
			k += 2
		}
		if m.down != "" || strings.EqualFold(m.state, ha.Down) {
			k++
		}
		return k
	}
	slices.SortStableFunc(g.ms, func(a, b member) int { return cmp.Compare(rank(a), rank(b)) })
	n := Majority(len(g.ms))
	if !majority {
		n = len(g.ms) - n
	}
	out := make([]topology.Daemon, 0, n)
	for _, m := range g.ms[:n] {
		out = append(out, topology.Daemon{Host: m.host, Role: r})
	}
	return out, nil
}
