package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
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

// haView is one role's HA state in a Status: each id's state and the
// single active, if any.
type haView struct {
	ids    []string
	states map[string]string
	active string
	lock   string
}

func roleView(s harness.Status, r topology.Role) haView {
	v := haView{states: map[string]string{}}
	if r == topology.ResourceManager {
		for _, x := range s.ResourceManagers {
			v.ids = append(v.ids, x.ID)
			v.states[x.ID] = strings.ToLower(x.REST)
		}
		v.active, v.lock = s.ActiveResourceManager(), s.ResourceManagerLock
		return v
	}
	for _, x := range s.NameNodes {
		v.ids = append(v.ids, x.ID)
		v.states[x.ID] = x.JMX
	}
	v.active, v.lock = s.ActiveNameNode(), s.NameNodeLock
	return v
}

func (v haView) String() string {
	var p []string
	for _, id := range v.ids {
		p = append(p, id+"="+v.states[id])
	}
	return strings.Join(p, " ") + " lock=" + orNone(v.lock)
}

// from guesses which id the failover is away from when --from is not
// given: the single active if every other is standby (the fault is still
// to come); otherwise the one the election lock still names, or the only
// one that is not standby. done is set when a single active exists and
// every other is down: the failover happened before we looked.
func (v haView) from() (from string, done bool) {
	if v.active != "" {
		for _, id := range v.ids {
			if id != v.active && v.states[id] == "standby" {
				return v.active, false
			}
		}
		if len(v.ids) > 1 {
			return "", true
		}
		return v.active, false
	}
	var notStandby []string
	for _, id := range v.ids {
		if v.states[id] != "standby" {
			notStandby = append(notStandby, id)
		}
	}
	if v.lock != "" && slices.Contains(notStandby, v.lock) {
		return v.lock, false
	}
	if len(notStandby) == 1 {
		return notStandby[0], false
	}
	return "", false
}

func cmdWaitFailover(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "wait-failover")
	name := nameFlag(fs)
	role := fs.String("role", "namenode", "namenode or resourcemanager")
	fromFlag := fs.String("from", "", "the `id` (nn1, rm2...) to fail over from (default: the active now, or the one just faulted)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	r := topology.Role(*role)
	if r != topology.NameNode && r != topology.ResourceManager {
		return usagef(fs, "--role %q: use namenode or resourcemanager", *role)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	s, err := c.Status(ctx, harness.StatusOptions{})
	if err != nil {
		return err
	}
	v := roleView(s, r)
	from := *fromFlag
	if from != "" && !slices.Contains(v.ids, from) {
		return usagef(fs, "--from %q: %s ids are %v", from, r, v.ids)
	}
	if from == "" {
		var done bool
		if from, done = v.from(); done {
			fmt.Fprintf(e.stdout, "failover ? -> %s already happened before wait-failover started (%s); pass --from to wait for another\n",
				v.active, v)
			return nil
		}
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if to := v.newActive(from); to != "" {
			fmt.Fprintf(e.stdout, "failover %s -> %s in %v\n", orUnknown(from), to, time.Since(start).Round(100*time.Millisecond))
			if v.active == "" {
				fmt.Fprintf(e.stdout, "(%s still claims active: it cannot be fenced yet; %s)\n", orUnknown(from), v)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s failover away from %s: last state %s: %w", r, orUnknown(from), v, ctx.Err())
		case <-tick.C:
		}
		s, err := c.Status(ctx, harness.StatusOptions{})
		if err != nil && ctx.Err() == nil {
			return err
		}
		if err == nil {
			v = roleView(s, r)
		}
	}
}

// newActive returns the id that took over from `from`: the single active,
// or, while the cut-off old active still claims active too (fencing could
// not reach it), the other active the election lock names. "" if none.
func (v haView) newActive(from string) string {
	if v.active != "" && v.active != from {
		return v.active
	}
	if v.active == "" && v.lock != "" && v.lock != from && v.states[v.lock] == "active" {
		return v.lock
	}
	return ""
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
