package hbase

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/internal/addontest"
)

// ready is HBase ready on the guide's hosts (Place): the HMaster on
// hadoop001 active and named by /hbase/master, the one on hadoop003 a
// registered backup, every RegionServer registered, hbase:meta on
// hadoop002.
func ready() *Status {
	return &Status{
		Masters:    []MasterState{{Host: "hadoop001", State: StateActive}, {Host: "hadoop003", State: StateBackup}},
		MasterLock: "hadoop001", Backups: []string{"hadoop003"},
		RegionServers: []string{"hadoop001", "hadoop002", "hadoop003"}, Meta: "hadoop002", Want: 3,
	}
}

// Ready's rules, each problem prefixed with the add-on's name (was
// harness.TestAddonsReady's HBase cases).
func TestReady(t *testing.T) {
	addontest.Ready(t, Name, ready, []addontest.ReadyCase[*Status]{
		{Name: "two active masters", Mod: func(h *Status) { h.Masters[1].State = StateActive }, Want: "hbase: no single active hmaster: hadoop001=active hadoop003=active"},
		{Name: "no master answers", Mod: func(h *Status) { h.Masters[0].State, h.Masters[1].State = StateDown, StateDown },
			Want: "hbase: no single active hmaster: hadoop001=down hadoop003=down"},
		{Name: "lock elsewhere", Mod: func(h *Status) { h.MasterLock = "hadoop003" }, Want: `hbase: /hbase/master names "hadoop003" but the active hmaster is hadoop001`},
		{Name: "no lock", Mod: func(h *Status) { h.MasterLock = "" }, Want: `hbase: /hbase/master names "" but the active hmaster is hadoop001`},
		{Name: "backup not registered", Mod: func(h *Status) { h.Backups = nil }, Want: "hbase: hmaster on hadoop003 is backup, not a registered backup"},
		{Name: "backup down", Mod: func(h *Status) { h.Masters[1].State, h.Backups = StateDown, nil }, Want: "hbase: hmaster on hadoop003 is down"},
		{Name: "backup down, its znode not expired yet", Mod: func(h *Status) { h.Masters[1].State = StateDown }, Want: "hbase: hmaster on hadoop003 is down"},
		{Name: "regionserver missing", Mod: func(h *Status) { h.RegionServers = h.RegionServers[:2]; h.Meta = "hadoop001" },
			Want: "hbase: 2 of 3 regionservers registered [hadoop001 hadoop002]"},
		{Name: "meta unassigned", Mod: func(h *Status) { h.Meta = "" }, Want: `hbase: hbase:meta not on a live regionserver (meta="")`},
		{Name: "meta on a dead server", Mod: func(h *Status) { h.Meta = "hadoop009" }, Want: `hbase: hbase:meta not on a live regionserver (meta="hadoop009")`},
		{Name: "regions in transition", Mod: func(h *Status) { h.RegionsInTransition = 4 }, Want: "hbase: 4 regions in transition"},
		{Name: "regions in transition unknown", Mod: func(h *Status) { h.RegionsInTransition = -1 }, Want: "hbase: -1 regions in transition"},
	})
}

func TestActiveMaster(t *testing.T) {
	tests := []struct {
		name   string
		status *Status
		want   string
	}{
		{"one active", ready(), "hadoop001"},
		{"after a failover", &Status{Masters: []MasterState{{"hadoop001", StateDown}, {"hadoop003", StateActive}}}, "hadoop003"},
		{"two claim active", &Status{Masters: []MasterState{{"hadoop001", StateActive}, {"hadoop003", StateActive}}}, ""},
		{"none active", &Status{Masters: []MasterState{{"hadoop001", StateBackup}, {"hadoop003", StateDown}}}, ""},
		{"no masters", &Status{}, ""},
		{"no status", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.status.ActiveMaster())
		})
	}
}

// Summary and Report say who is active, what the lock names and where
// hbase:meta is.
func TestSummaryAndReport(t *testing.T) {
	failedOver := ready()
	failedOver.Masters = []MasterState{{"hadoop001", StateDown}, {"hadoop003", StateActive}}
	failedOver.MasterLock, failedOver.Backups = "hadoop003", nil
	none := &Status{Masters: []MasterState{{"hadoop001", StateDown}, {"hadoop003", StateDown}}, RegionsInTransition: -1, Want: 3}
	addontest.Report(t, []addontest.ReportCase{
		{Name: "ready", Status: ready(),
			Summary:  "hmasters[hadoop001=active hadoop003=backup lock=hadoop001] regionservers=3/3 meta=hadoop002",
			Headline: "HBase: active hmaster hadoop001, ZooKeeper /hbase/master hadoop001, RegionServers 3/3, hbase:meta on hadoop002, regions in transition 0",
			Lines: []string{`(?m)^  hmaster\s+hadoop001\s+active$`, `(?m)^  hmaster\s+hadoop003\s+backup$`,
				`(?m)^  regionserver\s+hadoop001\s+registered\s*$`, `(?m)^  regionserver\s+hadoop002\s+registered\s+hbase:meta$`}},
		{Name: "failed over", Status: failedOver,
			Summary:  "hmasters[hadoop001=down hadoop003=active lock=hadoop003] regionservers=3/3 meta=hadoop002",
			Headline: "HBase: active hmaster hadoop003, ZooKeeper /hbase/master hadoop003,",
			Lines:    []string{`(?m)^  hmaster\s+hadoop001\s+down$`, `(?m)^  hmaster\s+hadoop003\s+active$`}},
		{Name: "nothing up", Status: none,
			Summary:  "hmasters[hadoop001=down hadoop003=down lock=] regionservers=0/3 meta=",
			Headline: "HBase: active hmaster none, ZooKeeper /hbase/master none, RegionServers 0/3, hbase:meta on none, regions in transition -1",
			Lines:    []string{`(?m)^  hmaster\s+hadoop001\s+down$`}},
	})
	assert.NotRegexp(t, `(?m)^  regionserver`, none.Report(), "no regionserver registered, none listed")
}

// The section is what StatusOf finds, what the selectors resolve against,
// and marshals as itself.
func TestSection(t *testing.T) {
	h := ready()
	addontest.SectionOf(t, Module(), h, StatusOf)
	addontest.SectionJSON(t, h, `{"masters": [{"host": "hadoop001", "state": "active"}, {"host": "hadoop003", "state": "backup"}],
		"masterLock": "hadoop001", "backups": ["hadoop003"], "regionServers": ["hadoop001", "hadoop002", "hadoop003"],
		"meta": "hadoop002", "regionsInTransition": 0, "want": 3}`)
}

// The HMasters as an HA group: backups are standbys, the lock is the host
// /hbase/master names, and one rule (ha.Failover) reads a failover.
func TestHAGroup(t *testing.T) {
	h := &Status{Masters: []MasterState{{Host: "hadoop001", State: StateActive}, {Host: "hadoop003", State: StateBackup}}, MasterLock: "hadoop001"}
	g, ok := h.HA(HMaster)
	require.True(t, ok)
	assert.Equal(t, "hadoop001", g.Settled())
	assert.Equal(t, []string{"hadoop003"}, g.Standbys())
	_, ok = h.HA(RegionServer)
	assert.False(t, ok, "RegionServers elect nothing")

	after := &Status{Masters: []MasterState{{Host: "hadoop001", State: StateDown}, {Host: "hadoop003", State: StateActive}}, MasterLock: "hadoop003"}
	g, _ = after.HA(HMaster)
	to, why := ha.Failover("hadoop001", g)
	assert.Equal(t, "hadoop003", to, why)
}
