package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/topology"
)

// section is an add-on's Status section for the tests: what it reports
// is what they set.
type section struct{ bad []string }

func (s section) Ready() []string { return s.bad }
func (s section) Summary() string { return "widget[ok]" }
func (s section) Report() string  { return "Widget\n" }
func (s section) Fault() any      { return s }

var _ addon.Section = section{}

// An add-on's section decides with the rest whether the cluster is ready,
// and shows in the one-line summary.
func TestAddonSectionsReady(t *testing.T) {
	s := readyStatus()
	s.Addons = map[string]addon.Section{"widget": section{}}
	require.NoError(t, s.Ready())
	assert.Contains(t, s.String(), " widget[ok]")
	s.Addons["widget"] = section{bad: []string{"widget: 1 of 2 gears turning"}}
	assert.ErrorContains(t, s.Ready(), "widget: 1 of 2 gears turning")
}

func TestWithAddonsPlacesThem(t *testing.T) {
	o := defaultOptions()
	assert.Equal(t, topology.Guide(), o.withAddons(), "no add-on asked: the guide's topology unchanged")
	for _, opt := range []Option{WithAddons(Addons()...), WithTopology(topology.Guide())} {
		require.NoError(t, opt(&o))
	}
	tp := o.withAddons()
	assert.Equal(t, Addons(), modules(tp).Names(), "options in any order, WithTopology last too")
	for _, m := range modules(tp) {
		for _, r := range m.Roles {
			assert.NotEmpty(t, tp.On(r.Role), "%s places %s", m.Name, r.Role)
		}
	}
	err := WithAddons(Addons()[0], "nosuch")(&o)
	assert.ErrorContains(t, err, `unknown add-on "nosuch": the add-ons are`)
}

// Every registered add-on renders its files beside Hadoop's, only when the
// topology runs it, and sets its daemons' heaps.
func TestAddonConfig(t *testing.T) {
	o := defaultOptions()
	require.NoError(t, WithAddons(Addons()...)(&o))
	tp := o.withAddons()
	assert.Empty(t, configAddons(topology.Guide()), "the guide's cluster runs no add-on")
	parts := configAddons(tp)
	require.Len(t, parts, len(Addons()))
	for _, p := range parts {
		assert.NotEmpty(t, p.Files, p.Name)
		assert.NotEmpty(t, p.Env, p.Name)
	}
	heaps, clients := addonMemory(tp)
	assert.NotEmpty(t, heaps)
	assert.Greater(t, estimateMemoryMiB(tp), estimateMemoryMiB(topology.Guide())+clients)
}

// The add-ons' daemons' ports are published like Hadoop's, on the hosts
// that run them only.
func TestAddonPortsPublished(t *testing.T) {
	o := defaultOptions()
	require.NoError(t, WithAddons(Addons()...)(&o))
	tp := o.withAddons()
	for _, m := range modules(tp) {
		for _, r := range m.Roles {
			for _, h := range tp.Hosts {
				got := publishedPorts(tp, h)
				for _, p := range r.Ports {
					if tp.Has(h, r.Role) {
						assert.Contains(t, got, p, "%s on %s: port %d", r.Role, h, p)
					}
				}
			}
		}
	}
	assert.Equal(t, publishedPorts(topology.Guide(), "hadoop001"), publishedPorts(defaultOptions().withAddons(), "hadoop001"), "no add-on, no more ports")
}

// haSection is an add-on's section with an HA role.
type haSection struct{ section }

func (haSection) HA(r topology.Role) (ha.Group, bool) {
	if r != "widget" {
		return ha.Group{}, false
	}
	return ha.Group{Role: r, Lock: "w2", Members: []ha.Member{{ID: "w1", State: ha.Down}, {ID: "w2", State: ha.Active}}}, true
}

// Status.HA reads an add-on's HA role from its section, as Hadoop's.
func TestStatusHAOfAnAddon(t *testing.T) {
	s := readyStatus()
	s.Addons = map[string]addon.Section{"plain": section{}, "widget": haSection{}}
	g := s.HA("widget")
	assert.Equal(t, "w2", g.Settled())
	assert.Empty(t, s.HA("gadget").Members, "a role nobody has")
	assert.Equal(t, s.ActiveNameNode(), s.HA(topology.NameNode).Active(), "Hadoop's roles unchanged")
}
