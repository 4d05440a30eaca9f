//go:build !hh_noscenarios

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/shrink"
	"github.com/haharness/haharness/scenarios/spec"
)

func isFileFlag(a string) bool {
	return a == "-f" || a == "--f" || strings.HasPrefix(a, "-f=") || strings.HasPrefix(a, "--f=")
}

// filesValue collects -f arguments.
type filesValue []string

func (f *filesValue) String() string     { return strings.Join(*f, ",") }
func (f *filesValue) Set(s string) error { *f = append(*f, s); return nil }

// loadFiles expands directories (their *.yaml and *.yml, sorted) and loads
// every file, reporting every invalid one before anything is started.
func loadFiles(paths []string) ([]*spec.File, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("scenario file: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(p, pat))
			files = append(files, m...)
		}
	}
	slices.Sort(files)
	files = slices.Compact(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no scenario files (*.yaml) in %v", paths)
	}
	var out []*spec.File
	var errs []error
	names := map[string]string{}
	for _, p := range files {
		f, err := spec.Load(p, scenarios.SpecAddons()...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := names[f.Name]; dup {
			errs = append(errs, fmt.Errorf("scenario name %q is used by %s and %s: names must differ (they name the result directories)", f.Name, prev, p))
		}
		names[f.Name] = p
		out = append(out, f)
	}
	return out, errors.Join(errs...)
}

// subFlags is the flag set of a scenario subcommand with its usage text.
func subFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, usage+"\nflags:")
		fs.PrintDefaults()
	}
	return fs
}

// explicitName is the --name given on the command line, "" when the flag
// was left out.
func explicitName(fs *flag.FlagSet, name *string) string {
	given := ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "name" {
			given = *name
		}
	})
	return given
}

func scenarioValidate(e *env, args []string) error {
	fs := subFlags(e, "scenario validate", "usage: haharness scenario validate -f FILE|DIR [-f ...]\n"+
		"  check scenario files against the format (scenarios/spec/schema.json and its rules) without running them")
	var paths filesValue
	fs.Var(&paths, "f", "scenario `file` or directory (repeatable)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if len(paths) == 0 {
		return usagef(fs, "missing -f FILE")
	}
	files, err := loadFiles(paths)
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(e.stdout, "%s: %s, %d schedule item(s): valid\n", f.Path, f.Name, len(f.Schedule))
	}
	return nil
}

func scenarioRunFiles(ctx context.Context, e *env, args []string) error {
	fs := subFlags(e, "scenario run", "usage: haharness scenario run -f FILE|DIR [-f ...] [--name N | --hadoop VERSION] [--keep] [--seed N] [--out DIR] [--timeout DUR]\n"+
		"  run scenario files. Every file is validated first. Without --name, haharness starts a cluster for each\n"+
		"  distinct `cluster:` section (files with the same one share it, reset between runs) and removes it after\n"+
		"  (--keep leaves the last running); with --name, the files run on that running cluster, which must be the\n"+
		"  default cluster (a file with a `cluster:` section is refused). Each run writes history.json, result.json,\n"+
		"  report.html, timeline.txt and scenario.yaml to OUT/NAME-SEED. Exit 1 when a scenario fails.")
	var paths filesValue
	fs.Var(&paths, "f", "scenario `file` or directory of *.yaml (repeatable)")
	name := nameFlag(fs)
	keep := fs.Bool("keep", false, "leave the last cluster running")
	seed := fs.Int64("seed", 0, "seed of the runs (default: the clock; printed so a run can be replayed)")
	out := fs.String("out", "haharness-runs", "`dir` under which each run's files go")
	timeout := fs.Duration("timeout", 60*time.Minute, "bound on all the runs")
	hadoop := &hadoopValue{}
	fs.Var(hadoop, "hadoop", "run every file on this Hadoop `version` instead of its cluster.hadoop (e.g. a release the bug affects)")
	fs.Var(hadoop, "version", "the same as --hadoop")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	attachTo := explicitName(fs, name)
	files, err := loadFiles(paths)
	if err != nil {
		return err
	}
	if hadoop.v != "" {
		if attachTo != "" {
			return usagef(fs, "--hadoop starts clusters of that release; it does not go with --name")
		}
		for _, f := range files {
			f.Cluster.Hadoop, f.Cluster.Image = hadoop.v, ""
		}
	}
	if attachTo != "" {
		for _, f := range files {
			if !f.Cluster.IsZero() {
				return fmt.Errorf("%s asks for its own cluster (its `cluster:` section) and --name %s runs on a running one: "+
					"leave out --name so haharness starts a matching cluster", f.Path, attachTo)
			}
		}
	}
	if *seed == 0 {
		*seed = time.Now().UnixNano()
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	// Group by cluster, keeping the files' order within a group.
	var keys []string
	groups := map[string][]*spec.File{}
	for _, f := range files {
		k := f.Cluster.Key()
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], f)
	}
	var failed, timings []string
	for gi, k := range keys {
		group := groups[k]
		groupStart := time.Now()
		c, done, err := fileCluster(ctx, e, attachTo, group[0], *keep && gi == len(keys)-1)
		if err != nil {
			return err
		}
		started := time.Since(groupStart)
		var resets time.Duration
		for i, f := range group {
			if i > 0 || attachTo != "" {
				resetStart := time.Now()
				rctx, rcancel := context.WithTimeout(ctx, 5*time.Minute)
				_, err := c.Reset(rctx, harness.ResetOptions{})
				rcancel()
				resets += time.Since(resetStart)
				if err != nil {
					done()
					return fmt.Errorf("reset %s before %s: %w", c.Name(), f.Path, err)
				}
			}
			if err := runFile(ctx, e, c, f, *seed, *out); err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", f.Path, err))
			}
		}
		done()
		timings = append(timings, groupTiming(group, time.Since(groupStart), started, resets, attachTo != ""))
	}
	// Where the time went, a line per group: the test command's table
	// (internal/testplan) shows these under its scenario part.
	fmt.Fprintln(e.stdout)
	for _, l := range timings {
		fmt.Fprintln(e.stdout, l)
	}
	fmt.Fprintf(e.stdout, "\n%d of %d scenario file(s) passed (seed %d)\n", len(files)-len(failed), len(files), *seed)
	if len(failed) > 0 {
		return fmt.Errorf("%d scenario file(s) failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	return nil
}

// groupTiming is the `timing:` line of a group of files that shared a
// cluster: its whole time, the cluster's start (or attach), the resets
// between files.
func groupTiming(group []*spec.File, took, start, resets time.Duration, attached bool) string {
	label := "default cluster"
	if !group[0].Cluster.IsZero() {
		label = "cluster of " + group[0].Name
	}
	how := "start"
	if attached {
		how = "attach"
	}
	return fmt.Sprintf("timing: scenarios on the %s: %v (%d file(s), cluster %s %v, resets %v)", label,
		took.Round(100*time.Millisecond), len(group), how, start.Round(100*time.Millisecond), resets.Round(100*time.Millisecond))
}

// fileCluster attaches to the named cluster, or starts the cluster f asks
// for; done removes a started one (unless keep).
func fileCluster(ctx context.Context, e *env, attachTo string, f *spec.File, keep bool) (*harness.Cluster, func(), error) {
	if attachTo != "" {
		c, err := attach(ctx, attachTo)
		return c, func() {}, err
	}
	sc := scenarios.FromFile(f)
	opts := append([]harness.Option{harness.WithLogger(stepLogger(e))}, sc.StartOptions()...)
	if keep {
		opts = append(opts, harness.WithDetached())
	}
	fmt.Fprintf(e.stderr, "starting a cluster for %s\n", f.Path)
	c, err := harness.Start(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("start the cluster %s asks for: %w", f.Path, err)
	}
	return c, func() {
		if keep {
			fmt.Fprintf(e.stdout, "kept cluster %s running: `haharness down --name %s`\n", c.Name(), c.Name())
			return
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if err := c.Destroy(dctx); err != nil {
			fmt.Fprintf(e.stderr, "remove %s: %v\n", c.Name(), err)
		}
	}, nil
}

func runFile(ctx context.Context, e *env, c *harness.Cluster, f *spec.File, seed int64, out string) error {
	sc := scenarios.FromFile(f)
	fmt.Fprintf(e.stdout, "\n== %s (%s)\n", f.Name, f.Path)
	res, err := scenarios.Run(ctx, c, sc, seed, stepLogger(e))
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, res.Timeline())
	dir := filepath.Join(out, fmt.Sprintf("%s-%d", f.Name, seed))
	if err := res.Save(dir); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved the run in %s\n", dir)
	// The saved run, judged again by its saved plan, must give the checks
	// and verdicts the run printed (what `haharness report` will show).
	rj, err := scenarios.Rejudge(filepath.Join(dir, "history.json"))
	if err != nil {
		return fmt.Errorf("judge the saved run again: %w", err)
	}
	if len(rj.Differ) > 0 {
		return fmt.Errorf("the saved run of %s, judged again, differs in %d check(s) (a determinism bug of the checks):\n%s",
			f.Name, len(rj.Differ), strings.Join(rj.Differ, "\n"))
	}
	fmt.Fprintf(e.stdout, "re-judged the saved run: the same %d checks and verdicts\n", len(rj.Results))
	if ferr := res.Failed(); ferr != nil {
		return fmt.Errorf("%w\nreplay: haharness scenario run -f %s --seed %d", ferr, f.Path, seed)
	}
	fmt.Fprintf(e.stdout, "scenario %s passed\n", f.Name)
	return nil
}

func scenarioShrink(ctx context.Context, e *env, args []string) error {
	fs := subFlags(e, "scenario shrink", "usage: haharness scenario shrink -f FAILING.yaml [--name N] [--check NAME]... [--budget 30m] [-o SMALLEST.yaml]\n"+
		"  remove schedule items (delta debugging) and shorten holds while the same expectation still fails,\n"+
		"  each trial on a reset cluster (the named running one, or one started for the file and removed after);\n"+
		"  write the smallest failing schedule found. The first trial runs the file as it is: what fails there\n"+
		"  (or the --check names) must fail in every kept candidate.")
	var paths filesValue
	fs.Var(&paths, "f", "the failing scenario `file`")
	var checks filesValue
	fs.Var(&checks, "check", "`name` of the check that must keep failing (repeatable; default: what fails on the first trial)")
	name := nameFlag(fs)
	budget := fs.Duration("budget", 30*time.Minute, "bound on the whole shrink: the smallest failing schedule found by then is written")
	seed := fs.Int64("seed", 1, "seed of every trial's workload")
	outFile := fs.String("o", "", "output `file` (default FILE without .yaml + .shrunk.yaml)")
	runs := fs.String("runs", "", "`dir` for each trial's run files (default: none kept)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if len(paths) != 1 {
		return usagef(fs, "give exactly one -f FILE")
	}
	attachTo := explicitName(fs, name)
	f, err := spec.Load(paths[0], scenarios.SpecAddons()...)
	if err != nil {
		return err
	}
	if attachTo != "" && !f.Cluster.IsZero() {
		return fmt.Errorf("%s asks for its own cluster (its `cluster:` section): leave out --name so haharness starts a matching cluster", f.Path)
	}
	if *outFile == "" {
		*outFile = strings.TrimSuffix(strings.TrimSuffix(paths[0], ".yaml"), ".yml") + ".shrunk.yaml"
	}
	c, done, err := fileCluster(ctx, e, attachTo, f, false)
	if err != nil {
		return err
	}
	defer done()
	res, err := shrink.Shrink(ctx, f, shrink.ClusterOracle(c, checks, *seed, *runs, stepLogger(e)), shrink.Options{Budget: *budget, Log: stepLogger(e)})
	for i, t := range res.Trials {
		fmt.Fprintf(e.stdout, "trial %2d  %-40s items=%-3d failed=%-5v %v  %s\n", i+1, t.What, t.Items, t.Failed, t.Took.Round(time.Second), t.Saw+t.Err)
	}
	if err != nil {
		return err
	}
	if err := spec.Save(*outFile, res.Smallest, res.Header(paths[0])); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "shrunk: %s\nwrote %s\n", res.Summary(), *outFile)
	return nil
}
