package harness

import (
	"context"
	"fmt"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Resolve turns a selector into daemons using the cluster's state now: who
// is active, who leads ZooKeeper (see fault.Resolve for the rules). HOST
// selectors return one Daemon with an empty Role. Selectors that need no
// live state (all, HOST, HOST/ROLE) are answered without reading it.
func (c *Cluster) Resolve(ctx context.Context, s fault.Selector) ([]topology.Daemon, error) {
	snap := fault.Snapshot{Topology: c.topo}
	exts := c.Selectors()
	if fault.NeedsState(s, exts...) {
		st, err := c.Status(ctx, StatusOptions{})
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", s, err)
		}
		snap = snapshot(c.topo, st)
	}
	return fault.Resolve(s, snap, exts...)
}

// snapshot is the part of st a selector is resolved against. The NameNodes
// and ResourceManagers are st's HA groups (Status.HA), so
// active-namenode, standby-resourcemanager... see the states and locks
// Status, Heal and the failover rule see.
func snapshot(t topology.Topology, st Status) fault.Snapshot {
	nns, rms := st.HA(topology.NameNode), st.HA(topology.ResourceManager)
	snap := fault.Snapshot{
		Topology:            t,
		Hosts:               st.Hosts,
		NameNodes:           nns.States(),
		NameNodeLock:        nns.Lock,
		ResourceManagers:    rms.States(),
		ResourceManagerLock: rms.Lock,
		ZooKeeper:           map[string]string{},
	}
	for _, z := range st.ZooKeeper {
		snap.ZooKeeper[z.Host] = z.Mode
	}
	for name, sec := range st.Addons {
		if snap.Addons == nil {
			snap.Addons = map[string]any{}
		}
		snap.Addons[name] = sec.Fault()
	}
	return snap
}

// boolInt is 1 for true, 0 for false: a sort key (nameNodeAddrs).
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
