package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// ZooKeeperPorts are ZooKeeper's client, quorum and election ports.
var ZooKeeperPorts = []int{config.PortZooKeeper, 2888, 3888}

// killZooKeeperLeader is kill-zookeeper-leader.
func killZooKeeperLeader(ctx context.Context, e *Env) error {
	from, err := e.Active(ctx, topology.NameNode)
	if err != nil {
		return err
	}
	in, err := e.Inject(ctx, fault.KillDaemon{Target: fault.ZooKeeperLeader})
	if err != nil {
		return err
	}
	var leader string
	err = poll.Until(ctx, "new zookeeper leader", 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		s, err := e.C.Status(ctx, harness.StatusOptions{})
		if err != nil {
			return false, "", err
		}
		leader = s.ZooKeeperLeader()
		return leader != "" && !strings.HasPrefix(in.Targets[0], leader+"/"), s.String(), nil
	})
	if err != nil {
		return err
	}
	e.Note("zookeeper re-elected: %s leads after %v was killed", leader, in.Targets)
	if err := e.W.WaitAcked(ctx, 3); err != nil {
		return err
	}
	if err := sameActive(ctx, e, from); err != nil {
		return err
	}
	if err := e.Heal(ctx, in); err != nil {
		return err
	}
	return e.Recover(ctx)
}

// sameActive checks that from is still the active NameNode and that no other
// NameNode was sampled active since the History began.
func sameActive(ctx context.Context, e *Env, from string) error {
	now, err := e.Active(ctx, topology.NameNode)
	if err != nil {
		return err
	}
	if now != from {
		return fmt.Errorf("active namenode changed from %s to %s", from, now)
	}
	for _, ev := range e.H.Sorted() {
		if ev.Kind == invariant.KindState && ev.Role == invariant.RoleNameNode && ev.State == invariant.StateActive && ev.Daemon != from {
			return fmt.Errorf("%s was sampled active at %s although %s should have stayed active", ev.Daemon, ev.Time.Format(time.RFC3339Nano), from)
		}
	}
	return nil
}

// zooKeeperQuorumLoss is zookeeper-quorum-loss.
func zooKeeperQuorumLoss(ctx context.Context, e *Env) error {
	from, err := e.Active(ctx, topology.NameNode)
	if err != nil {
		return err
	}
	in, err := e.Inject(ctx, fault.KillDaemon{Target: fault.ZooKeeperMajority})
	if err != nil {
		return err
	}
	// Past two session timeouts: every ZKFC session is gone.
	if err := poll.Sleep(ctx, 2*time.Duration(config.Timing.ZKSessionTimeoutMS)*time.Millisecond); err != nil {
		return err
	}
	if err := e.W.WaitAcked(ctx, 3); err != nil {
		return fmt.Errorf("writes without a zookeeper quorum: %w", err)
	}
	if err := sameActive(ctx, e, from); err != nil {
		return err
	}
	e.Note("without a zookeeper quorum (%v down) %s stayed active and kept acknowledging writes", in.Targets, from)
	if err := e.Heal(ctx, in); err != nil {
		return err
	}
	return e.Recover(ctx)
}
