package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/topology"
)

// cmdHeal undoes every fault kind without knowing which were injected (a
// CLI process does not hold the injecting process's handles), restarts
// whatever is down, and waits for HA ready: harness.Cluster.Heal.
func cmdHeal(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "heal")
	name := nameFlag(fs)
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on healing and waiting for HA ready")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := attach(tctx, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "healing %s (up to %v)...\n", c.Name(), *timeout)
	rep, herr := c.Heal(tctx)
	for _, a := range rep.Actions {
		fmt.Fprintln(e.stdout, a)
	}
	if herr != nil {
		return herr
	}
	fmt.Fprintf(e.stdout, "HA ready after %v (%d round(s))\n\n", rep.Took.Round(100*time.Millisecond), rep.Rounds)
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 90*time.Second)
	defer scancel()
	v, err := gatherStatus(sctx, c)
	if err != nil {
		return err
	}
	v.print(e.stdout)
	return nil
}

// failoverFrom guesses which member of g the failover is away from when
// --from is not given: the single active if another member is standby (the
// fault is still to come); otherwise the one the election lock still names,
// or the only one that is not standby. done is set when a single active
// exists and no other member is standby: the failover happened before we
// looked.
func failoverFrom(g ha.Group) (from string, done bool) {
	if active := g.Active(); active != "" {
		if len(g.Standbys()) > 0 || len(g.Members) < 2 {
			return active, false
		}
		return "", true
	}
	var notStandby []string
	for _, m := range g.Members {
		if m.State != ha.Standby {
			notStandby = append(notStandby, m.ID)
		}
	}
	if g.Lock != "" && slices.Contains(notStandby, g.Lock) {
		return g.Lock, false
	}
	if len(notStandby) == 1 {
		return notStandby[0], false
	}
	return "", false
}

// cmdWaitFailover waits for the active of a role to fail over by the one
// rule (ha.Failover: another member is the single active and the election
// lock names it) and prints how long it took.
func cmdWaitFailover(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "wait-failover")
	name := nameFlag(fs)
	role := fs.String("role", "namenode", "the HA role: "+strings.Join(haRoles(), ", ")+" (an add-on's with the add-on on)")
	fromFlag := fs.String("from", "", "the `id` (nn1, rm2...) to fail over from (default: the active now, or the one just faulted)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	r := topology.Role(*role)
	if !slices.Contains(haRoles(), *role) {
		return usagef(fs, "--role %q: use one of %s", *role, strings.Join(haRoles(), ", "))
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	read := func(ctx context.Context) (ha.Group, error) {
		s, err := c.Status(ctx, harness.StatusOptions{})
		return s.HA(r), err
	}
	g, err := read(ctx)
	if err != nil {
		return err
	}
	from := *fromFlag
	if from != "" && !g.Has(from) {
		return usagef(fs, "--from %q: %s ids are %v", from, r, g.IDs())
	}
	if from == "" {
		var done bool
		if from, done = failoverFrom(g); done {
			fmt.Fprintf(e.stdout, "failover ? -> %s already happened before wait-failover started (%s); pass --from to wait for another\n",
				g.Active(), g)
			return nil
		}
	}
	to, _, err := ha.WaitFailover(ctx, r, from, read)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "failover %s -> %s in %v\n", orUnknown(from), to, time.Since(start).Round(100*time.Millisecond))
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// cmdReset is harness.Cluster.Reset: heal, then the wanted actives, then
// HDFS emptied, as the shared cluster of a test package is before each test.
func cmdReset(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reset")
	name := nameFlag(fs)
	nn := fs.String("namenode", "", "`id` of the NameNode to leave active (default the first, nn1; \"any\": leave it)")
	rm := fs.String("resourcemanager", "", "`id` of the ResourceManager to leave active (default the first, rm1; \"any\": leave it)")
	keep := fs.String("keep", "", "comma-separated HDFS `paths` to keep (everything else in HDFS is deleted)")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on the whole reset")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	o := harness.ResetOptions{NameNode: *nn, ResourceManager: *rm}
	if *keep != "" {
		o.KeepPaths = strings.Split(*keep, ",")
	}
	tctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := attach(tctx, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "resetting %s (up to %v)...\n", c.Name(), *timeout)
	rep, rerr := c.Reset(tctx, o)
	for _, a := range rep.Actions {
		fmt.Fprintln(e.stdout, a)
	}
	if rerr != nil {
		return rerr
	}
	fmt.Fprintf(e.stdout, "reset in %v: %s\n", rep.Took.Round(100*time.Millisecond), rep.Status)
	return nil
}

// haRoles are the roles wait-failover takes: the NameNodes', the
// ResourceManagers' and every registered add-on's HA roles (addon.Role.HA).
func haRoles() []string {
	out := []string{string(topology.NameNode), string(topology.ResourceManager)}
	for _, m := range harness.AddonModules() {
		for _, r := range m.Roles {
			if r.HA {
				out = append(out, string(r.Role))
			}
		}
	}
	return out
}
