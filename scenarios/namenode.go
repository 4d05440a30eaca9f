package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// failoverStory is the common shape of the NameNode failover scenarios:
// note the active, inject the fault built for it, wait for another
// NameNode to take over, check writes go on, heal, wait for HA ready.
func failoverStory(build func(e *Env, from string) fault.Fault) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		from, err := e.Active(ctx, topology.NameNode)
		if err != nil {
			return err
		}
		in, err := e.Inject(ctx, build(e, from))
		if err != nil {
			return err
		}
		if _, err := e.Failover(ctx, topology.NameNode, from, in); err != nil {
			return err
		}
		if err := e.W.WaitAcked(ctx, 3); err != nil {
			return fmt.Errorf("writes after failover: %w", err)
		}
		if err := e.Heal(ctx, in); err != nil {
			return err
		}
		return e.Recover(ctx)
	}
}

var (
	killActiveNameNode = failoverStory(func(*Env, string) fault.Fault {
		return fault.KillDaemon{Target: fault.ActiveNameNode}
	})
	killActiveNameNodeHost = failoverStory(func(*Env, string) fault.Fault {
		return fault.KillHost{Target: fault.ActiveNameNode}
	})
	// The active's host loses ZooKeeper (client, quorum and election ports)
	// but keeps every other port, the JournalNodes' included.
	partitionActiveFromZooKeeper = failoverStory(func(e *Env, from string) fault.Fault {
		return fault.Isolate{Target: fault.Selector(e.C.Topology().NameNodeHost(from)), Ports: ZooKeeperPorts}
	})
)

// freezeActiveNameNode is freeze-active-namenode (and its shell-fencing
// variant): freeze the active past the ZooKeeper session timeout, resume it,
// send it a write, and note what became of it.
func freezeActiveNameNode(ctx context.Context, e *Env) error {
	from, err := e.Active(ctx, topology.NameNode)
	if err != nil {
		return err
	}
	host := e.C.Topology().NameNodeHost(from)
	in, err := e.Inject(ctx, fault.FreezeDaemon{Target: fault.ActiveNameNode})
	if err != nil {
		return err
	}
	to, err := e.Failover(ctx, topology.NameNode, from, in)
	if err != nil {
		return err
	}
	// Stay frozen past the ZooKeeper session timeout, as in a long GC pause.
	if err := poll.Sleep(ctx, time.Duration(config.Timing.ZKSessionTimeoutMS)*time.Millisecond); err != nil {
		return err
	}
	if err := e.W.WaitAcked(ctx, 3); err != nil {
		return fmt.Errorf("writes through the new active %s: %w", to, err)
	}
	if err := e.Heal(ctx, in); err != nil {
		return err
	}
	// The resumed old active must not commit a write: send one to it alone.
	if err := probeOldActive(ctx, e, host, from); err != nil {
		return err
	}
	// What did Hadoop do with the old active? Wait until it settles: standby,
	// or its process gone (a probe that merely times out is not settled).
	var fate string
	err = poll.Until(ctx, from+" settles after resume", 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		st, _ := e.C.ProbeHA(ctx, topology.Daemon{Host: host, Role: topology.NameNode})
		fate = st.State
		return fate == observe.StateStandby || fate == observe.StateDown, fate, nil
	})
	if err != nil {
		return err
	}
	if fate == observe.StateDown {
		logs, _ := e.C.Logs(ctx, host, topology.NameNode, 400)
		e.Note("old active %s after resume: process gone (%s)", from, fateReason(logs))
	} else {
		e.Note("old active %s after resume: standby", from)
	}
	return e.Recover(ctx)
}

// fateReason names why a NameNode process ended, from its log.
func fateReason(logs string) string {
	for _, m := range []struct{ marker, why string }{
		{"is less than the last promised epoch", "JournalNodes rejected its old epoch, it exited"},
		{"flush failed for required journal", "edit flush to the JournalNodes failed, it exited"},
		{"Exiting with status 1", "it exited with status 1"},
	} {
		if strings.Contains(logs, m.marker) {
			return m.why
		}
	}
	return "killed: fenced (ssh + fuser -k) or SIGKILL, no exit logged"
}

// probeOldActive writes one file through a client pinned to the old active
// and records it with served-by, so NoSplitBrainWrites can judge it.
func probeOldActive(ctx context.Context, e *Env, host, id string) error {
	client, err := e.C.HDFSOn(host)
	key := e.Dir + "/split-brain-probe-" + id
	start := time.Now()
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = harness.WriteFile(pctx, client, key, []byte("written through the old active\n"))
		cancel()
		client.Close()
	}
	e.H.Add(invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: invariant.OpWrite, Key: key, Start: start,
		Value: "written through the old active\n", OK: err == nil, Err: errString(err), Note: "served-by=" + id})
	if err == nil {
		e.Note("split brain: write through the resumed old active %s was acknowledged", id)
		return nil // NoSplitBrainWrites fails the run
	}
	e.Note("write through the resumed old active %s refused: %s", id, firstLine(err.Error()))
	return nil
}
