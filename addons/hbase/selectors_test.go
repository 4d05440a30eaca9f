package hbase

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/internal/addontest"
)

// healthy is the guide's cluster with HBase placed and ready (ready):
// hmaster on hadoop001 active, on hadoop003 backup, hbase:meta on
// hadoop002, every host running.
func healthy() fault.Snapshot { return addontest.Healthy(Module(), ready()) }

// HBase's selectors resolve against its section in Snapshot.Addons (was
// fault.TestResolveAddons's HBase cases).
func TestResolve(t *testing.T) {
	failover := func(h *Status, _ *fault.Snapshot) {
		h.Masters[0].State, h.Masters[1].State, h.MasterLock = StateBackup, StateActive, "hadoop003"
	}
	addontest.Resolve(t, Module(), healthy, []addontest.ResolveCase[*Status]{
		{Name: "active hmaster", Sel: ActiveHMaster, Want: []string{"hadoop001/hmaster"}},
		{Name: "backup hmaster", Sel: BackupHMaster, Want: []string{"hadoop003/hmaster"}},
		{Name: "after a failover", Sel: ActiveHMaster, Mod: failover, Want: []string{"hadoop003/hmaster"}},
		{Name: "backup after a failover", Sel: BackupHMaster, Mod: failover, Want: []string{"hadoop001/hmaster"}},
		{Name: "two claim active: the lock wins", Sel: ActiveHMaster,
			Mod:  func(h *Status, _ *fault.Snapshot) { h.Masters[1].State, h.MasterLock = StateActive, "hadoop003" },
			Want: []string{"hadoop003/hmaster"}},
		{Name: "two claim active, no lock", Sel: ActiveHMaster,
			Mod: func(h *Status, _ *fault.Snapshot) { h.Masters[1].State, h.MasterLock = StateActive, "" },
			Err: "resolve active-hmaster: no active hmaster: hadoop001, hadoop003 claim active and the lock names none"},
		{Name: "no active hmaster", Sel: ActiveHMaster, Mod: func(h *Status, _ *fault.Snapshot) { h.Masters[0].State = StateDown },
			Err: `resolve active-hmaster: no active hmaster: none is active (hadoop001=down hadoop003=backup lock="hadoop001")`},
		{Name: "active hmaster on a paused host", Sel: ActiveHMaster, Mod: func(_ *Status, s *fault.Snapshot) { s.Hosts["hadoop001"] = "paused" },
			Err: "no active hmaster: none is active (hadoop001=active (host hadoop001 paused)"},
		{Name: "no backup", Sel: BackupHMaster, Mod: func(h *Status, _ *fault.Snapshot) { h.Masters[1].State = StateDown },
			Err: "resolve backup-hmaster: no backup hmaster: none is backup (hadoop001=active hadoop003=down)"},
		{Name: "backup on an exited host", Sel: BackupHMaster, Mod: func(_ *Status, s *fault.Snapshot) { s.Hosts["hadoop003"] = "exited" },
			Err: "no backup hmaster: none is backup (hadoop001=active hadoop003=backup (host hadoop003 exited))"},
		{Name: "meta", Sel: RegionServerWithMeta, Want: []string{"hadoop002/regionserver"}},
		{Name: "meta unassigned", Sel: RegionServerWithMeta, Mod: func(h *Status, _ *fault.Snapshot) { h.Meta = "" },
			Err: `resolve regionserver-with-meta: no regionserver serves hbase:meta (meta-region-server="")`},
		{Name: "meta on a host without a regionserver", Sel: RegionServerWithMeta, Mod: func(h *Status, _ *fault.Snapshot) { h.Meta = "hadoop009" },
			Err: `no regionserver serves hbase:meta (meta-region-server="hadoop009")`},
		{Name: "no HBase state read", Sel: ActiveHMaster, Mod: func(_ *Status, s *fault.Snapshot) { s.Addons = nil },
			Err: "resolve active-hmaster: no HBase state read"},
		{Name: "another add-on's state", Sel: RegionServerWithMeta, Mod: func(_ *Status, s *fault.Snapshot) { s.Addons = map[string]any{Name: "x"} },
			Err: "resolve regionserver-with-meta: no HBase state read"},
	})
}

// HBase's selectors are refused, naming the fix, on a cluster without
// HBase; without the module's extension they are no selectors at all (was
// fault.TestAddonSelectorsNeedTheAddon's HBase cases).
func TestSelectorsNeedTheAddon(t *testing.T) {
	addontest.SelectorsNeedTheAddon(t, Module(), ActiveHMaster, BackupHMaster, RegionServerWithMeta)
}

// Every HBase selector resolves on a healthy cluster, needs its state, and
// fails naming itself when nothing was read (was fault.TestResolveEveryNamed
// and TestNeedsState for the add-ons).
func TestEverySelector(t *testing.T) {
	exts := Module().Selectors
	require.Len(t, exts, 1)
	help := exts[0].Help()
	require.Len(t, help, 3)
	assert.Equal(t, [3]string{string(ActiveHMaster), string(BackupHMaster), string(RegionServerWithMeta)},
		[3]string{help[0][0], help[1][0], help[2][0]}, "Help is sorted")
	var sels []fault.Selector
	for _, h := range help {
		assert.NotEmpty(t, h[1], "a line of help for %s", h[0])
		sels = append(sels, fault.Selector(h[0]))
	}
	addontest.EverySelector(t, Module(), HMaster, healthy, sels...)
}
