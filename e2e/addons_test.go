package e2e

import (
	"io/fs"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/spec"
)

// TestAddons starts the cluster with every registered add-on (each a
// module of addons/, none named here) and checks, from this process
// (unable to reach container addresses under make e2e): HA ready with every
// add-on's section of Status ready (each add-on's own end-to-end check,
// Module.Check: a write read back, a job run, through the add-on's own
// client, ran in the start, which fails without it); every fixed selector of every add-on resolving to a daemon that
// runs (but those of processes another system manages, a YARN
// application's, which exist only while one runs: the add-on's smoke
// scenario targets them); and the cluster's memory with the add-ons. Then,
// on the same cluster: addons-random-chaos (scenarios.AddonChaos), and each
// add-on's smoke scenario file (Module.SmokeScenario), a reset before each.
// The add-ons' other scenario files run in `make scenarios` (or, for an
// add-on with a smoke scenario, in `make test-long`).
func TestAddons(t *testing.T) {
	tier(t, tierTest)
	mods := harness.AddonModules().Composable()
	require.NotEmpty(t, mods, "no add-on registered: nothing to check")
	c := harnesstest.Start(t, harness.WithAddons(mods.Names()...))
	ctx := t.Context()
	st, err := c.Status(ctx, harness.StatusOptions{})
	require.NoError(t, err)
	require.NoError(t, st.Ready(), "HA ready with the add-ons: %s", st)
	for _, m := range mods {
		t.Run(m.Name, func(t *testing.T) {
			if m.Status != nil {
				require.Contains(t, st.Addons, m.Name, "Status has a section for %s", m.Name)
				assert.Empty(t, st.Addons[m.Name].Ready())
				t.Logf("%s", st.Addons[m.Name].Report())
			}
			for _, ext := range m.Selectors {
				if len(ext.Managed) > 0 {
					t.Logf("%s's selectors %v name processes of running applications: its smoke scenario targets them", m.Name, slices.Sorted(maps.Keys(ext.Names)))
					continue
				}
				for sel := range ext.Names {
					ds, err := c.Resolve(ctx, sel)
					require.NoError(t, err, sel)
					require.NotEmpty(t, ds, sel)
					ps, err := c.Processes(ctx, ds[0].Host)
					require.NoError(t, err)
					assert.True(t, slices.ContainsFunc(ps, func(p harness.Process) bool { return p.Role == ds[0].Role }),
						"%s resolved to %v, which does not run", sel, ds[0])
					t.Logf("%s => %s", sel, ds[0])
				}
			}
		})
	}
	_, err = c.Resolve(ctx, fault.Selector("no-such-selector"))
	assert.Error(t, err, "an unknown selector resolves to nothing")
	mem, err := c.MemoryMiB(ctx)
	require.NoError(t, err)
	t.Logf("memory of the running cluster with %v: %d MiB", mods.Names(), mem)

	// Then faults across Hadoop and every add-on, with every add-on's
	// workload running, on the same cluster.
	t.Run("addons-random-chaos", func(t *testing.T) {
		runScenario(t, c, scenarios.AddonChaos(), seed(t), true)
	})
	for _, m := range mods {
		if m.SmokeScenario == "" {
			continue
		}
		t.Run(m.Name+"/"+m.SmokeScenario, func(t *testing.T) {
			b, err := fs.ReadFile(m.Scenarios, "files/"+m.SmokeScenario+".yaml")
			require.NoError(t, err, "%s's smoke scenario", m.Name)
			f, err := spec.Parse("addons/"+m.Name+"/files/"+m.SmokeScenario+".yaml", b, scenarios.SpecAddons()...)
			require.NoError(t, err)
			_, err = c.Reset(ctx, harness.ResetOptions{})
			require.NoError(t, err, "reset before %s", f.Name)
			runScenario(t, c, scenarios.FromFile(f), seed(t), true)
		})
	}
}

// TestVariants starts, one at a time, the cluster of each add-on that is a
// variant of the whole cluster (addon.Module.Variant: security on; none is
// named here), checks it HA ready with the add-on's section of Status
// ready (its start ran the add-on's own check, Module.Check, which fails
// the start unless what the variant promises holds: for a secured cluster
// the refusals of a client without a ticket, of an unauthorized principal
// and of an unauthenticated ZooKeeper client), and runs its smoke scenario
// file on it. Its other files run in `make test-long`.
func TestVariants(t *testing.T) {
	tier(t, tierTest)
	var variants addon.Catalog
	for _, m := range harness.AddonModules() {
		if m.Variant {
			variants = append(variants, m)
		}
	}
	if len(variants) == 0 {
		t.Skip("no variant add-on registered")
	}
	for _, m := range variants {
		t.Run(m.Name, func(t *testing.T) {
			c := harnesstest.Start(t, harness.WithAddons(m.Name))
			ctx := t.Context()
			st, err := c.Status(ctx, harness.StatusOptions{})
			require.NoError(t, err)
			require.NoError(t, st.Ready(), "HA ready with %s: %s", m.Name, st)
			require.Contains(t, st.Addons, m.Name, "Status has a section for %s", m.Name)
			assert.Empty(t, st.Addons[m.Name].Ready())
			t.Logf("%s", st.Addons[m.Name].Report())
			require.NotEmpty(t, m.SmokeScenario, "a variant names the scenario file make test runs on it")
			b, err := fs.ReadFile(m.Scenarios, "files/"+m.SmokeScenario+".yaml")
			require.NoError(t, err, "%s's smoke scenario", m.Name)
			f, err := spec.Parse("addons/"+m.Name+"/files/"+m.SmokeScenario+".yaml", b, scenarios.SpecAddons()...)
			require.NoError(t, err)
			runScenario(t, c, scenarios.FromFile(f), seed(t), true)
		})
	}
}
