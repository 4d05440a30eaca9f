package harness

import (
	"context"
	"fmt"
	"slices"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Resolve turns a selector into daemons using the cluster's state now: who
// is active, who leads ZooKeeper. HOST selectors return one Daemon with an
// empty Role.
func (c *Cluster) Resolve(ctx context.Context, s fault.Selector) ([]topology.Daemon, error) {
	p, err := fault.Parse(s, c.topo)
	if err != nil {
		return nil, err
	}
	if p.Named == "" {
		return []topology.Daemon{{Host: p.Host, Role: p.Role}}, nil
	}
	if p.Named == fault.AllHosts {
		var all []topology.Daemon
		for _, h := range c.topo.Hosts {
			all = append(all, topology.Daemon{Host: h})
		}
		return all, nil
	}
	st, err := c.Status(ctx, StatusOptions{})
	if err != nil {
		return nil, err
	}
	one := func(host string, r topology.Role, what string) ([]topology.Daemon, error) {
		if host == "" {
			return nil, fmt.Errorf("resolve %s: no %s now (%s)", s, what, st)
		}
		return []topology.Daemon{{Host: host, Role: r}}, nil
	}
	activeNN := c.topo.NameNodeHost(st.ActiveNameNode())
	// Members of role r, those away from the active NameNode's host first.
	awayFirst := func(r topology.Role) []string {
		hosts := c.topo.On(r)
		slices.SortStableFunc(hosts, func(a, b string) int {
			return boolInt(a == activeNN) - boolInt(b == activeNN)
		})
		return hosts
	}
	pick := func(r topology.Role, n int) []topology.Daemon {
		var out []topology.Daemon
		for _, h := range awayFirst(r)[:n] {
			out = append(out, topology.Daemon{Host: h, Role: r})
		}
		return out
	}
	switch p.Named {
	case fault.ActiveNameNode:
		return one(activeNN, topology.NameNode, "active namenode")
	case fault.StandbyNameNode:
		return one(firstHost(st.NameNodes, func(n NameNodeState) (string, bool) { return n.Host, n.JMX == "standby" }),
			topology.NameNode, "standby namenode")
	case fault.ActiveResourceManager:
		return one(c.topo.ResourceManagerHost(st.ActiveResourceManager()), topology.ResourceManager, "active resourcemanager")
	case fault.StandbyResourceManager:
		return one(firstHost(st.ResourceManagers, func(r ResourceManagerState) (string, bool) { return r.Host, r.REST == "STANDBY" }),
			topology.ResourceManager, "standby resourcemanager")
	case fault.ZooKeeperLeader:
		return one(st.ZooKeeperLeader(), topology.ZooKeeper, "zookeeper leader")
	case fault.ZooKeeperFollower:
		return one(firstHost(st.ZooKeeper, func(z ZooKeeperState) (string, bool) { return z.Host, z.Mode == "follower" }),
			topology.ZooKeeper, "zookeeper follower")
	case fault.JournalNodeMinority:
		n := len(c.topo.On(topology.JournalNode))
		return pick(topology.JournalNode, n-fault.Majority(n)), nil
	case fault.JournalNodeMajority:
		return pick(topology.JournalNode, fault.Majority(len(c.topo.On(topology.JournalNode)))), nil
	case fault.ZooKeeperMinority:
		n := len(c.topo.On(topology.ZooKeeper))
		return pick(topology.ZooKeeper, n-fault.Majority(n)), nil
	case fault.ZooKeeperMajority:
		return pick(topology.ZooKeeper, fault.Majority(len(c.topo.On(topology.ZooKeeper)))), nil
	}
	return nil, fmt.Errorf("resolve %s: unsupported selector", s)
}

// firstHost returns the host of the first element that matches, or "".
func firstHost[T any](xs []T, match func(T) (host string, ok bool)) string {
	for _, x := range xs {
		if h, ok := match(x); ok {
			return h
		}
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
