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
	if fault.NeedsState(s) {
		st, err := c.Status(ctx, StatusOptions{})
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", s, err)
		}
		snap = snapshot(c.topo, st)
	}
	return fault.Resolve(s, snap)
}

// snapshot is the part of st a selector is resolved against.
func snapshot(t topology.Topology, st Status) fault.Snapshot {
	snap := fault.Snapshot{
		Topology:            t,
		Hosts:               st.Hosts,
		NameNodes:           map[string]string{},
		NameNodeLock:        st.NameNodeLock,
		ResourceManagers:    map[string]string{},
		ResourceManagerLock: st.ResourceManagerLock,
		ZooKeeper:           map[string]string{},
	}
	for _, n := range st.NameNodes {
		snap.NameNodes[n.ID] = n.JMX
	}
	for _, r := range st.ResourceManagers {
		snap.ResourceManagers[r.ID] = r.REST
	}
	for _, z := range st.ZooKeeper {
		snap.ZooKeeper[z.Host] = z.Mode
	}
	if h := st.HBase; h != nil {
		snap.HMasters = map[string]string{}
		for _, m := range h.Masters {
			snap.HMasters[m.Host] = m.State
		}
		snap.HMasterLock, snap.MetaServer = h.MasterLock, h.Meta
	}
	if k := st.Kafka; k != nil {
		snap.KafkaController, snap.PartitionLeaders = k.Controller, k.Leaders
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
