package kerberos

import (
	"fmt"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// SelectKDC is the KDC's fault selector: kill-daemon kdc is a KDC outage,
// kill-host kdc the KDC's host lost, freeze-daemon kdc a KDC that hangs.
const SelectKDC fault.Selector = "kdc"

func selectors() []fault.Extension {
	return []fault.Extension{{
		Addon: Name, Needs: KDC,
		Names:   map[fault.Selector]string{SelectKDC: "the cluster's KDC (its host is kdc)"},
		Resolve: resolve,
	}}
}

func resolve(s fault.Selector, snap fault.Snapshot) ([]topology.Daemon, error) {
	if s != SelectKDC {
		return nil, fmt.Errorf("resolve %s: not a Kerberos selector", s)
	}
	hosts := snap.Topology.On(KDC)
	if len(hosts) == 0 {
		return nil, fmt.Errorf("resolve %s: no kdc placed", s)
	}
	return []topology.Daemon{{Host: hosts[0], Role: KDC}}, nil
}
