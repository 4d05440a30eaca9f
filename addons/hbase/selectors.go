package hbase

import (
	"fmt"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// HBase's fault selectors.
const (
	ActiveHMaster        fault.Selector = "active-hmaster"
	BackupHMaster        fault.Selector = "backup-hmaster"
	RegionServerWithMeta fault.Selector = "regionserver-with-meta"
)

func selectors() []fault.Extension {
	return []fault.Extension{{
		Addon: Name, Needs: HMaster,
		Names: map[fault.Selector]string{
			ActiveHMaster:        "the active HMaster (the one /hbase/master names when several claim)",
			BackupHMaster:        "the first backup HMaster",
			RegionServerWithMeta: "the RegionServer serving hbase:meta",
		},
		Resolve: resolve,
	}}
}

func resolve(s fault.Selector, snap fault.Snapshot) ([]topology.Daemon, error) {
	h, _ := snap.Addons[Name].(*Status)
	if h == nil {
		return nil, fmt.Errorf("resolve %s: no HBase state read", s)
	}
	states := map[string]string{}
	for _, m := range h.Masters {
		states[m.Host] = m.State
	}
	switch s {
	case ActiveHMaster:
		return snap.Active(s, HMaster, states, h.MasterLock, StateActive, "active hmaster")
	case BackupHMaster:
		return snap.First(s, HMaster, states, StateBackup, "backup hmaster")
	case RegionServerWithMeta:
		if h.Meta == "" || !snap.Topology.Has(h.Meta, RegionServer) {
			return nil, fmt.Errorf("resolve %s: no regionserver serves hbase:meta (meta-region-server=%q)", s, h.Meta)
		}
		return []topology.Daemon{{Host: h.Meta, Role: RegionServer}}, nil
	}
	return nil, fmt.Errorf("resolve %s: not an HBase selector", s)
}
