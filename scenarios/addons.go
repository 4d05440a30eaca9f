package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// SpecAddons are the registered add-ons as scenario files know them:
// names, placement, selectors, workload schemas and config files.
func SpecAddons() []spec.Addon {
	var out []spec.Addon
	mods := harness.AddonModules()
	guide := mods.Place(topology.Guide())
	for _, m := range mods {
		a := spec.Addon{Name: m.Name, Place: m.Place, Selectors: m.Selectors}
		for _, r := range m.Roles {
			if r.HA {
				a.HARoles = append(a.HARoles, string(r.Role))
			}
		}
		if m.Workload != nil {
			a.Workload = m.Workload.Schema
		}
		if m.Config != nil {
			a.Files = slices.Sorted(maps.Keys(m.Config(guide)))
		}
		out = append(out, a)
	}
	return out
}

// addonLoad is one add-on's workload of a run.
type addonLoad struct {
	name string
	run  addon.Running
}

// startAddonWorkloads starts the add-ons' workloads a file asks for
// (workload.NAME) and waits until each acknowledges operations.
func startAddonWorkloads(ctx context.Context, e *Env, f *spec.File) ([]addonLoad, error) {
	params := map[string]any{}
	for name, p := range f.Workload.Addons {
		params[name] = p
	}
	return startWorkloads(ctx, e, f.Name, params)
}

// startWorkloads starts the workloads of the add-ons params names, each
// with its params, and waits until each acknowledges operations.
func startWorkloads(ctx context.Context, e *Env, run string, params map[string]any) ([]addonLoad, error) {
	var loads []addonLoad
	for _, name := range slices.Sorted(maps.Keys(params)) {
		m, ok := harness.AddonModules().ByName(name)
		if !ok || m.Workload == nil {
			return loads, fmt.Errorf("workload %s: no such add-on workload", name)
		}
		p, err := json.Marshal(params[name])
		if err != nil {
			return loads, fmt.Errorf("workload %s: %w", name, err)
		}
		r, err := m.Workload.Start(ctx, e.C, p, addon.Run{Name: fmt.Sprintf("%s-%d", run, e.H.Seed), Duration: StepsTimeout, Note: e.Note})
		if err != nil {
			return loads, fmt.Errorf("start %s workload: %w", name, err)
		}
		loads = append(loads, addonLoad{name: name, run: r})
	}
	// Begin the faults once each workload has been acknowledged.
	for _, l := range loads {
		err := poll.Until(ctx, l.name+" workload acknowledged", 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
			return l.run.Going(ctx)
		})
		if err != nil {
			return loads, err
		}
	}
	return loads, nil
}

// stopAddonWorkloads stops the workloads and returns their checks; a
// workload that cannot be judged fails its own check.
func stopAddonWorkloads(ctx context.Context, e *Env, loads []addonLoad) invariant.Plan {
	var plan invariant.Plan
	for _, l := range loads {
		checks, err := l.run.Stop(ctx, e.H)
		if err != nil {
			plan = append(plan, invariant.Recorded(invariant.Result{Check: l.name + "-workload", Verdict: invariant.Fail, Details: []string{err.Error()}}))
		}
		plan = append(plan, checks...)
	}
	return plan
}

// AddonChaos is addons-random-chaos: a seeded schedule of faults across
// HDFS, YARN, ZooKeeper and every registered add-on but the variants
// (AddonChaosSchedule) with every such add-on's workload running beside
// the writes, on a cluster with them all; the same seed replays the same
// schedule.
func AddonChaos() Scenario {
	// The add-ons one cluster runs at once: not a variant of the whole
	// cluster (its workload would run on a cluster without it).
	mods := harness.AddonModules().Composable()
	var loads []addonLoad
	return Scenario{
		Name: "addons-random-chaos",
		Description: "A seeded schedule of faults across HDFS, YARN, ZooKeeper and every add-on (" + strings.Join(mods.Names(), ", ") +
			"; each add-on's selectors among them) with every add-on's workload running; the same seed replays the same schedule.",
		Addons:                    mods.Names(),
		StaleResourceManagerBound: time.Duration(config.Timing.ZKSessionTimeoutMS) * time.Millisecond,
		Steps: func(ctx context.Context, e *Env) error {
			params := map[string]any{}
			for _, m := range mods {
				if m.Workload != nil {
					params[m.Name] = map[string]any{}
				}
			}
			var err error
			loads, err = startWorkloads(ctx, e, "addons-random-chaos", params)
			if err != nil {
				return err
			}
			if err := runChaos(ctx, e, AddonChaosSchedule(e.H.Seed, ChaosSteps, mods)); err != nil {
				return err
			}
			return poll.Sleep(ctx, 3*time.Second) // the workloads go on past the last heal
		},
		Judge: func(ctx context.Context, e *Env) invariant.Plan { return stopAddonWorkloads(ctx, e, loads) },
	}
}

// AddonChaosSchedule is steps faults drawn from seed: the active NameNode,
// the ZooKeeper leader and the active ResourceManager killed, and each
// add-on's fixed selectors killed (and, for an "active-" one, frozen), each
// held 3 to 10 s. Selectors of processes another system manages (a YARN
// application's AM: fault.Extension.Managed) are left out: they exist
// only while an application runs.
func AddonChaosSchedule(seed int64, steps int, mods addon.Catalog) []ChaosStep {
	r := newRand(seed ^ 0x616464)
	menu := []fault.Fault{
		fault.KillDaemon{Target: fault.ActiveNameNode},
		fault.KillDaemon{Target: fault.ZooKeeperLeader},
		fault.KillDaemon{Target: fault.ActiveResourceManager},
	}
	for _, ext := range mods.Selectors() {
		if len(ext.Managed) > 0 {
			continue // processes of running applications: each workload's own scenarios target them
		}
		for _, sel := range slices.Sorted(maps.Keys(ext.Names)) {
			menu = append(menu, fault.KillDaemon{Target: sel})
			if strings.HasPrefix(string(sel), "active-") {
				menu = append(menu, fault.FreezeDaemon{Target: sel})
			}
		}
	}
	out := make([]ChaosStep, steps)
	for i := range out {
		out[i] = ChaosStep{Fault: menu[r.IntN(len(menu))], Hold: time.Duration(3000+r.IntN(7000)) * time.Millisecond}
	}
	return out
}
