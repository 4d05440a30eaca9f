package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/addon"
)

// groupAddons lists the add-ons' own commands.
const groupAddons = "Add-ons (on a cluster started with --with NAME)"

// addonCommands are the registered add-ons' CLI commands: one command per
// add-on that has any (addon.Module.Commands), `haharness NAME SUB ARGS`.
func addonCommands() []command {
	var out []command
	for _, m := range harness.AddonModules() {
		if len(m.Commands) == 0 {
			continue
		}
		var subs []string
		for _, c := range m.Commands {
			subs = append(subs, c.Name)
		}
		out = append(out, command{name: m.Name, args: "[--name N] " + strings.Join(subs, "|") + " ARGS... (`haharness " + m.Name + " SUB -h`)",
			summary: m.Title + ": " + strings.Join(helps(m.Commands), "; "), group: groupAddons,
			run: func(ctx context.Context, e *env, args []string) error { return runAddonCommand(ctx, e, m, args) }})
	}
	return out
}

func helps(cs []addon.Command) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+": "+c.Help)
	}
	return out
}

// runAddonCommand parses the cluster's name up to the subcommand, attaches
// to that cluster and runs the add-on's subcommand with the rest.
func runAddonCommand(ctx context.Context, e *env, m addon.Module, args []string) error {
	fs := newFlags(e, m.Name)
	name := nameFlag(fs)
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef(fs, "missing the %s command (%s)", m.Name, strings.Join(subNames(m), ", "))
	}
	i := slices.IndexFunc(m.Commands, func(c addon.Command) bool { return c.Name == rest[0] })
	if i < 0 {
		return usagef(fs, "unknown %s command %q: use %s", m.Name, rest[0], strings.Join(subNames(m), ", "))
	}
	sub := m.Commands[i]
	if slices.Contains(rest[1:], "-h") || slices.Contains(rest[1:], "--help") {
		fmt.Fprintf(e.stderr, "usage: haharness %s [--name N] %s %s\n  %s\n", m.Name, sub.Name, sub.Args, sub.Help)
		return sub.Run(ctx, nil, []string{"-h"}, e.stdout, e.stderr)
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	err = sub.Run(ctx, c, rest[1:], e.stdout, e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if errors.Is(err, addon.ErrUsage) {
		fmt.Fprintf(e.stderr, "haharness %s %s: %v\nusage: haharness %s [--name N] %s %s\n", m.Name, sub.Name, err, m.Name, sub.Name, sub.Args)
		return errUsage
	}
	return err
}

func subNames(m addon.Module) []string {
	var out []string
	for _, c := range m.Commands {
		out = append(out, c.Name)
	}
	return out
}
