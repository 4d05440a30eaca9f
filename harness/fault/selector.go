package fault

import (
	"fmt"
	"strings"

	"github.com/haharness/haharness/harness/topology"
)

// Selector names fault targets. It is resolved when the fault is injected,
// against the cluster's state at that moment:
//
//	active-namenode, standby-namenode
//	active-resourcemanager, standby-resourcemanager
//	zookeeper-leader, zookeeper-follower
//	journalnode-minority, journalnode-majority (JournalNodes not on the active
//	  NameNode's host first, so the active's own JournalNode is taken last)
//	zookeeper-majority, zookeeper-minority (likewise)
//	the add-ons' selectors (Extension), with a cluster that runs them
//	all              every host
//	HOST             a whole host, e.g. hadoop001
//	HOST/ROLE        one daemon, e.g. hadoop001/namenode
//	ROLE@HOST is accepted too (namenode@hadoop001).
type Selector string

// Named selectors.
const (
	ActiveNameNode         Selector = "active-namenode"
	StandbyNameNode        Selector = "standby-namenode"
	ActiveResourceManager  Selector = "active-resourcemanager"
	StandbyResourceManager Selector = "standby-resourcemanager"
	ZooKeeperLeader        Selector = "zookeeper-leader"
	ZooKeeperFollower      Selector = "zookeeper-follower"
	JournalNodeMinority    Selector = "journalnode-minority"
	JournalNodeMajority    Selector = "journalnode-majority"
	ZooKeeperMinority      Selector = "zookeeper-minority"
	ZooKeeperMajority      Selector = "zookeeper-majority"
	// AllHosts is every host of the cluster.
	AllHosts Selector = "all"
)

// Named lists the named selectors.
func Named() []Selector {
	return []Selector{ActiveNameNode, StandbyNameNode, ActiveResourceManager, StandbyResourceManager,
		ZooKeeperLeader, ZooKeeperFollower, JournalNodeMinority, JournalNodeMajority, ZooKeeperMinority, ZooKeeperMajority, AllHosts}
}

// Parsed is a selector split into its parts.
type Parsed struct {
	// Named is set for a named selector.
	Named Selector
	// Host and Role are set for HOST or HOST/ROLE.
	Host string
	Role topology.Role
	// Ext is the add-on extension a selector of an add-on belongs to
	// (Named is then the selector itself).
	Ext *Extension
}

// Parse checks a selector against a topology and splits it; exts are the
// add-ons' selectors (an add-on's selector on a topology without it is an
// error naming the fix).
func Parse(s Selector, t topology.Topology, exts ...Extension) (Parsed, error) {
	for _, n := range Named() {
		if s == n {
			return Parsed{Named: n}, nil
		}
	}
	for i := range exts {
		if ok, err := exts[i].parse(s, t); ok || err != nil {
			return Parsed{Named: s, Ext: &exts[i]}, err
		}
	}
	str := string(s)
	host, role := str, ""
	if h, r, ok := strings.Cut(str, "/"); ok {
		host, role = h, r
	} else if r, h, ok := strings.Cut(str, "@"); ok {
		host, role = h, r
	}
	known := false
	for _, h := range t.Hosts {
		known = known || h == host
	}
	if !known {
		return Parsed{}, fmt.Errorf("unknown target %q: use a host (%s), HOST/ROLE, or one of %v", s, strings.Join(t.Hosts, ", "), Named())
	}
	if role == "" {
		return Parsed{Host: host}, nil
	}
	r := topology.Role(role)
	if !t.Has(host, r) {
		return Parsed{}, fmt.Errorf("unknown daemon %q: %s runs %v", s, host, t.RolesOf(host))
	}
	return Parsed{Host: host, Role: r}, nil
}

// Majority returns how many of n members make a majority.
func Majority(n int) int { return n/2 + 1 }
