package hbase

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
)

// Master states of MasterState.State.
const (
	StateActive = "active"
	StateBackup = "backup"
	StateDown   = "down"
)

// MasterState is one HMaster as its JMX sees it.
type MasterState struct {
	Host string `json:"host"`
	// State is StateActive (its JMX claims it), StateBackup (answers,
	// claims nothing) or StateDown.
	State string `json:"state"`
}

// Status is HBase's section of the cluster's Status.
type Status struct {
	Masters []MasterState `json:"masters"`
	// MasterLock is the host the /hbase/master znode names, "" if none.
	MasterLock string `json:"masterLock"`
	// Backups are the hosts registered as backup masters.
	Backups []string `json:"backups"`
	// RegionServers are the hosts registered under /hbase/rs.
	RegionServers []string `json:"regionServers"`
	// Meta is the host serving hbase:meta, "" if unassigned.
	Meta string `json:"meta"`
	// RegionsInTransition is the active master's count (-1 unknown).
	RegionsInTransition int `json:"regionsInTransition"`
	// Want is the number of RegionServers of the topology.
	Want int `json:"want"`
}

var _ addon.Section = (*Status)(nil)

// StatusOf returns HBase's section of a cluster's status (Status.Addons),
// nil when the cluster has none.
func StatusOf(sections map[string]addon.Section) *Status {
	return addon.SectionOf[*Status](sections, Name)
}

// ActiveMaster returns the host of the only HMaster claiming active, or "".
func (h *Status) ActiveMaster() string {
	if h == nil {
		return ""
	}
	active := ""
	for _, m := range h.Masters {
		if m.State == StateActive {
			if active != "" {
				return ""
			}
			active = m.Host
		}
	}
	return active
}

// Ready lists what keeps HBase from ready: one active master that the lock
// names, every other master a registered backup, every RegionServer
// registered, hbase:meta on a live one, no region in transition.
func (h *Status) Ready() []string {
	var bad []string
	active := h.ActiveMaster()
	if active == "" {
		bad = append(bad, "hbase: no single active hmaster: "+h.masterStates())
	} else if h.MasterLock != active {
		bad = append(bad, fmt.Sprintf("hbase: /hbase/master names %q but the active hmaster is %s", h.MasterLock, active))
	}
	for _, m := range h.Masters {
		switch {
		case m.Host == active:
		case m.State == StateDown:
			// Its /backup-masters znode outlives it by the session
			// timeout: the JMX answer is the truth.
			bad = append(bad, fmt.Sprintf("hbase: hmaster on %s is down", m.Host))
		case !slices.Contains(h.Backups, m.Host):
			bad = append(bad, fmt.Sprintf("hbase: hmaster on %s is %s, not a registered backup", m.Host, m.State))
		}
	}
	if len(h.RegionServers) != h.Want {
		bad = append(bad, fmt.Sprintf("hbase: %d of %d regionservers registered %v", len(h.RegionServers), h.Want, h.RegionServers))
	}
	if h.Meta == "" || !slices.Contains(h.RegionServers, h.Meta) {
		bad = append(bad, fmt.Sprintf("hbase: hbase:meta not on a live regionserver (meta=%q)", h.Meta))
	}
	if h.RegionsInTransition != 0 {
		bad = append(bad, fmt.Sprintf("hbase: %d regions in transition", h.RegionsInTransition))
	}
	return bad
}

// Summary is HBase's part of Status.String.
func (h *Status) Summary() string {
	return fmt.Sprintf("hmasters[%s lock=%s] regionservers=%d/%d meta=%s", h.masterStates(), h.MasterLock, len(h.RegionServers), h.Want, h.Meta)
}

// Report is HBase's part of `haharness status`.
func (h *Status) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HBase: active hmaster %s, ZooKeeper /hbase/master %s, RegionServers %d/%d, hbase:meta on %s, regions in transition %d\n",
		orNone(h.ActiveMaster()), orNone(h.MasterLock), len(h.RegionServers), h.Want, orNone(h.Meta), h.RegionsInTransition)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, m := range h.Masters {
		fmt.Fprintf(tw, "  hmaster\t%s\t%s\n", m.Host, m.State)
	}
	for _, r := range h.RegionServers {
		meta := ""
		if r == h.Meta {
			meta = "hbase:meta"
		}
		fmt.Fprintf(tw, "  regionserver\t%s\tregistered\t%s\n", r, meta)
	}
	tw.Flush()
	return b.String()
}

var _ addon.HASection = (*Status)(nil)

// HA is the HMasters' group: each master by host, active, standby (a
// backup) or down, and the host /hbase/master names as the lock.
func (h *Status) HA(r topology.Role) (ha.Group, bool) {
	if r != HMaster {
		return ha.Group{}, false
	}
	g := ha.Group{Role: HMaster, Lock: h.MasterLock}
	for _, m := range h.Masters {
		st := ha.Normalise(m.State)
		if m.State == StateBackup {
			st = ha.Standby
		}
		g.Members = append(g.Members, ha.Member{ID: m.Host, Host: m.Host, State: st})
	}
	return g, true
}

// Fault is what HBase's selectors resolve against: the section itself.
func (h *Status) Fault() any { return h }

func (h *Status) masterStates() string {
	var p []string
	for _, m := range h.Masters {
		p = append(p, m.Host+"="+m.State)
	}
	return strings.Join(p, " ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// readStatus asks every HMaster's JMX at once and reads HBase's znodes.
func readStatus(ctx context.Context, c addon.Cluster, conn *zk.Conn) addon.Section {
	t := c.Topology()
	h := &Status{Want: len(t.On(RegionServer)), RegionsInTransition: -1}
	var wg sync.WaitGroup
	masters := t.On(HMaster)
	rit := make([]int, len(masters))
	for i, host := range masters {
		h.Masters = append(h.Masters, MasterState{Host: host, State: StateDown})
		rit[i] = -1
		wg.Go(func() {
			st, err := ReadMaster(ctx, c.Addr(host, PortMasterWeb))
			if err != nil {
				return
			}
			h.Masters[i].State = StateBackup
			if st.Active {
				h.Masters[i].State = StateActive
				rit[i] = st.RegionsInTransition
			}
		})
	}
	wg.Wait()
	for i, m := range h.Masters {
		if m.State == StateActive {
			h.RegionsInTransition = rit[i]
		}
	}
	if conn != nil {
		if zs, err := ReadZK(conn, ZNode); err == nil {
			h.MasterLock, h.Backups, h.RegionServers, h.Meta = zs.Master, zs.Backups, zs.RegionServers, zs.Meta
		}
	}
	return h
}

// lanes is the history lane of the HMaster /hbase/master names
// (hmaster-lock, role zk-lock, its state that master's lane name); each
// master's own claim is its probe's lane (hmaster@HOST).
func lanes(_ topology.Topology, conn *zk.Conn) []addon.Lane {
	lock := "none"
	if zs, err := ReadZK(conn, ZNode); err == nil && zs.Master != "" {
		lock = addon.LaneOf(HMaster, zs.Master)
	} else if err != nil {
		lock = observe.StateUnknown
	}
	return []addon.Lane{{Name: "hmaster-lock", Role: "zk-lock", State: lock}}
}
