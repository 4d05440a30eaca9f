package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// journalNodeMinority is journalnode-minority-loss.
func journalNodeMinority(ctx context.Context, e *Env) error {
	in, err := e.Inject(ctx, fault.KillDaemon{Target: fault.JournalNodeMinority})
	if err != nil {
		return err
	}
	if err := e.W.WaitAcked(ctx, 5); err != nil {
		return fmt.Errorf("writes with a JournalNode minority down: %w", err)
	}
	e.Note("writes went on with %v down", in.Targets)
	if err := e.Heal(ctx, in); err != nil {
		return err
	}
	return e.Recover(ctx)
}

// journalNodeMajority is journalnode-majority-loss.
func journalNodeMajority(ctx context.Context, e *Env) error {
	in, err := e.Inject(ctx, fault.KillDaemon{Target: fault.JournalNodeMajority})
	if err != nil {
		return err
	}
	injected := time.Now()
	// Writes must stop: wait for a failed write.
	_, failed0, _ := e.W.Counts()
	err = poll.Until(ctx, "a write to fail", 500*time.Millisecond, func(context.Context) (bool, string, error) {
		a, f, last := e.W.Counts()
		return f > failed0, fmt.Sprintf("acked=%d failed=%d %s", a, f, last), nil
	})
	if err != nil {
		return err
	}
	// Hold past the journal write timeout so the active must give up.
	if err := poll.Sleep(ctx, time.Duration(config.Timing.JournalWriteTimeoutMS)*time.Millisecond+2*time.Second); err != nil {
		return err
	}
	healed := time.Now()
	if err := e.Heal(ctx, in); err != nil {
		return err
	}
	// No write invoked after the majority was gone may have been acknowledged.
	var bad []string
	for _, ev := range e.H.Sorted() {
		if ev.Kind == invariant.KindOp && ev.Op == invariant.OpWrite && ev.OK && ev.Start.After(injected) && ev.Time.Before(healed) {
			bad = append(bad, ev.Key)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("writes acknowledged without a JournalNode majority: %v", bad)
	}
	var downs []string
	for _, h := range e.C.Topology().On(topology.NameNode) {
		ps, _ := e.C.Processes(ctx, h)
		running := false
		for _, p := range ps {
			running = running || p.Role == topology.NameNode
		}
		if !running {
			downs = append(downs, e.C.Topology().NameNodeID(h))
		}
	}
	e.Note("with %v down, writes stopped; namenodes that exited: %v", in.Targets, downs)
	return e.Recover(ctx)
}
