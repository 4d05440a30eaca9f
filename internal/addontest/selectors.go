package addontest

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Healthy is a snapshot of the guide's cluster with m placed and every
// host running, sec m's section in Snapshot.Addons.
func Healthy(m addon.Module, sec any) fault.Snapshot {
	hosts := map[string]string{}
	for _, h := range topology.Guide().Hosts {
		hosts[h] = "running"
	}
	return fault.Snapshot{Topology: m.Place(topology.Guide()), Hosts: hosts, Addons: map[string]any{m.Name: sec}}
}

// ResolveCase is a selector resolved against a snapshot that Mod changed
// (nil: as it is; S is the module's section in Snapshot.Addons): it names
// the daemons Want (HOST/ROLE), or fails with Err.
type ResolveCase[S any] struct {
	Name string
	Sel  fault.Selector
	Mod  func(s S, snap *fault.Snapshot)
	Want []string
	Err  string
}

// Resolve resolves each case with m's selectors against healthy(), after
// its Mod, which gets m's section of the snapshot as an S.
func Resolve[S any](t *testing.T, m addon.Module, healthy func() fault.Snapshot, cases []ResolveCase[S]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			snap := healthy()
			if tt.Mod != nil {
				tt.Mod(snap.Addons[m.Name].(S), &snap)
			}
			ds, err := fault.Resolve(tt.Sel, snap, m.Selectors...)
			if tt.Err != "" {
				require.ErrorContains(t, err, tt.Err)
				assert.Nil(t, ds)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.Want, Names(ds))
		})
	}
}

// SelectorsNeedTheAddon checks each of sels is refused, naming the fix,
// on the guide's cluster without m; parses as m's on a cluster with m
// placed; and is no selector at all without m's extension.
func SelectorsNeedTheAddon(t *testing.T, m addon.Module, sels ...fault.Selector) {
	t.Helper()
	for _, s := range sels {
		t.Run(string(s), func(t *testing.T) {
			_, err := fault.Parse(s, topology.Guide(), m.Selectors...)
			assert.ErrorContains(t, err, fmt.Sprintf("needs the %[1]s add-on, which this cluster does not run: start it with harness.WithAddons(%[1]q) or `--with %[1]s`", m.Name))

			p, err := fault.Parse(s, m.Place(topology.Guide()), m.Selectors...)
			require.NoError(t, err)
			require.NotNil(t, p.Ext)
			assert.Equal(t, m.Name, p.Ext.Addon)
			assert.Equal(t, s, p.Named)

			_, err = fault.Parse(s, m.Place(topology.Guide()))
			assert.ErrorContains(t, err, `unknown target "`+string(s)+`"`, "without the extension")
		})
	}
}

// EverySelector checks m adds one extension, needing role needs, and each
// of sels resolves to one daemon on healthy(), needs the state, and fails
// naming itself when nothing was read.
func EverySelector(t *testing.T, m addon.Module, needs topology.Role, healthy func() fault.Snapshot, sels ...fault.Selector) {
	t.Helper()
	exts := m.Selectors
	require.Len(t, exts, 1)
	assert.Equal(t, needs, exts[0].Needs)
	require.NotEmpty(t, sels)
	for _, s := range sels {
		t.Run(string(s), func(t *testing.T) {
			ds, err := fault.Resolve(s, healthy(), exts...)
			require.NoError(t, err)
			assert.Len(t, ds, 1)
			_, err = fault.Resolve(s, fault.Snapshot{Topology: healthy().Topology}, exts...)
			assert.Regexp(t, `^resolve `+regexp.QuoteMeta(string(s))+`: no [A-Za-z]`, err)
			assert.True(t, fault.NeedsState(s, exts...))
			assert.False(t, fault.NeedsState(s), "without the extension it is a host name")
		})
	}
}
