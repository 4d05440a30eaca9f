package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"text/tabwriter"
	"time"

	"github.com/haharness/haharness/harness/docker"
	"github.com/haharness/haharness/images"
)

func cmdImages(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "images")
	hadoop := &hadoopValue{v: images.DefaultHadoop}
	fs.Var(hadoop, "hadoop", "Hadoop `version` to build the image for")
	all := fs.Bool("all", false, "build the image of every known release (what the images workflow publishes)")
	with := &withValue{}
	fs.Var(with, "with", "also the add-on image (HBase and Kafka), for `hbase,kafka` or either")
	if err := parseNone(fs, args); err != nil {
		return err
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
	b := &images.Builder{Engine: eng, Log: stepLogger(e), Out: e.stderr}
	for _, rel := range rels {
		start := time.Now()
		ref, err := b.Ensure(ctx, rel)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s (Hadoop %s, ZooKeeper %s) ready in %v\n", ref, rel.Hadoop, rel.ZooKeeper, time.Since(start).Round(100*time.Millisecond))
		if with.hbase || with.kafka {
			start = time.Now()
			a := images.DefaultAddons
			ref, err := b.EnsureAddons(ctx, rel, a)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s (Hadoop %s, HBase %s, Kafka %s) ready in %v\n", ref, rel.Hadoop, a.HBase, a.Kafka, time.Since(start).Round(100*time.Millisecond))
		}
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
