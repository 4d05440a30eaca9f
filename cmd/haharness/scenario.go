//go:build !hh_noscenarios

// The scenario commands wrap package scenarios (and scenarios/report). They
// live alone in this file so the rest of the CLI does not depend on that
// package: build with -tags hh_noscenarios to leave them out
// (scenario_stub.go).

package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/report"
	"github.com/haharness/haharness/scenarios/soak"
)

func cmdScenario(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "scenario")
	if len(args) == 0 {
		return usagef(fs, "missing list or run")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fs.Usage()
		return errHelp
	case "list":
		if len(args) > 1 {
			return usagef(fs, "list takes no arguments")
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		for _, sc := range scenarios.All() {
			fmt.Fprintf(tw, "%s\t%s\n", sc.Name, sc.Description)
		}
		return tw.Flush()
	case "run":
		if slices.ContainsFunc(args[1:], isFileFlag) {
			return scenarioRunFiles(ctx, e, args[1:])
		}
		return scenarioRun(ctx, e, args[1:])
	case "validate":
		return scenarioValidate(e, args[1:])
	case "shrink":
		return scenarioShrink(ctx, e, args[1:])
	}
	return usagef(fs, "unknown subcommand %q: use list, run, validate or shrink", args[0])
}

func scenarioRun(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("scenario run", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: haharness scenario run NAME [--name N] [--seed N] [--out DIR] [--timeout DUR]\n"+
			"  run a scenario of `haharness scenario list` on a running cluster\n"+
			"   or: haharness scenario run -f FILE|DIR [-f ...] [--name N] [--keep] [--seed N] [--out DIR] [--timeout DUR]\n"+
			"  run scenario files (see `haharness scenario run -f --help`)\nflags:")
		fs.PrintDefaults()
	}
	name := nameFlag(fs)
	seed := fs.Int64("seed", 0, "seed of the run's randomness (default: the clock; printed so a run can be replayed)")
	out := fs.String("out", "", "`dir` for history.json, result.json, report.html and timeline.txt (default haharness-runs/SCENARIO-SEED)")
	timeout := fs.Duration("timeout", 20*time.Minute, "bound on the whole run")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1, "scenario NAME (see `haharness scenario list`)"); err != nil {
		return err
	}
	sc, err := scenarios.Lookup(pos[0])
	if err != nil {
		return err
	}
	if *seed == 0 {
		*seed = time.Now().UnixNano()
	}
	if *out == "" {
		*out = filepath.Join("haharness-runs", fmt.Sprintf("%s-%d", sc.Name, *seed))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	res, err := scenarios.Run(ctx, c, sc, *seed, stepLogger(e))
	if err != nil {
		return fmt.Errorf("run %s (seed %d): %w", sc.Name, *seed, err)
	}
	fmt.Fprint(e.stdout, res.Timeline())
	if err := res.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved history.json, result.json, report.html and timeline.txt in %s\n", *out)
	if ferr := res.Failed(); ferr != nil {
		return fmt.Errorf("%w\nreplay: haharness scenario run %s --seed %d", ferr, sc.Name, *seed)
	}
	fmt.Fprintf(e.stdout, "scenario %s passed (seed %d)\n", sc.Name, *seed)
	return nil
}

func cmdReport(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "report")
	out := fs.String("o", "", "output `file` (default: HISTORY with .html)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1, "HISTORY.json"); err != nil {
		return err
	}
	rj, err := scenarios.Rejudge(pos[0])
	if err != nil {
		return err
	}
	if *out == "" {
		*out = strings.TrimSuffix(pos[0], filepath.Ext(pos[0])) + ".html"
	}
	// Judged again with the run's own plan; a history saved before runs
	// kept theirs gets the default checks of its scenario.
	h := rj.History
	if rj.Default {
		fmt.Fprintf(e.stdout, "%s holds no plan (saved by an older haharness): judged with the default checks of scenario %q\n", pos[0], h.Scenario)
	}
	shown := slices.Clone(rj.Results)
	for i, r := range rj.Results {
		label := "check"
		if rj.Plan[i].Recorded != nil {
			label = "check (as recorded)"
			shown[i].Check += " (as recorded)"
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", label, r)
	}
	differ := rj.Differ
	if err := report.WriteFile(*out, h, shown); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", *out)
	if len(differ) > 0 {
		return fmt.Errorf("judged again, %d check(s) of %s differ from what the run saved (a determinism bug):\n%s",
			len(differ), pos[0], strings.Join(differ, "\n"))
	}
	return nil
}

func cmdSoak(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "soak")
	name := nameFlag(fs)
	seed := fs.Int64("seed", 0, "seed of the nemesis and the writers (default: the clock; printed so a run can be replayed)")
	duration := fs.Duration("duration", 5*time.Minute, "how long the nemesis injects faults (the last heal and the read-back come after)")
	writers := fs.Int("writers", 3, "writers creating files at once")
	appends := fs.Int("appends", 0, "appends to each file after its create (0: write-once files; colinmarc/hdfs appends lost acknowledged data under faults, see README)")
	out := fs.String("out", "", "`dir` for history.json, result.json, report.html, timeline.txt (default haharness-runs/soak-SEED)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *duration <= 0 || *writers <= 0 || *appends < 0 {
		return usagef(fs, "--duration and --writers must be positive and --appends not negative, got %v, %d and %d", *duration, *writers, *appends)
	}
	if *seed == 0 {
		*seed = time.Now().UnixNano()
	}
	if *out == "" {
		*out = filepath.Join("haharness-runs", fmt.Sprintf("soak-%d", *seed))
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "soak seed %d for %v on %s: healing first\n", *seed, *duration, c.Name())
	hctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	_, err = c.Heal(hctx)
	cancel()
	if err != nil {
		return fmt.Errorf("the cluster must be HA ready before a soak: %w", err)
	}
	res, err := soak.Run(ctx, c, soak.Options{Seed: *seed, Duration: *duration, Writers: *writers, Appends: *appends, Log: stepLogger(e)})
	if err != nil {
		return fmt.Errorf("soak seed %d: %w", *seed, err)
	}
	fmt.Fprint(e.stdout, res.Timeline())
	if err := res.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved history.json, result.json, report.html and timeline.txt in %s\n", *out)
	if ferr := res.Failed(); ferr != nil {
		return ferr
	}
	fmt.Fprintf(e.stdout, "soak passed (seed %d)\n", *seed)
	return nil
}
