package e2e

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios"
)

// TestHealConverges applies each fault kind, heals, and checks from the
// outside that nothing is left: every host running, no iptables rule of
// either chain, no netem qdisc, no frozen JVM, every daemon of the topology
// running, and HA ready. Each case runs HAHARNESS_HEAL_REPEAT times in a
// row (default 2, both ways of healing): odd rounds heal through the
// injecting handle (HealAll), even ones through a fresh Attach that knows
// nothing of the fault (what the CLI's `haharness heal` does).
func TestHealConverges(t *testing.T) {
	tier(t, tierLong)
	c := shared.Get(t)
	repeat := 2
	if v, err := strconv.Atoi(os.Getenv("HAHARNESS_HEAL_REPEAT")); err == nil && v > 0 {
		repeat = v
	}
	hold := time.Duration(config.Timing.ZKSessionTimeoutMS)*time.Millisecond + 2*time.Second
	cases := []struct {
		name   string
		faults []fault.Fault
	}{
		{"kill-active-namenode", []fault.Fault{fault.KillDaemon{Target: fault.ActiveNameNode}}},
		{"kill-active-namenode-host", []fault.Fault{fault.KillHost{Target: fault.ActiveNameNode}}},
		{"stop-standby-namenode-host", []fault.Fault{fault.StopHost{Target: fault.StandbyNameNode}}},
		{"freeze-active-namenode", []fault.Fault{fault.FreezeDaemon{Target: fault.ActiveNameNode}}},
		{"freeze-active-namenode-host", []fault.Fault{fault.FreezeHost{Target: fault.ActiveNameNode}}},
		// The isolated active loses its JournalNodes and ZooKeeper: the
		// NameNode shuts itself down at its first edit (the bug of issue 9).
		{"isolate-active-namenode", []fault.Fault{fault.Isolate{Target: fault.ActiveNameNode}}},
		{"partition-active-namenode-from-zookeeper", []fault.Fault{fault.Isolate{Target: fault.ActiveNameNode, Ports: scenarios.ZooKeeperPorts}}},
		{"drop-to-standby-namenode", []fault.Fault{fault.Drop{From: fault.ActiveNameNode, To: fault.StandbyNameNode}}},
		{"kill-journalnode-minority", []fault.Fault{fault.KillDaemon{Target: fault.JournalNodeMinority}}},
		{"kill-zookeeper-leader", []fault.Fault{fault.KillDaemon{Target: fault.ZooKeeperLeader}}},
		{"kill-active-resourcemanager", []fault.Fault{fault.KillDaemon{Target: fault.ActiveResourceManager, Signal: "TERM"}}},
		{"degrade-loss-active-namenode", []fault.Fault{fault.Degrade{Target: fault.ActiveNameNode, LossPercent: 30}}},
		{"freeze-standby-and-kill-journalnode-minority", []fault.Fault{
			fault.FreezeDaemon{Target: fault.StandbyNameNode}, fault.KillDaemon{Target: fault.JournalNodeMinority}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for round := 1; round <= repeat; round++ {
				ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
				for _, f := range tc.faults {
					in, err := c.Inject(ctx, f)
					require.NoError(t, err, "round %d: inject %s", round, f)
					t.Logf("round %d: injected %s => %v", round, f, in.Targets)
				}
				require.NoError(t, poll.Sleep(ctx, hold))
				healer, how := c, "HealAll"
				if round%2 == 0 {
					a, err := harness.Attach(ctx, c.Name(), nil)
					require.NoError(t, err)
					healer, how = a, "a fresh Attach's Heal"
				}
				rep, err := healer.Heal(ctx)
				require.NoError(t, err, "round %d: heal through %s", round, how)
				t.Logf("round %d: %s converged in %v (%d rounds): %s", round, how, rep.Took.Round(time.Millisecond), rep.Rounds,
					strings.Join(rep.Actions, "; "))
				require.Empty(t, healer.Active(), "round %d: faults still recorded as active after a converged heal", round)
				assertNothingLeft(ctx, t, c)
				if healer != c {
					// The injecting handle still holds its injection, as a
					// test process does after `haharness heal`: healing it
					// again is harmless and quick.
					require.NoError(t, c.HealAll(ctx), "round %d: heal an injection another process healed", round)
					require.Empty(t, c.Active())
				}
				cancel()
			}
		})
	}
}

// assertNothingLeft checks the cluster from the outside after a heal.
func assertNothingLeft(ctx context.Context, t *testing.T, c *harness.Cluster) {
	t.Helper()
	states, err := c.HostStates(ctx)
	require.NoError(t, err)
	for _, h := range c.Topology().Hosts {
		require.Equal(t, "running", states[h], "host %s", h)
		res, err := c.FaultResidue(ctx, h)
		require.NoError(t, err)
		require.True(t, res.Zero(), "fault residue on %s: %s", h, res)
		ps, err := c.Processes(ctx, h)
		require.NoError(t, err)
		for _, r := range c.Topology().RolesOf(h) {
			i := slices.IndexFunc(ps, func(p harness.Process) bool { return p.Role == r })
			require.GreaterOrEqual(t, i, 0, "%s/%s not running after heal (%v)", h, r, ps)
			require.False(t, ps[i].Frozen, "%s/%s still frozen after heal", h, r)
		}
	}
	s, err := c.Status(ctx, harness.StatusOptions{CLI: true})
	require.NoError(t, err)
	require.NoError(t, s.Ready(), "not HA ready right after a converged heal: %s", s)
}
