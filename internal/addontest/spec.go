package addontest

import (
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios/spec"
)

// ScenarioFilesParse checks m's scenario files (files/*.yaml of
// m.Scenarios; there must be one) parse with addons, as the scenario runner
// reads them (the caller passes scenarios.SpecAddons()): each is named
// after its file, has a description, asks for m and runs m's workload, and
// places each role of on as on says.
func ScenarioFilesParse(t *testing.T, m addon.Module, addons []spec.Addon, on map[topology.Role][]string) {
	t.Helper()
	names, err := fs.Glob(m.Scenarios, "files/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, n := range names {
		t.Run(path.Base(n), func(t *testing.T) {
			b, err := fs.ReadFile(m.Scenarios, n)
			require.NoError(t, err)
			f, err := spec.Parse(path.Join("addons", m.Name, n), b, addons...)
			require.NoError(t, err)
			assert.Equal(t, strings.TrimSuffix(path.Base(n), ".yaml"), f.Name, "a file is named after itself")
			assert.NotEmpty(t, f.Description)
			assert.Contains(t, f.Cluster.Addons, m.Name)
			for _, r := range slices.Sorted(maps.Keys(on)) {
				assert.Equal(t, on[r], f.Topology().On(r), r)
			}
			assert.Contains(t, f.Workload.Addons, m.Name, "the file runs %s's workload", m.Title)
		})
	}
}

// SpecNeedsTheAddon checks a scenario file that needs add-on name is
// refused without it and parses with it; file is the file with cluster
// (a cluster: section, or "") in it. An unknown add-on is refused too. It
// returns the file that parsed, for the caller's checks of its topology.
func SpecNeedsTheAddon(t *testing.T, addons []spec.Addon, name string, file func(cluster string) []byte) *spec.File {
	t.Helper()
	_, err := spec.Parse("f.yaml", file(""), addons...)
	assert.ErrorContains(t, err, "needs the "+name+" add-on")

	_, err = spec.Parse("f.yaml", file("cluster:\n  addons: [hive]\n"), addons...)
	assert.ErrorContains(t, err, `unknown add-on "hive": the add-ons are`)

	f, err := spec.Parse("f.yaml", file("cluster:\n  addons: ["+name+"]\n"), addons...)
	require.NoError(t, err)
	return f
}

// SpecCase is what a scenario file gets with Extra in it: Err, or ""
// when it parses.
type SpecCase struct {
	Name, Extra, Err string
}

// SpecCases parses file(Extra) with addons for each case: it fails with
// Err, or it parses and, written back, parses again to the same workload
// sections.
func SpecCases(t *testing.T, addons []spec.Addon, file func(extra string) []byte, cases []SpecCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			f, err := spec.Parse("f.yaml", file(tt.Extra), addons...)
			if tt.Err != "" {
				assert.ErrorContains(t, err, tt.Err)
				return
			}
			require.NoError(t, err)
			out, err := spec.Marshal(f, "")
			require.NoError(t, err)
			again, err := spec.Parse("f.yaml", out, addons...)
			require.NoError(t, err, "the file written back parses:\n%s", out)
			assert.Equal(t, f.Workload.Addons, again.Workload.Addons)
		})
	}
}

// Registered checks m is in all (the caller passes the registry's
// catalogue, addons.All()) as m itself, and that all places and validates
// it as harness.WithAddons(m.Name) does: placing m alone places no other
// add-on, validly and once, and placing every add-on moves none of m's
// roles.
func Registered(t *testing.T, all addon.Catalog, m addon.Module) {
	t.Helper()
	got, ok := all.ByName(m.Name)
	require.True(t, ok, "the catalogue lists %s", m.Name)
	require.Len(t, got.Roles, len(m.Roles))
	for i, r := range m.Roles {
		assert.Equal(t, r.Role, got.Roles[i].Role)
	}
	only, err := all.Lookup(m.Name)
	require.NoError(t, err)
	tp := only.Place(topology.Guide())
	assert.Equal(t, []string{m.Name}, all.On(tp).Names(), "placing %s places no other add-on", m.Title)
	require.NoError(t, all.Validate(tp))
	assert.Equal(t, tp, only.Place(tp), "placing twice changes the placement")
	every := all.Place(topology.Guide())
	for _, r := range m.Roles {
		assert.Equal(t, tp.On(r.Role), every.On(r.Role), "the other add-ons do not move %s", m.Title)
	}
	require.NoError(t, all.Validate(every))
}
