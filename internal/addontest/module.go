package addontest

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

// ModuleShape checks the parts of m every module has: its name, a title
// and a summary, each role's daemon (class, launcher, ports, heap), the
// func fields named in has (Start, Check, Status, HostFiles, Lanes,
// Workload, Scenarios, Place, Validate, Config) set, and that a catalogue
// of m alone runs it on the guide's topology only once it is placed. It
// returns that catalogue.
func ModuleShape(t *testing.T, m addon.Module, name string, has ...string) addon.Catalog {
	t.Helper()
	assert.Equal(t, name, m.Name)
	assert.NotEmpty(t, m.Title)
	assert.NotEmpty(t, m.Summary)
	require.NotEmpty(t, m.Roles)
	for _, r := range m.Roles {
		assert.NotEmpty(t, r.Class, r.Role)
		assert.NotEmpty(t, r.Launcher, r.Role)
		assert.NotEmpty(t, r.Ports, r.Role)
		assert.Positive(t, r.HeapMiB, r.Role)
		assert.NotEmpty(t, r.HeapEnv, r.Role)
	}
	set := map[string]bool{"Start": m.Start != nil, "Check": m.Check != nil, "Status": m.Status != nil,
		"HostFiles": m.HostFiles != nil, "Lanes": m.Lanes != nil, "Workload": m.Workload != nil,
		"Scenarios": m.Scenarios != nil, "Place": m.Place != nil, "Validate": m.Validate != nil, "Config": m.Config != nil}
	for _, f := range has {
		is, known := set[f]
		require.True(t, known, "addontest.ModuleShape knows no field %s", f)
		assert.True(t, is, "the module has no %s", f)
	}

	cat := addon.Catalog{m}
	assert.Empty(t, cat.On(topology.Guide()), "the guide's cluster does not run %s", m.Title)
	assert.Equal(t, []string{m.Name}, cat.On(m.Place(topology.Guide())).Names())
	return cat
}

// PlaceCase is a topology and where m.Place puts each of m's roles on it.
type PlaceCase struct {
	Name string
	Topo topology.Topology
	On   map[topology.Role][]string
}

// Placement checks m.Place on each case: it places each role of On as
// On says, on a copy, and placing twice changes nothing.
func Placement(t *testing.T, m addon.Module, cases []PlaceCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			in := tt.Topo.Clone()
			got := m.Place(in)
			for _, r := range slices.Sorted(maps.Keys(tt.On)) {
				assert.Equal(t, tt.On[r], got.On(r), r)
			}
			assert.Equal(t, tt.Topo.Clone(), in, "Place changed the topology it was given")
			assert.Equal(t, got, m.Place(got), "placing twice changes the placement")
		})
	}
}

// ValidateCase is a topology and what is wrong with it (nil: valid).
type ValidateCase struct {
	Name string
	Topo topology.Topology
	Want []string
}

// Validate checks a catalogue of m alone on each case: it refuses a
// topology with each of Want, as topology.ErrInvalid, or takes it; where
// the topology runs m, m.Validate lists exactly Want.
func Validate(t *testing.T, m addon.Module, cases []ValidateCase) {
	t.Helper()
	cat := addon.Catalog{m}
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			err := cat.Validate(tt.Topo)
			if len(cat.On(tt.Topo)) > 0 { // the module's own rule is for a topology that runs it
				assert.Equal(t, tt.Want, m.Validate(tt.Topo), "the module's own Validate")
			}
			if tt.Want == nil {
				require.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, topology.ErrInvalid)
			for _, w := range tt.Want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

// Config is m.Config on tp, checked to render exactly the files named.
func Config(t *testing.T, m addon.Module, tp topology.Topology, files ...string) map[string]map[string]string {
	t.Helper()
	out := m.Config(tp)
	assert.Equal(t, files, slices.Sorted(maps.Keys(out)))
	return out
}

// Properties checks each key of want (KEY, VALUE pairs) has its value in
// props, a subtest a key.
func Properties(t *testing.T, props map[string]string, want [][2]string) {
	t.Helper()
	for _, kv := range want {
		t.Run(kv[0], func(t *testing.T) {
			assert.Equal(t, kv[1], props[kv[0]])
		})
	}
}

// Render renders m's files on the guide's topology with m placed, beside
// Hadoop's, with overrides; each file overrides names is one users may
// override. It returns the rendered files and m's part as rendered.
func Render(t *testing.T, m addon.Module, overrides config.Overrides) (config.Files, config.Addon) {
	t.Helper()
	g := m.Place(topology.Guide())
	a := config.Addon{Name: m.Name, Files: m.Config(g)}
	files, err := config.Render(g, config.Options{Addons: []config.Addon{a}, Overrides: overrides})
	require.NoError(t, err)
	for _, f := range slices.Sorted(maps.Keys(overrides)) {
		assert.Contains(t, config.Overridable([]config.Addon{a}), f)
	}
	return files, a
}

// Image checks m's image layer is named after m, carries version as its
// default release, and its Maven pom pom has the version filled in. It
// returns the layer.
func Image(t *testing.T, m addon.Module, version, pom string) addon.Image {
	t.Helper()
	l := m.Image
	assert.Equal(t, m.Name, l.Name)
	assert.Equal(t, map[string]string{"": version}, l.Versions)
	p := string(l.Poms[pom])
	assert.Contains(t, p, version)
	assert.NotContains(t, p, "@VERSION@", "the template is filled in")
	return l
}
