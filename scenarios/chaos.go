package scenarios

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/internal/poll"
)

// ChaosStep is one entry of a chaos schedule.
type ChaosStep struct {
	Fault fault.Fault
	Hold  time.Duration
}

// ChaosSchedule derives the random-chaos schedule from a seed: the same
// seed gives the same faults, targets and hold times.
func ChaosSchedule(seed int64, steps int) []ChaosStep {
	r := newRand(seed)
	menu := []func() fault.Fault{
		func() fault.Fault { return fault.KillDaemon{Target: fault.ActiveNameNode} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.StandbyNameNode} },
		func() fault.Fault { return fault.FreezeDaemon{Target: fault.ActiveNameNode} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.ZooKeeperLeader} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.JournalNodeMinority} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.ActiveResourceManager} },
		func() fault.Fault { return fault.KillHost{Target: fault.StandbyNameNode} },
		// Loss only: delay needs netem, which some kernels lack (fault.ErrNoNetem).
		func() fault.Fault {
			return fault.Degrade{Target: fault.ActiveNameNode, LossPercent: float64(1 + r.IntN(5))}
		},
	}
	out := make([]ChaosStep, steps)
	for i := range out {
		f := menu[r.IntN(len(menu))]()
		out[i] = ChaosStep{Fault: f, Hold: time.Duration(3000+r.IntN(7000)) * time.Millisecond}
	}
	return out
}

// ChaosSteps is how many faults random-chaos injects.
const ChaosSteps = 4

// randomChaos is random-chaos: ChaosSteps faults of ChaosSchedule(seed),
// each held, healed and recovered from, with the workload running.
func randomChaos(ctx context.Context, e *Env) error {
	return runChaos(ctx, e, ChaosSchedule(e.H.Seed, ChaosSteps))
}

// runChaos injects, holds, heals and recovers from each step of sched.
func runChaos(ctx context.Context, e *Env, sched []ChaosStep) error {
	for i, s := range sched {
		e.Log.Info("chaos schedule", "step", i, "fault", s.Fault.String(), "hold", s.Hold)
	}
	var errs []error
	for i, s := range sched {
		in, err := e.Inject(ctx, s.Fault)
		if err != nil {
			errs = append(errs, fmt.Errorf("step %d: %w", i, err))
			continue
		}
		if err := poll.Sleep(ctx, s.Hold); err != nil {
			return err
		}
		if err := e.Heal(ctx, in); err != nil {
			return err
		}
		if err := e.Recover(ctx); err != nil {
			return fmt.Errorf("step %d (%s): recover: %w", i, s.Fault, err)
		}
	}
	if err := e.W.WaitAcked(ctx, 3); err != nil {
		return err
	}
	return errors.Join(errs...)
}
