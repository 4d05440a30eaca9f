package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/internal/docker"
	"github.com/haharness/haharness/scenarios/bench"
)

func cmdBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench")
	runs := fs.Int("runs", 3, "runs of each measurement")
	only := fs.String("only", strings.Join(bench.All(), ","), "comma-separated `measurements` to run")
	out := fs.String("json", "", "also write the report as JSON to `file`")
	fresh := fs.Bool("fresh", false, "start every cluster with the whole init sequence (no warm start; warm-start then measures nothing new)")
	with := &withValue{}
	fs.Var(with, "with", "run every cluster with these add-ons (`"+addonList()+"`)")
	baseline := fs.Bool("baseline", false, "with --with: first run the measurements on the plain cluster, then with the add-ons, and print the ratio of their medians")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *baseline && len(with.names) == 0 {
		fmt.Fprintln(e.stderr, "bench: --baseline compares with --with NAMES: name the add-ons")
		return errUsage
	}
	if *runs < 1 {
		fmt.Fprintln(e.stderr, "bench: --runs must be at least 1")
		return errUsage
	}
	o := bench.Options{Runs: *runs, Only: strings.Split(*only, ","), Progress: e.stdout}
	if *fresh {
		o.Start = append(o.Start, harness.WithFreshInit())
	}
	var plain *bench.Report
	if *baseline {
		fmt.Fprintln(e.stdout, "baseline: the plain cluster")
		p, err := bench.Run(ctx, o)
		if err != nil {
			return err
		}
		plain = &p
		fmt.Fprintf(e.stdout, "then with %s\n", strings.Join(with.names, ","))
	}
	o.Start = append(o.Start, with.options()...)
	r, err := bench.Run(ctx, o)
	if plain != nil {
		fmt.Fprintln(e.stdout)
		fmt.Fprintln(e.stdout, "baseline (plain cluster):")
		plain.Print(e.stdout)
		defer printRatios(e.stdout, *plain, r, with.names)
	}
	if eng, cerr := docker.Connect(ctx); cerr == nil {
		if in, ierr := eng.Info(ctx); ierr == nil {
			kind := "Docker"
			if in.Podman {
				kind = "Podman"
			}
			r.Machine.Engine = kind + " " + in.ServerVersion
		}
	}
	fmt.Fprintln(e.stdout)
	r.Print(e.stdout)
	if *out != "" {
		b, jerr := json.MarshalIndent(r, "", "  ")
		if jerr == nil {
			jerr = os.WriteFile(*out, append(b, '\n'), 0o644)
		}
		if jerr != nil {
			return fmt.Errorf("write %s: %w", *out, jerr)
		}
		fmt.Fprintf(e.stdout, "report written to %s\n", *out)
	}
	return err
}

// printRatios prints, for each measurement of both reports, the median
// with the add-ons against the plain cluster's.
func printRatios(w io.Writer, plain, with bench.Report, names []string) {
	fmt.Fprintf(w, "\nwith %s against the plain cluster (medians):\n", strings.Join(names, ","))
	for _, s := range with.Summaries {
		for _, p := range plain.Summaries {
			if p.Name == s.Name && p.Median > 0 {
				fmt.Fprintf(w, "  %-22s %7.1fs against %7.1fs: x%.2f\n", s.Name, s.Median, p.Median, s.Median/p.Median)
			}
		}
	}
}
