package scenarios

import (
	"context"
	"errors"
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

// ZooKeeperPorts are ZooKeeper's client, quorum and election ports.
var ZooKeeperPorts = []int{config.PortZooKeeper, 2888, 3888}

// All returns every scenario, in a stable order.
func All() []Scenario {
	return []Scenario{
		{
			Name:           "kill-active-namenode",
			Description:    "SIGKILL the active NameNode's JVM (its ZKFC lives on): the standby takes over; restart the old one as standby.",
			ExpectFailover: true,
			Steps:          killActiveNameNode,
		},
		{
			Name:           "kill-active-namenode-host",
			Description:    "Kill the active NameNode's whole host (power loss): ZooKeeper session expiry, fencing falls back to shell(/bin/true), the standby takes over.",
			ExpectFailover: true,
			Steps:          killActiveNameNodeHost,
		},
		{
			Name:           "freeze-active-namenode",
			Description:    "Freeze the active NameNode's JVM (SIGSTOP, a long GC pause) past the ZooKeeper session timeout, then resume it: the guide's brain-split case. The old active must not commit a write.",
			ExpectFailover: true,
			Steps:          freezeActiveNameNode,
		},
		{
			Name: "freeze-active-namenode-shell-fencing",
			Description: "The brain-split case with fencing shell(/bin/true) only, so nothing kills the frozen JVM: " +
				"on resume only the JournalNodes' epochs stand between the old active and a second writer. " +
				"Seen here: the resumed JVM reports itself active for a few hundred ms, then exits at its first edit; " +
				"the check allows such a stale claim up to the QJM write timeout + 5 s, and a write sent to it must fail.",
			ExpectFailover:   true,
			StaleActiveBound: time.Duration(config.Timing.JournalWriteTimeoutMS+5000) * time.Millisecond,
			Options:          []harness.Option{harness.WithFencing(config.FenceShell)},
			Steps:            freezeActiveNameNode,
		},
		{
			Name:           "partition-active-namenode-from-zookeeper",
			Description:    "Cut the active NameNode's host from the ZooKeeper majority (ports 2181/2888/3888 only; JournalNodes still reachable), then heal.",
			ExpectFailover: true,
			Steps:          partitionActiveFromZooKeeper,
		},
		{
			Name:        "kill-active-resourcemanager-during-job",
			Description: "Kill the active ResourceManager while a MapReduce job runs: the standby takes over and the job finishes (work-preserving recovery).",
			Steps:       killActiveResourceManagerDuringJob,
		},
		{
			Name:        "journalnode-minority-loss",
			Description: "Kill a JournalNode minority: writes go on.",
			Steps:       journalNodeMinority,
		},
		{
			Name: "journalnode-majority-loss",
			Description: "Kill a JournalNode majority: writes stop and nothing acknowledged is lost; after heal the cluster recovers. " +
				"Both NameNodes exit; on restart the new active must fence the old one, and sshfence can hang there " +
				"(JSch waits forever on its nc check), so this scenario fences with shell(/bin/true).",
			Options: []harness.Option{harness.WithFencing(config.FenceShell)},
			Steps:   journalNodeMajority,
		},
		{
			Name:        "kill-zookeeper-leader",
			Description: "Kill the ZooKeeper leader: the ensemble elects a new one and HDFS HA is unaffected (no failover, writes go on).",
			Steps:       killZooKeeperLeader,
		},
		{
			Name:        "zookeeper-quorum-loss",
			Description: "Kill a ZooKeeper majority: no failover can happen, the active NameNode keeps serving writes; heal restores the ensemble.",
			Steps:       zooKeeperQuorumLoss,
		},
		{
			Name:        "random-chaos",
			Description: "A seeded schedule of faults (kills, freezes, partitions, degraded links) with the workload running; the same seed replays the same schedule.",
			Steps:       randomChaos,
		},
	}
}

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
		_, err = e.C.WaitReady(ctx)
		return err
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
	return "killed: fenced by sshfence (fuser -k) or SIGKILL, no exit logged"
}

// probeOldActive writes one file through a client pinned to the old active
// and records it with served-by, so NoSplitBrainWrites can judge it.
func probeOldActive(ctx context.Context, e *Env, host, id string) error {
	client, err := e.C.HDFSOn(host)
	key := "/haharness/split-brain-probe-" + id
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

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func killActiveResourceManagerDuringJob(ctx context.Context, e *Env) error {
	from, err := e.Active(ctx, topology.ResourceManager)
	if err != nil {
		return err
	}
	client := e.C.Topology().On(topology.NodeManager)[0]
	job := fmt.Sprintf("rm -f /tmp/hh-job.rc; setsid nohup bash -c 'yarn jar %s pi 3 20000 > /tmp/hh-job.log 2>&1; echo $? > /tmp/hh-job.rc' >/dev/null 2>&1 &",
		config.ExamplesJar)
	if res, err := e.C.Shell(ctx, client, job); err != nil || res.ExitCode != 0 {
		return fmt.Errorf("submit job: %v %s", err, res.Combined())
	}
	rmHost := e.C.Topology().ResourceManagerHost(from)
	var appID string
	err = poll.Until(ctx, "job running on "+from, 500*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		apps, err := observe.Apps(ctx, e.C.Addr(rmHost, config.PortRMWeb))
		if err != nil {
			return false, err.Error(), nil
		}
		for _, a := range apps {
			if a.State == "RUNNING" {
				appID = a.ID
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("%d apps, none running", len(apps)), nil
	})
	if err != nil {
		return err
	}
	in, err := e.Inject(ctx, fault.KillDaemon{Target: fault.ActiveResourceManager})
	if err != nil {
		return err
	}
	if _, err := e.Failover(ctx, topology.ResourceManager, from, in); err != nil {
		return err
	}
	var rc string
	err = poll.Until(ctx, "job "+appID+" to finish", time.Second, func(ctx context.Context) (bool, string, error) {
		res, err := e.C.Shell(ctx, client, "cat /tmp/hh-job.rc 2>/dev/null")
		if err != nil {
			return false, "", err
		}
		rc = strings.TrimSpace(res.Stdout)
		return rc != "", "still running", nil
	})
	if err != nil {
		return err
	}
	out, _ := e.C.Shell(ctx, client, "tail -n 30 /tmp/hh-job.log")
	if rc != "0" || !strings.Contains(out.Stdout, "Estimated value of Pi") {
		return fmt.Errorf("job %s across the ResourceManager failover: exit %s\n%s", appID, rc, out.Stdout)
	}
	e.Note("job %s finished across the ResourceManager failover: %s", appID, firstLine(lastLine(out.Stdout)))
	if err := e.Heal(ctx, in); err != nil {
		return err
	}
	_, err = e.C.WaitReady(ctx)
	return err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

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
	_, err = e.C.WaitReady(ctx)
	return err
}

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
	_, err = e.C.WaitReady(ctx)
	return err
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
	_, err = e.C.WaitReady(ctx)
	return err
}

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

func randomChaos(ctx context.Context, e *Env) error {
	sched := ChaosSchedule(e.H.Seed, ChaosSteps)
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
