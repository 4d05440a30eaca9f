package scenarios

import (
	"context"
	"time"

	"github.com/haharness/haharness/harness/fault"
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
