package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// clearScript thaws every frozen JVM and removes the network faults
// (iptables chain HH-FAULT, netem qdisc), printing how many of each it found.
const clearScript = `frozen=$(ps -eo stat=,args= | grep -- '-Dproc_' | grep -v grep | grep -c '^T'); ` +
	`pkill -CONT -f -- '-Dproc_'; ` +
	`rules=$(iptables -S HH-FAULT 2>/dev/null | grep -c -- '-j DROP'); iptables -F HH-FAULT 2>/dev/null; ` +
	`netem=$(tc qdisc show dev eth0 2>/dev/null | grep -c netem); tc qdisc del dev eth0 root 2>/dev/null; ` +
	`echo "$frozen $rules $netem"; true`

// cmdHeal undoes every fault kind without knowing which were injected (a
// CLI process does not hold the injecting process's handles): it unpauses
// hosts, thaws JVMs, removes network faults, starts stopped hosts and
// missing daemons, then waits for HA ready.
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
	hosts := c.Topology().Hosts
	before := map[string][]harness.Process{}
	state := map[string]string{}
	for _, h := range hosts {
		state[h], _ = c.HostState(tctx, h)
		before[h], _ = c.Processes(tctx, h)
	}
	errs := []error{c.HealAll(tctx)} // faults this process injected: none, but harmless
	for _, h := range hosts {
		if err := c.HostAction(tctx, h, fault.HostUnpause); err != nil {
			errs = append(errs, fmt.Errorf("unpause %s: %w", h, err))
		} else if state[h] == "paused" {
			fmt.Fprintf(e.stdout, "%s: unpaused\n", h)
			before[h], _ = c.Processes(tctx, h) // a paused host lists no JVMs
		}
	}
	for _, h := range hosts {
		if st, err := c.HostState(tctx, h); err != nil || st != "running" {
			continue // a stopped host's network faults went with its network namespace
		}
		res, err := c.Shell(tctx, h, clearScript)
		if err != nil {
			errs = append(errs, fmt.Errorf("clear faults on %s: %w", h, err))
			continue
		}
		var frozen, rules, netem int
		fmt.Sscan(res.Stdout, &frozen, &rules, &netem)
		if frozen > 0 {
			fmt.Fprintf(e.stdout, "%s: thawed %d frozen JVM(s)\n", h, frozen)
		}
		if rules > 0 {
			fmt.Fprintf(e.stdout, "%s: removed %d iptables DROP rule(s)\n", h, rules)
		}
		if netem > 0 {
			fmt.Fprintf(e.stdout, "%s: removed netem delay/loss\n", h)
		}
	}
	for _, h := range hosts {
		if err := c.HostAction(tctx, h, fault.HostStart); err != nil {
			errs = append(errs, fmt.Errorf("start %s: %w", h, err))
			continue
		}
		if state[h] != "running" && state[h] != "paused" {
			fmt.Fprintf(e.stdout, "%s: started host (was %s)\n", h, state[h])
		}
		after, _ := c.Processes(tctx, h)
		var started []string
		for _, p := range after {
			if !slices.ContainsFunc(before[h], func(q harness.Process) bool { return q.Role == p.Role }) {
				started = append(started, p.Class)
			}
		}
		if len(started) > 0 {
			fmt.Fprintf(e.stdout, "%s: started %s\n", h, strings.Join(started, ", "))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("heal %s: %w", c.Name(), err)
	}
	fmt.Fprintf(e.stderr, "waiting for HA ready (up to %v)...\n", *timeout)
	start := time.Now()
	_, werr := c.WaitReady(tctx)
	if werr == nil {
		fmt.Fprintf(e.stdout, "HA ready after %v\n\n", time.Since(start).Round(100*time.Millisecond))
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 90*time.Second)
	defer scancel()
	v, err := gatherStatus(sctx, c)
	if err != nil {
		return errors.Join(werr, err)
	}
	v.print(e.stdout)
	return werr
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
		if v.active != "" && v.active != from {
			fmt.Fprintf(e.stdout, "failover %s -> %s in %v\n", orUnknown(from), v.active, time.Since(start).Round(100*time.Millisecond))
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

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
