package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/images"
	"github.com/haharness/haharness/internal/docker"
)

func cmdImages(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "images")
	hadoop := &hadoopValue{v: images.DefaultHadoop}
	fs.Var(hadoop, "hadoop", "Hadoop `version` to build the image for")
	all := fs.Bool("all", false, "build the image of every known release (what the images workflow publishes)")
	with := &withValue{}
	fs.Var(with, "with", "also the add-on image (every add-on's layer: "+addonList()+"), for `"+addonList()+"` or some of them")
	native := fs.Bool("native", false, "build a missing image on this engine, never copy it from another (as "+images.EnvNative+"=1)")
	var from addrsValue
	fs.Var(&from, "from", "copy a missing image from the engine at `ADDR` (a DOCKER_HOST value; repeatable or comma-separated; "+
		"default: "+images.EnvFrom+", else the local Docker and Podman sockets)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *native && len(from) > 0 {
		return usagef(fs, "--native builds on this engine: it takes no --from")
	}
	rels := images.Releases()
	if !*all {
		rel, err := images.Lookup(hadoop.v)
		if err != nil {
			return err
		}
		rels = []images.Release{rel}
	}
	eng, err := docker.Connect(ctx)
	if err != nil {
		return err
	}
	b := &images.Builder{Engine: eng, Log: stepLogger(e), Out: e.stderr, Native: *native}
	if len(from) > 0 {
		b.Sources = from
	}
	for _, rel := range rels {
		start := time.Now()
		p, err := b.Provide(ctx, rel)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s (Hadoop %s, ZooKeeper %s) %s in %v\n", p.Ref, rel.Hadoop, rel.ZooKeeper, p, time.Since(start).Round(100*time.Millisecond))
		if len(with.names) > 0 {
			start = time.Now()
			layers := harness.AddonImages()
			p, err := b.ProvideAddons(ctx, rel, layers)
			if err != nil {
				return err
			}
			var vs []string
			for _, l := range layers {
				vs = append(vs, fmt.Sprintf("%s %s", l.Name, l.Versions[""]))
			}
			fmt.Fprintf(e.stdout, "%s (Hadoop %s, %s) %s in %v\n", p.Ref, rel.Hadoop, strings.Join(vs, ", "), p, time.Since(start).Round(100*time.Millisecond))
		}
	}
	return nil
}

// addrsValue is --from: engine addresses, comma-separated or repeated.
type addrsValue []string

func (v *addrsValue) String() string { return strings.Join(*v, ",") }

func (v *addrsValue) Set(s string) error {
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			*v = append(*v, a)
		}
	}
	if len(*v) == 0 {
		return fmt.Errorf("no engine address in %q (e.g. --from unix:///var/run/docker.sock)", s)
	}
	return nil
}

// cmdEngine prints the engine haharness found and what it can do there.
func cmdEngine(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "engine")
	reaper := fs.Bool("reaper", false, "also start (or join) the reaper and say whether it runs")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	eng, err := docker.Connect(ctx)
	if err != nil {
		return err
	}
	in, err := eng.Info(ctx)
	if err != nil {
		return err
	}
	kind := "Docker"
	if in.Podman {
		kind = "Podman"
	}
	fmt.Fprintf(e.stdout, "engine:          %s %s (%s), API %s\n", kind, in.ServerVersion, in.Endpoint, in.APIVersion)
	fmt.Fprintf(e.stdout, "machine:         %s, %d CPUs, %d MiB\n", in.OS, in.CPUs, in.MemTotalMiB)
	fmt.Fprintf(e.stdout, "published ports: %s\n", in.PublishedHost)
	if *reaper {
		if labels, note := eng.ReaperLabels(ctx); len(labels) > 0 {
			fmt.Fprintln(e.stdout, "reaper:          running (Ryuk removes what a killed test process leaves)")
		} else {
			fmt.Fprintf(e.stdout, "reaper:          none: %s; `haharness gc` removes what a killed process leaves\n", note)
		}
	}
	return nil
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	v := "(unknown)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
	}
	fmt.Fprintf(e.stdout, "haharness %s\ndefault Hadoop %s\n\nknown releases:\n", v, images.DefaultHadoop)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  HADOOP\tZOOKEEPER\tEXAMPLES JAR\tIMAGE")
	for _, r := range images.Releases() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Hadoop, r.ZooKeeper, r.Examples, images.Ref(r))
	}
	return tw.Flush()
}
