package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/images"
)

// fencingValue is --fencing, checked with the library's own validation.
type fencingValue struct{ f config.Fencing }

func (v *fencingValue) String() string { return string(v.f) }
func (v *fencingValue) Set(s string) error {
	if err := (config.Options{Fencing: config.Fencing(s)}).Validate(); err != nil {
		return err
	}
	v.f = config.Fencing(s)
	return nil
}

// hadoopValue is --hadoop, checked against images.Releases.
type hadoopValue struct{ v string }

func (h *hadoopValue) String() string { return h.v }
func (h *hadoopValue) Set(s string) error {
	if _, err := images.Lookup(s); err != nil {
		return err
	}
	h.v = s
	return nil
}

// setValue is the repeatable --set FILE:KEY=VALUE.
type setValue struct{ o config.Overrides }

func (v *setValue) String() string { return "" }
func (v *setValue) Set(s string) error {
	file, kv, ok := strings.Cut(s, ":")
	key, val, ok2 := strings.Cut(kv, "=")
	if !ok || !ok2 || file == "" || key == "" {
		return fmt.Errorf("want FILE:KEY=VALUE, e.g. hdfs-site.xml:dfs.replication=2 (an empty VALUE removes the key)")
	}
	if err := (config.Options{Overrides: config.Overrides{file: {}}}).Validate(); err != nil {
		return err
	}
	if v.o == nil {
		v.o = config.Overrides{}
	}
	if v.o[file] == nil {
		v.o[file] = map[string]string{}
	}
	v.o[file][key] = val
	return nil
}

// stepLogger is the text logger `up` and `images` show progress with.
func stepLogger(e *env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.String(slog.TimeKey, a.Value.Time().Format("15:04:05.000"))
			}
			return a
		},
	}))
}

func cmdUp(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "up")
	name := nameFlag(fs)
	topoFile := fs.String("topology", "", "topology JSON `file` (default: the guide's three hosts hadoop001..003)")
	hadoop := &hadoopValue{v: images.DefaultHadoop}
	fs.Var(hadoop, "hadoop", "Hadoop `version` to build the image for")
	fs.Var(hadoop, "version", "the same as --hadoop")
	image := fs.String("image", "", "run this image `ref` instead of building one (must meet images/CONTRACT.md)")
	fencing := &fencingValue{f: config.FenceSSHThenShell}
	fs.Var(fencing, "fencing", "`method` of dfs.ha.fencing.methods: sshfence+shell, sshfence or shell")
	var sets setValue
	fs.Var(&sets, "set", "override a config key, `FILE:KEY=VALUE` (repeatable), e.g. hdfs-site.xml:dfs.replication=2")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on the whole init sequence")
	artifacts := fs.String("artifacts", "", "save logs and configs to `dir` if the start fails")
	fresh := fs.Bool("fresh", false, "run the whole init sequence even when a snapshot of this configuration exists, and save none")
	with := &withValue{}
	fs.Var(with, "with", "add-ons to run on the cluster, `"+addonList()+"` (or all: those but "+variantList()+") or some of them: "+addonHelp())
	variants := variantFlags(fs, with)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	variants()
	opts := []harness.Option{
		harness.WithName(*name), harness.WithDetached(), harness.WithLogger(stepLogger(e)),
		harness.WithHadoopVersion(hadoop.v), harness.WithFencing(fencing.f), harness.WithReadyTimeout(*timeout),
	}
	opts = append(opts, with.options()...)
	if *topoFile != "" {
		t, err := topology.Load(*topoFile)
		if err != nil {
			return err
		}
		opts = append(opts, harness.WithTopology(t))
	}
	if *image != "" {
		opts = append(opts, harness.WithImage(*image))
	}
	for file, kv := range sets.o {
		opts = append(opts, harness.WithConfig(file, kv))
	}
	if *artifacts != "" {
		opts = append(opts, harness.WithFailureArtifacts(*artifacts))
	}
	if *fresh {
		opts = append(opts, harness.WithFreshInit())
	}
	start := time.Now()
	c, err := harness.Start(ctx, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "cluster %s is up in %v (%d init steps); remove it with `haharness down --name %s`\n\n",
		c.Name(), time.Since(start).Round(100*time.Millisecond), len(c.Steps()), c.Name())
	v, err := gatherStatus(ctx, c)
	if err != nil {
		return err
	}
	v.print(e.stdout)
	return nil
}

func cmdDown(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "down")
	name := nameFlag(fs)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	list, err := harness.List(ctx)
	if err != nil {
		return err
	}
	found := false
	for _, ci := range list {
		found = found || ci.Name == *name
	}
	if !found {
		fmt.Fprintf(e.stderr, "no cluster %q: nothing to remove (see `haharness ls`)\n", *name)
		return nil
	}
	if err := harness.Remove(ctx, *name); err != nil {
		return fmt.Errorf("remove %s: %w", *name, err)
	}
	fmt.Fprintf(e.stdout, "removed cluster %s\n", *name)
	return nil
}

func cmdLs(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ls")
	snapshots := fs.Bool("snapshots", false, "list the saved init snapshots (warm starts) instead of clusters")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *snapshots {
		return lsSnapshots(ctx, e)
	}
	list, err := harness.List(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "no clusters (start one with `haharness up`)")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tHOSTS\tOWNER\tORPHANED")
	for _, ci := range list {
		orphaned := fmt.Sprint(ci.Orphaned)
		if ci.Incomplete {
			orphaned += " (its start never completed and its creator is gone)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", ci.Name, ci.Hosts, ci.Owner, orphaned)
	}
	return tw.Flush()
}

func cmdGC(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gc")
	all := fs.Bool("all", false, "remove every haharness cluster, not only orphaned ones (with --snapshots: every snapshot)")
	snapshots := fs.Bool("snapshots", false, "remove stale init snapshots (made on an image that is gone) instead of clusters; --all: every snapshot")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *snapshots {
		removed, err := harness.GCSnapshots(ctx, *all)
		for _, r := range removed {
			fmt.Fprintf(e.stdout, "removed snapshot %s\n", r)
		}
		if len(removed) == 0 && err == nil {
			fmt.Fprintln(e.stdout, "no snapshot to remove")
		}
		return err
	}
	removed, err := harness.GC(ctx, *all)
	for _, n := range removed {
		fmt.Fprintf(e.stdout, "removed cluster %s\n", n)
	}
	if len(removed) == 0 && err == nil {
		fmt.Fprintln(e.stdout, "nothing to remove")
	}
	return err
}

func lsSnapshots(ctx context.Context, e *env) error {
	snaps, err := harness.ListSnapshots(ctx)
	if err != nil {
		return err
	}
	if len(snaps) == 0 {
		fmt.Fprintln(e.stdout, "no snapshots (the first start of a configuration saves one)")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SNAPSHOT\tCREATED\tSIZE\tSTALE")
	for _, s := range snaps {
		stale := "no"
		if s.Stale {
			stale = "yes (no start uses it: `haharness gc --snapshots` removes it)"
		}
		ref := s.Ref
		if id, ok := strings.CutPrefix(ref, "sha256:"); ok && len(id) > 12 {
			ref = id[:12] // untagged: its short ID, as the engine's CLI shows it
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f MiB\t%s\n", ref, s.Created.Format(time.DateTime), s.SizeMiB, stale)
	}
	return tw.Flush()
}

// withValue is --with: the add-ons to turn on, comma-separated or
// repeated (harness.Addons).
type withValue struct{ names []string }

func (v *withValue) String() string { return strings.Join(v.names, ",") }

func (v *withValue) Set(s string) error {
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if a == "all" {
			for _, n := range harness.AddonModules().Composable().Names() {
				if !slices.Contains(v.names, n) {
					v.names = append(v.names, n)
				}
			}
			continue
		}
		if !slices.Contains(harness.Addons(), a) {
			return fmt.Errorf("unknown add-on %q: the add-ons are %s (e.g. --with %s)", a, strings.Join(harness.Addons(), ", "), addonList())
		}
		if !slices.Contains(v.names, a) {
			v.names = append(v.names, a)
		}
	}
	return nil
}

func (v *withValue) options() []harness.Option {
	if len(v.names) == 0 {
		return nil
	}
	return []harness.Option{harness.WithAddons(v.names...)}
}

// addonHelp names each registered add-on with its summary.
func addonHelp() string {
	var p []string
	for _, m := range harness.AddonModules() {
		p = append(p, fmt.Sprintf("%s (%s: %s)", m.Name, m.Title, m.Summary))
	}
	return strings.Join(p, "; ")
}

// variantFlags defines --NAME for each add-on that is a variant of the
// whole cluster (addon.Module.Variant: security on...); the func it returns,
// called once the flags are parsed, adds those set to with.
func variantFlags(fs *flag.FlagSet, with *withValue) func() {
	set := map[string]*bool{}
	for _, m := range harness.AddonModules() {
		if m.Variant {
			set[m.Name] = fs.Bool(m.Name, false, "the same as --with "+m.Name+": "+m.Summary)
		}
	}
	return func() {
		for _, n := range slices.Sorted(maps.Keys(set)) {
			if *set[n] && !slices.Contains(with.names, n) {
				with.names = append(with.names, n)
			}
		}
	}
}

// variantList names the add-ons that are variants of the whole cluster.
func variantList() string {
	var out []string
	for _, m := range harness.AddonModules() {
		if m.Variant {
			out = append(out, m.Name)
		}
	}
	return strings.Join(out, ",")
}

// addonList is the registered add-ons as --with takes them, comma-separated.
func addonList() string { return strings.Join(harness.Addons(), ",") }
