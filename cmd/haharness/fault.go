package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/fault"
)

// portsValue is --ports 2181,2888,3888.
type portsValue []int

func (p *portsValue) String() string {
	var s []string
	for _, n := range *p {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ",")
}

func (p *portsValue) Set(s string) error {
	*p = nil
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q: want comma-separated TCP ports, e.g. 2181,2888,3888", f)
		}
		*p = append(*p, n)
	}
	return nil
}

// signalValue is --signal KILL|TERM.
type signalValue struct{ s string }

func (v *signalValue) String() string { return v.s }
func (v *signalValue) Set(s string) error {
	u := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if u != "KILL" && u != "TERM" {
		return fmt.Errorf("signal %q: use KILL or TERM", s)
	}
	v.s = u
	return nil
}

// faultCmd is the shape every fault command shares: flags, positional
// selectors, attach, build the fault from them, inject it and print what the
// selectors resolved to.
type faultCmd struct {
	name     string
	min, max int    // positional arguments
	what     string // what is missing when there are too few
	flags    func(fs *flag.FlagSet)
	build    func(ctx context.Context, c *harness.Cluster, pos []string) (fault.Fault, error)
}

func (fc faultCmd) run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, fc.name)
	name := nameFlag(fs)
	if fc.flags != nil {
		fc.flags(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, fc.min, fc.max, fc.what); err != nil {
		return err
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	f, err := fc.build(ctx, c, pos)
	if err != nil {
		return err
	}
	in, err := c.Inject(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s => %s\n", in.Fault, strings.Join(in.Targets, " "))
	return nil
}

// daemonSelector reports whether s names daemons (HOST/ROLE or a named
// selector such as active-namenode) rather than a whole host.
func daemonSelector(c *harness.Cluster, s string) (bool, error) {
	p, err := fault.Parse(fault.Selector(s), c.Topology())
	if err != nil {
		return false, err
	}
	return p.Named != "" || p.Role != "", nil
}

func cmdKill(ctx context.Context, e *env, args []string) error {
	sig := &signalValue{s: "KILL"}
	return faultCmd{name: "kill", min: 1, max: 1, what: "SELECTOR (e.g. active-namenode, hadoop001/namenode, hadoop001)",
		flags: func(fs *flag.FlagSet) {
			fs.Var(sig, "signal", "`signal` for a daemon's JVM: KILL or TERM (a HOST selector is always killed)")
		},
		build: func(ctx context.Context, c *harness.Cluster, pos []string) (fault.Fault, error) {
			daemon, err := daemonSelector(c, pos[0])
			if err != nil {
				return nil, err
			}
			if daemon {
				return fault.KillDaemon{Target: fault.Selector(pos[0]), Signal: sig.s}, nil
			}
			if sig.s != "KILL" {
				return nil, fmt.Errorf("kill %s: --signal %s applies to daemons; stop a host gracefully with `haharness stop-host %s`",
					pos[0], sig.s, pos[0])
			}
			return fault.KillHost{Target: fault.Selector(pos[0])}, nil
		}}.run(ctx, e, args)
}

func cmdStopHost(ctx context.Context, e *env, args []string) error {
	return faultCmd{name: "stop-host", min: 1, max: 1, what: "SELECTOR (e.g. hadoop001 or active-namenode)",
		build: func(_ context.Context, _ *harness.Cluster, pos []string) (fault.Fault, error) {
			return fault.StopHost{Target: fault.Selector(pos[0])}, nil
		}}.run(ctx, e, args)
}

func cmdFreeze(ctx context.Context, e *env, args []string) error {
	return faultCmd{name: "freeze", min: 1, max: 1, what: "SELECTOR (e.g. active-namenode, hadoop001/namenode, hadoop001)",
		build: func(_ context.Context, c *harness.Cluster, pos []string) (fault.Fault, error) {
			daemon, err := daemonSelector(c, pos[0])
			if err != nil {
				return nil, err
			}
			if daemon {
				return fault.FreezeDaemon{Target: fault.Selector(pos[0])}, nil
			}
			return fault.FreezeHost{Target: fault.Selector(pos[0])}, nil
		}}.run(ctx, e, args)
}

func groups(pos []string) [][]fault.Selector {
	var gs [][]fault.Selector
	for _, p := range pos {
		var g []fault.Selector
		for _, s := range strings.Split(p, ",") {
			if s = strings.TrimSpace(s); s != "" {
				g = append(g, fault.Selector(s))
			}
		}
		gs = append(gs, g)
	}
	return gs
}

func cmdPartition(ctx context.Context, e *env, args []string) error {
	var ports portsValue
	return faultCmd{name: "partition", min: 2, max: -1, what: "GROUPs: at least two, e.g. hadoop001 hadoop002,hadoop003",
		flags: func(fs *flag.FlagSet) {
			fs.Var(&ports, "ports", "cut only these TCP `ports`, e.g. 2181,2888,3888 (default: all traffic)")
		},
		build: func(_ context.Context, _ *harness.Cluster, pos []string) (fault.Fault, error) {
			return fault.Partition{Groups: groups(pos), Ports: ports}, nil
		}}.run(ctx, e, args)
}

func cmdDrop(ctx context.Context, e *env, args []string) error {
	var ports portsValue
	return faultCmd{name: "drop", min: 2, max: 2, what: "FROM and TO selectors",
		flags: func(fs *flag.FlagSet) {
			fs.Var(&ports, "ports", "drop only these TCP `ports` (default: all traffic)")
		},
		build: func(_ context.Context, _ *harness.Cluster, pos []string) (fault.Fault, error) {
			return fault.Drop{From: fault.Selector(pos[0]), To: fault.Selector(pos[1]), Ports: ports}, nil
		}}.run(ctx, e, args)
}

func cmdIsolate(ctx context.Context, e *env, args []string) error {
	return faultCmd{name: "isolate", min: 1, max: 1, what: "SELECTOR (e.g. hadoop001 or active-namenode)",
		build: func(_ context.Context, _ *harness.Cluster, pos []string) (fault.Fault, error) {
			return fault.Isolate{Target: fault.Selector(pos[0])}, nil
		}}.run(ctx, e, args)
}

func cmdDegrade(ctx context.Context, e *env, args []string) error {
	var delay, jitter time.Duration
	var loss float64
	return faultCmd{name: "degrade", min: 1, max: 1, what: "SELECTOR (e.g. hadoop001 or active-namenode)",
		flags: func(fs *flag.FlagSet) {
			fs.DurationVar(&delay, "delay", 0, "added delay per packet, e.g. 100ms")
			fs.DurationVar(&jitter, "jitter", 0, "delay jitter, e.g. 20ms")
			fs.Float64Var(&loss, "loss", 0, "share of packets dropped, in `percent` (0..100)")
		},
		build: func(_ context.Context, _ *harness.Cluster, pos []string) (fault.Fault, error) {
			return fault.Degrade{Target: fault.Selector(pos[0]), Delay: delay, Jitter: jitter, LossPercent: loss}, nil
		}}.run(ctx, e, args)
}

func cmdStartHost(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "start-host")
	name := nameFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1, "HOST (e.g. hadoop001)"); err != nil {
		return err
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	if err := c.HostAction(ctx, pos[0], fault.HostStart); err != nil {
		return fmt.Errorf("start host %s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "started %s (the container if stopped, then any daemon not running)\n", pos[0])
	return nil
}

func cmdResume(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "resume")
	name := nameFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1, "SELECTOR (e.g. hadoop001/namenode or hadoop001)"); err != nil {
		return err
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	ds, err := c.Resolve(ctx, fault.Selector(pos[0]))
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.Role == "" {
			if err := c.HostAction(ctx, d.Host, fault.HostUnpause); err != nil {
				return fmt.Errorf("unpause %s: %w", d.Host, err)
			}
			fmt.Fprintf(e.stdout, "resumed host %s\n", d.Host)
			continue
		}
		res, err := c.Shell(ctx, d.Host, fmt.Sprintf("pkill -CONT -f -- '-Dproc_%s( |$)'", d.Role))
		if err != nil {
			return fmt.Errorf("thaw %s: %w", d, err)
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("thaw %s: no %s JVM on %s (pkill exit %d)", d, d.Role.Short(), d.Host, res.ExitCode)
		}
		fmt.Fprintf(e.stdout, "resumed %s\n", d)
	}
	return nil
}
