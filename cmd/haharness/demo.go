package main

import (
	"context"
	"fmt"
	"time"

	"github.com/haharness/haharness/harness"
)

// cmdDemo is the README's first command: the guide's cluster from nothing
// (images built if missing), its init steps with their times, the §6 status
// view, then removal unless --keep.
func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo")
	name := nameFlag(fs)
	keep := fs.Bool("keep", false, "leave the cluster running (remove it later with `haharness down`)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	opts := []harness.Option{harness.WithName(*name), harness.WithLogger(stepLogger(e))}
	if *keep {
		opts = append(opts, harness.WithDetached())
	}
	start := time.Now()
	c, err := harness.Start(ctx, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "cluster %s is HA ready in %v\n\n", c.Name(), time.Since(start).Round(100*time.Millisecond))
	for _, s := range c.Steps() {
		fmt.Fprintf(e.stdout, "  step %-45s %v\n", s.Name, s.Duration.Round(time.Millisecond))
	}
	fmt.Fprintln(e.stdout)
	v, verr := gatherStatus(ctx, c)
	if verr == nil {
		v.print(e.stdout)
	}
	if *keep {
		fmt.Fprintf(e.stdout, "\nkept running: `haharness status --name %s`, `haharness down --name %s`\n", c.Name(), c.Name())
		return verr
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := c.Destroy(dctx); err != nil {
		return fmt.Errorf("remove %s: %w", c.Name(), err)
	}
	fmt.Fprintf(e.stdout, "\nremoved cluster %s (use --keep to leave it running)\n", c.Name())
	return verr
}
