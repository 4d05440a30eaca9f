package harness

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/addons"
	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/images"
)

// The add-ons: systems on top of the guide's cluster, each a module of a
// folder of its own (addons/NAME, an addon.Module) registered in
// addons.All. They are opt-in: the default cluster has none, its image,
// configuration and start unchanged. They start once Hadoop is HA ready (a
// start from nothing, a warm start and Restart alike), and Status, Ready,
// Heal, Reset and the selectors cover them. A cluster runs the add-ons
// whose roles its topology places.

// WithAddons adds the add-ons named (Addons lists them), each
// placed as its module places it unless the topology places its roles
// itself. The hosts then run the add-on image (images.Builder.EnsureAddons).
// An unknown name is an error listing the known ones. Default: none.
func WithAddons(names ...string) Option {
	return func(o *options) error {
		if _, err := registry().Lookup(names...); err != nil {
			return err
		}
		for _, n := range names {
			if !slices.Contains(o.addons, n) {
				o.addons = append(o.addons, n)
			}
		}
		return nil
	}
}

// registry is addons.All, built once: the core asks it on every status
// read, process listing and sample.
var registry = sync.OnceValue(addons.All)

// AddonImages are the registered add-ons' image layers: the add-on image
// carries them all.
func AddonImages() []images.Layer { return registry().Images() }

// AddonModules are the registered add-ons' modules (addons.All).
func AddonModules() addon.Catalog { return registry() }

// Addons lists the registered add-ons' names.
func Addons() []string { return registry().Names() }

// withAddons returns o's topology with the add-ons asked for placed.
func (o options) withAddons() topology.Topology {
	mods, _ := registry().Lookup(o.addons...) // names checked by WithAddons
	return mods.Place(o.topo)
}

// modules are the add-ons topology t runs.
func modules(t topology.Topology) addon.Catalog { return registry().On(t) }

// Addons are the add-ons the cluster runs.
func (c *Cluster) Addons() addon.Catalog { return modules(c.topo) }

// Selectors are the fault selectors of every registered add-on; the CLI
// and scenario files parse selectors with them (fault.Parse), so one of an
// add-on the cluster does not run is refused naming the fix.
func (c *Cluster) Selectors() []fault.Extension { return registry().Selectors() }

// configAddons are the add-ons' parts of t's configuration.
func configAddons(t topology.Topology) []config.Addon {
	var out []config.Addon
	for _, m := range modules(t) {
		a := config.Addon{Name: m.Name, Files: map[string]map[string]string{}, Env: map[string]string{}}
		if m.Config != nil {
			maps.Copy(a.Files, m.Config(t))
		}
		for _, r := range m.Roles {
			if r.HeapEnv != "" && r.HeapMiB > 0 {
				a.Env[r.HeapEnv] = fmt.Sprintf("-Xmx%dm", r.HeapMiB)
			}
		}
		out = append(out, a)
	}
	return out
}

// addonMemory is the add-ons' part of t's memory estimate: each role's
// heap and the client JVMs.
func addonMemory(t topology.Topology) (map[topology.Role]int, int) {
	heaps, clients := map[topology.Role]int{}, 0
	for _, m := range modules(t) {
		for _, r := range m.Roles {
			heaps[r.Role] = r.HeapMiB
		}
		clients += m.ClientMiB
	}
	return heaps, clients
}

// addonRole returns the module role r of the cluster's add-ons.
func addonRole(r topology.Role) (addon.Role, bool) { return registry().Role(r) }

// addonStatus fills s.Addons for the add-ons the cluster runs.
func (c *Cluster) addonStatus(ctx context.Context, s *Status, conn *zk.Conn) {
	for _, m := range c.Addons() {
		if m.Status == nil {
			continue
		}
		if s.Addons == nil {
			s.Addons = map[string]addon.Section{}
		}
		s.Addons[m.Name] = m.Status(ctx, c, conn)
	}
}

// startFirst starts what the add-ons' StartFirst start, all at once, as
// one init step before any of Hadoop's daemons.
func (c *Cluster) startFirst(ctx context.Context) error {
	var fns []stepFn
	var names []string
	for _, m := range c.Addons() {
		if m.StartFirst != nil {
			fns = append(fns, func(ctx context.Context) error { return m.StartFirst(ctx, c) })
			names = append(names, m.Name)
		}
	}
	if len(fns) == 0 {
		return nil
	}
	return c.step(ctx, "start "+strings.Join(names, " and ")+" first", func(ctx context.Context) error {
		return parallel(ctx, fns...)
	})
}

// startAddons starts the add-ons the cluster runs, all at once, once
// Hadoop is HA ready; then waits until the cluster (add-ons included) is
// ready and runs each add-on's check.
func (c *Cluster) startAddons(ctx context.Context) error {
	mods := c.Addons()
	if len(mods) == 0 {
		return nil
	}
	return c.step(ctx, "start "+strings.Join(mods.Names(), " and "), func(ctx context.Context) error {
		var fns []stepFn
		for _, m := range mods {
			if m.Start != nil {
				fns = append(fns, func(ctx context.Context) error { return m.Start(ctx, c) })
			}
		}
		if err := parallel(ctx, fns...); err != nil {
			return err
		}
		if _, err := c.WaitReady(ctx); err != nil {
			return err
		}
		// The checks at once too: a check may be a job on YARN of half a
		// minute, and YARN has room for several together.
		var checks []func(context.Context) error
		for _, m := range mods {
			if m.Check != nil {
				checks = append(checks, func(ctx context.Context) error { return m.Check(ctx, c) })
			}
		}
		return parallel(ctx, checks...)
	})
}

// StartDaemons starts role r on hosts at once and returns once their JVMs
// run (addon.Cluster).
func (c *Cluster) StartDaemons(ctx context.Context, r topology.Role, hosts ...string) error {
	return parallel(ctx, c.starts(r, hosts...)...)
}

// Alive fails when role r's daemon on one of hosts has exited, with its
// last log lines; hosts whose container is not running are skipped.
func (c *Cluster) Alive(ctx context.Context, r topology.Role, hosts ...string) error {
	return c.checkAlive(ctx, r, hosts)
}

// ReadFile returns the file at path on host h.
func (c *Cluster) ReadFile(ctx context.Context, h, path string) ([]byte, error) {
	files, err := c.engine.CopyFrom(ctx, c.Container(h), path)
	if err != nil {
		return nil, err
	}
	for _, b := range files {
		return b, nil
	}
	return nil, fmt.Errorf("read %s on %s: no such file", path, h)
}

var _ addon.Cluster = (*Cluster)(nil)
