package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/docker"
	"github.com/haharness/haharness/scenarios/bench"
)

func cmdBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench")
	runs := fs.Int("runs", 3, "runs of each measurement")
	only := fs.String("only", strings.Join(bench.All(), ","), "comma-separated `measurements` to run")
	out := fs.String("json", "", "also write the report as JSON to `file`")
	fresh := fs.Bool("fresh", false, "start every cluster with the whole init sequence (no warm start; warm-start then measures nothing new)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *runs < 1 {
		fmt.Fprintln(e.stderr, "bench: --runs must be at least 1")
		return errUsage
	}
	o := bench.Options{Runs: *runs, Only: strings.Split(*only, ","), Progress: e.stdout}
	if *fresh {
		o.Start = append(o.Start, harness.WithFreshInit())
	}
	r, err := bench.Run(ctx, o)
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
