package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// TestFaultSmoke checks each fault kind mechanically on the shared cluster
// (nn1 on hadoop001 and rm1 on hadoop002 active at the start): the
// effect check reports "not in effect" before injection (so it can fail),
// the effect is there after Inject, a control host is unaffected, and Heal
// restores the target. Targets avoid the active NameNode so the cluster
// stays usable between subtests; hadoop003 runs the standby rm2.
func TestFaultSmoke(t *testing.T) {
	tier(t, tierTest)
	c := shared.Get(t)
	const target, control, peer = "hadoop003", "hadoop002", "hadoop001"

	type smoke struct {
		name  string
		fault fault.Fault
		// effect reports whether the fault is in effect on host h, with what it saw.
		effect func(ctx context.Context, h string) (bool, string)
	}
	daemonState := func(r topology.Role, want func(p *harness.Process) bool) func(context.Context, string) (bool, string) {
		return func(ctx context.Context, h string) (bool, string) {
			ps, err := c.Processes(ctx, h)
			if err != nil {
				return false, err.Error()
			}
			i := slices.IndexFunc(ps, func(p harness.Process) bool { return p.Role == r })
			var p *harness.Process
			if i >= 0 {
				p = &ps[i]
			}
			return want(p), fmt.Sprintf("%s on %s: %+v", r, h, p)
		}
	}
	hostState := func(want ...string) func(context.Context, string) (bool, string) {
		return func(ctx context.Context, h string) (bool, string) {
			s, err := c.HostState(ctx, h)
			if err != nil {
				return false, err.Error()
			}
			return slices.Contains(want, s), "host " + h + " is " + s
		}
	}
	// cutFrom reports whether h cannot open a TCP connection to peer's port.
	cutFrom := func(port int) func(context.Context, string) (bool, string) {
		return func(ctx context.Context, h string) (bool, string) {
			res, err := c.Shell(ctx, h, fmt.Sprintf("nc -z -w 2 %s %d", peer, port))
			if err != nil {
				return false, err.Error()
			}
			return res.ExitCode != 0, fmt.Sprintf("%s -> %s:%d exit %d", h, peer, port, res.ExitCode)
		}
	}
	// Reachability and connect time are measured from the peer host, inside
	// the cluster network: from this process every connection goes through
	// a published port, whose proxy on the engine's host accepts even when
	// the container behind it is cut off.
	connectMillis := func(ctx context.Context, h string, timeoutSec int) (int, bool, string) {
		res, err := c.Shell(ctx, peer, fmt.Sprintf(
			"s=$(date +%%s%%N); nc -z -w %d %s %d; rc=$?; e=$(date +%%s%%N); echo $rc $(( (e-s)/1000000 ))", timeoutSec, h, config.PortJournalRPC))
		if err != nil {
			return 0, false, err.Error()
		}
		var rc, ms int
		if _, err := fmt.Sscan(res.Stdout, &rc, &ms); err != nil {
			return 0, false, fmt.Sprintf("parse %q: %v", res.Stdout, err)
		}
		return ms, rc == 0, fmt.Sprintf("%s -> %s:%d exit %d after %d ms", peer, h, config.PortJournalRPC, rc, ms)
	}
	unreachable := func(ctx context.Context, h string) (bool, string) {
		_, ok, saw := connectMillis(ctx, h, 2)
		return !ok, saw
	}
	slow := func(ctx context.Context, h string) (bool, string) {
		ms, ok, saw := connectMillis(ctx, h, 5)
		return ok && ms > 150, saw
	}

	// clockAhead reports whether the DataNode on h, a running daemon, reads
	// a clock over 5 minutes ahead: its web server's Date header, fetched
	// from the peer host (the true clock), against the peer's time.
	clockAhead := func(ctx context.Context, h string) (bool, string) {
		res, err := c.Shell(ctx, peer, fmt.Sprintf(
			`d=$(curl -s -I -m 5 http://%s:%d/jmx | tr -d '\r' | sed -n 's/^[Dd]ate: //p' | head -n 1); echo "$(date +%%s) $(date -d "$d" +%%s)"`, h, config.PortDataNodeHTTP))
		if err != nil {
			return false, err.Error()
		}
		var now, daemon int64
		if _, err := fmt.Sscan(res.Stdout, &now, &daemon); err != nil {
			return false, fmt.Sprintf("parse %q: %v", res.Combined(), err)
		}
		return daemon-now > 300, fmt.Sprintf("the DataNode on %s reads %+ds from %s's clock", h, daemon-now, peer)
	}

	smokes := []smoke{
		{"kill-daemon", fault.KillDaemon{Target: target + "/datanode"},
			daemonState(topology.DataNode, func(p *harness.Process) bool { return p == nil })},
		{"kill-daemon-term", fault.KillDaemon{Target: target + "/nodemanager", Signal: "TERM"},
			daemonState(topology.NodeManager, func(p *harness.Process) bool { return p == nil })},
		{"freeze-daemon", fault.FreezeDaemon{Target: target + "/resourcemanager"},
			daemonState(topology.ResourceManager, func(p *harness.Process) bool { return p != nil && p.Frozen })},
		{"kill-host", fault.KillHost{Target: target}, hostState("exited", "dead")},
		{"stop-host", fault.StopHost{Target: target}, hostState("exited")},
		{"freeze-host", fault.FreezeHost{Target: target}, hostState("paused")},
		{"partition", fault.Isolate{Target: target}, cutFrom(config.PortJournalRPC)},
		{"partition-ports", fault.Partition{Groups: [][]fault.Selector{{target}, {peer}}, Ports: []int{config.PortZooKeeper}},
			cutFrom(config.PortZooKeeper)},
		{"drop-one-way", fault.Drop{From: target, To: peer}, cutFrom(config.PortJournalRPC)},
		// Total loss makes the effect deterministic: no reply leaves the host.
		{"degrade-loss", fault.Degrade{Target: target, LossPercent: 100}, unreachable},
		{"skew-clock", fault.SkewClock{Target: target, Ahead: 10 * time.Minute}, clockAhead},
	}
	for _, s := range smokes {
		t.Run(s.name, func(t *testing.T) {
			ctx := t.Context()
			if on, saw := s.effect(ctx, target); on {
				t.Fatalf("effect check reports the fault before injection (%s): it cannot fail", saw)
			}
			in, err := c.Inject(ctx, s.fault)
			if err != nil {
				t.Fatal(err)
			}
			if on, saw := s.effect(ctx, target); !on {
				t.Errorf("not in effect after Inject: %s", saw)
			}
			if on, saw := s.effect(ctx, control); on {
				t.Errorf("control host affected: %s", saw)
			}
			if err := in.Heal(ctx); err != nil {
				t.Fatal(err)
			}
			if on, saw := s.effect(ctx, target); on {
				t.Errorf("still in effect after Heal: %s", saw)
			}
			if _, err := c.WaitReady(ctx); err != nil {
				t.Fatalf("cluster not HA ready after healing %s: %v", s.name, err)
			}
		})
	}
	// Delay needs the kernel's netem qdisc: measure it where there is one,
	// and expect the clear ErrNoNetem where there is not.
	t.Run("degrade-delay", func(t *testing.T) {
		ctx := t.Context()
		if on, saw := slow(ctx, target); on {
			t.Fatalf("slow before injection: %s", saw)
		}
		in, err := c.Inject(ctx, fault.Degrade{Target: target, Delay: 300 * time.Millisecond})
		if errors.Is(err, fault.ErrNoNetem) {
			t.Logf("this kernel has no netem: %v", err)
			if on, saw := slow(ctx, target); on {
				t.Errorf("a refused delay left something behind: %s", saw)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if on, saw := slow(ctx, target); !on {
			t.Errorf("not delayed: %s", saw)
		}
		if on, saw := slow(ctx, control); on {
			t.Errorf("control delayed: %s", saw)
		}
		if err := in.Heal(ctx); err != nil {
			t.Fatal(err)
		}
		if on, saw := slow(ctx, target); on {
			t.Errorf("still delayed after heal: %s", saw)
		}
	})
	// The partition-ports smoke must leave the JournalNode port open.
	t.Run("partition-ports-spares-other-ports", func(t *testing.T) {
		ctx := t.Context()
		in, err := c.Inject(ctx, fault.Partition{Groups: [][]fault.Selector{{target}, {peer}}, Ports: []int{config.PortZooKeeper}})
		if err != nil {
			t.Fatal(err)
		}
		defer in.Heal(context.WithoutCancel(ctx))
		if cut, saw := cutFrom(config.PortJournalRPC)(ctx, target); cut {
			t.Errorf("port %d cut by a ZooKeeper-only partition: %s", config.PortJournalRPC, saw)
		}
		if cut, saw := cutFrom(config.PortZooKeeper)(ctx, target); !cut {
			t.Errorf("ZooKeeper port not cut: %s", saw)
		}
	})
}
