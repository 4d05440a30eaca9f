package scenarios

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// fakeSampler answers the n-th probe of a daemon with states[daemon][n] (the
// last one repeats), as a failed probe when that state is down or frozen. It
// has no ZooKeeper: the lock reads as unknown.
type fakeSampler struct {
	topo   topology.Topology
	states map[topology.Daemon][]string

	mu           sync.Mutex
	probes       map[topology.Daemon]int
	zkNoDeadline bool // a ZooKeeper call came without a deadline
	apps         [][]observe.App
	appReads     int
}

func (f *fakeSampler) Topology() topology.Topology { return f.topo }

func (f *fakeSampler) Addons() addon.Catalog { return nil }

// Applications answers the n-th read with apps[n] (the last one repeats);
// none scripted: no ResourceManager answers.
func (f *fakeSampler) Applications(context.Context) ([]observe.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.apps) == 0 {
		return nil, errors.New("no resourcemanager")
	}
	n := f.appReads
	f.appReads++
	return f.apps[min(n, len(f.apps)-1)], nil
}

func (f *fakeSampler) ProbeHA(ctx context.Context, d topology.Daemon) (observe.HAState, error) {
	f.mu.Lock()
	n := f.probes[d]
	f.probes[d]++
	f.mu.Unlock()
	s := f.states[d]
	if len(s) == 0 {
		return observe.HAState{State: observe.StateUnknown}, fmt.Errorf("probe %s: no state scripted", d)
	}
	st := s[min(n, len(s)-1)]
	if st == observe.StateDown || st == observe.StateFrozen {
		return observe.HAState{State: st}, fmt.Errorf("probe %s: timeout", d)
	}
	return observe.HAState{State: st, Raw: st}, nil
}

func (f *fakeSampler) ZooKeeper(ctx context.Context) (*zk.Conn, error) {
	if _, ok := ctx.Deadline(); !ok {
		f.mu.Lock()
		f.zkNoDeadline = true
		f.mu.Unlock()
	}
	return nil, errors.New("no ensemble")
}

func TestRecorderSamplesEveryDaemonPerRoundWithOneTimestamp(t *testing.T) {
	topo := topology.Guide()
	nn := func(h string) topology.Daemon { return topology.Daemon{Host: h, Role: topology.NameNode} }
	rm := func(h string) topology.Daemon { return topology.Daemon{Host: h, Role: topology.ResourceManager} }
	// Round by round: nn1 is killed after two rounds and nn2 takes over;
	// rm2 freezes after the first round.
	f := &fakeSampler{
		topo: topo,
		states: map[topology.Daemon][]string{
			nn("hadoop001"): {observe.StateActive, observe.StateActive, observe.StateDown},
			nn("hadoop002"): {observe.StateStandby, observe.StateStandby, observe.StateActive},
			rm("hadoop002"): {observe.StateStandby},
			rm("hadoop003"): {observe.StateActive, observe.StateFrozen},
		},
		probes: map[topology.Daemon]int{},
	}
	want := func(round int) map[string]invariant.Event {
		at := func(s []string) string { return s[min(round, len(s)-1)] }
		ev := func(id string, r topology.Role, d topology.Daemon) invariant.Event {
			return invariant.Event{Kind: invariant.KindState, Daemon: id, Role: string(r), State: at(f.states[d])}
		}
		return map[string]invariant.Event{
			"nn1":     ev("nn1", topology.NameNode, nn("hadoop001")),
			"nn2":     ev("nn2", topology.NameNode, nn("hadoop002")),
			"rm1":     ev("rm1", topology.ResourceManager, rm("hadoop002")),
			"rm2":     ev("rm2", topology.ResourceManager, rm("hadoop003")),
			"nn-lock": {Kind: invariant.KindState, Daemon: "nn-lock", Role: "zk-lock", State: invariant.StateUnknown},
		}
	}
	const rounds = 4
	perRound := len(want(0))

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	h := &invariant.History{}
	rec := Record(ctx, f, h)
	err := poll.Until(ctx, fmt.Sprintf("%d sample rounds", rounds), 20*time.Millisecond, func(context.Context) (bool, string, error) {
		n := len(h.Sorted())
		return n >= rounds*perRound, fmt.Sprintf("%d state events", n), nil
	})
	rec.Stop()
	require.NoError(t, err)

	// A round is recorded whole or not at all (the one Stop cut short), so
	// the events fall into rounds of one timestamp each, in order.
	events := h.Sorted()
	require.Zero(t, len(events)%perRound, "a partly recorded round: %v", events)
	var times []time.Time
	byTime := map[time.Time]map[string]invariant.Event{}
	for _, e := range events {
		at := e.Time
		if byTime[at] == nil {
			byTime[at] = map[string]invariant.Event{}
			times = append(times, at)
		}
		_, dup := byTime[at][e.Daemon]
		assert.False(t, dup, "%s sampled twice at %v", e.Daemon, at)
		e.Time = time.Time{}
		byTime[at][e.Daemon] = e
	}
	require.GreaterOrEqual(t, len(times), rounds)
	assert.Len(t, times, len(events)/perRound, "every daemon of a round shares one timestamp")
	for i, at := range times {
		assert.Equal(t, want(i), byTime[at], "round %d at %v", i, at)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.False(t, f.zkNoDeadline, "the lock read must be bounded (lockTimeout)")
}

// fakeStatus returns statuses[n] on its n-th call; the last one repeats.
type fakeStatus struct {
	mu       sync.Mutex
	calls    int
	statuses []harness.Status
}

func (f *fakeStatus) Status(context.Context, harness.StatusOptions) (harness.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.statuses[min(f.calls, len(f.statuses)-1)]
	f.calls++
	return s, nil
}

// rms is a status of ResourceManagers rm1, rm2... in the REST states
// given, the YARN lock naming lock.
func rms(lock string, states ...string) harness.Status {
	s := harness.Status{ResourceManagerLock: lock}
	for i, st := range states {
		s.ResourceManagers = append(s.ResourceManagers, harness.ResourceManagerState{ID: fmt.Sprintf("rm%d", i+1), REST: st})
	}
	return s
}

// nns is a status of NameNodes nn1, nn2... in the JMX states given, the
// ZooKeeper lock naming lock.
func nns(lock string, states ...string) harness.Status {
	s := harness.Status{NameNodeLock: lock}
	for i, st := range states {
		s.NameNodes = append(s.NameNodes, harness.NameNodeState{ID: fmt.Sprintf("nn%d", i+1), JMX: st})
	}
	return s
}

func TestWaitFailoverWaitsForANewSettledActive(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Two actives at once (even with the lock on the new one), then none,
	// then a new active the lock does not name yet, are not a failover.
	f := &fakeStatus{statuses: []harness.Status{
		rms("rm2", "ACTIVE", "ACTIVE"), rms("", "down", "STANDBY"), rms("", "down", "ACTIVE"), rms("rm2", "down", "ACTIVE"),
	}}
	since := time.Now()
	to, took, err := WaitFailover(ctx, f, topology.ResourceManager, "rm1", since)
	require.NoError(t, err)
	assert.Equal(t, "rm2", to)
	assert.Positive(t, took)
	assert.Equal(t, 4, f.calls)
}

func TestWaitFailoverTimesOutWithTheLastStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	f := &fakeStatus{statuses: []harness.Status{nns("nn1", "active", "standby")}}
	to, _, err := WaitFailover(ctx, f, topology.NameNode, "nn1", time.Now())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "wait for namenode failover away from nn1: last state: nn1=active nn2=standby lock=nn1: nn1 is still the active")
	assert.Equal(t, "nn1", to, "the active last seen")
}

// An application started during the recording gets a lane of YARN's
// states with its attempt, then its final state; one started before the
// recording gets none.
func TestRecorderLanesOfApplications(t *testing.T) {
	now := time.Now().UnixMilli()
	old := observe.App{ID: "application_1_0001", State: "RUNNING", Started: now - 60_000}
	run := func(state string, attempts ...int) observe.App {
		a := observe.App{ID: "application_1_0002", State: state, FinalState: "UNDEFINED", Started: now}
		for _, n := range attempts {
			a.Attempts = append(a.Attempts, observe.AppAttempt{N: n})
		}
		return a
	}
	done := run("FINISHED", 1, 2)
	done.FinalState = "SUCCEEDED"
	f := &fakeSampler{topo: topology.Guide(), probes: map[topology.Daemon]int{}, apps: [][]observe.App{
		{old, run("ACCEPTED")}, {old, run("RUNNING", 1)}, {old, run("ACCEPTED", 1, 2)}, {old, run("RUNNING", 1, 2)}, {old, done}}}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	h := &invariant.History{}
	rec := Record(ctx, f, h)
	err := poll.Until(ctx, "the application's final state recorded", 20*time.Millisecond, func(context.Context) (bool, string, error) {
		ts := h.Transitions(RoleApplication)["application_1_0002"]
		return len(ts) > 0 && ts[len(ts)-1].To == "FINISHED/SUCCEEDED", fmt.Sprint(ts), nil
	})
	rec.Stop()
	require.NoError(t, err)
	lanes := h.Transitions(RoleApplication)
	assert.NotContains(t, lanes, "application_1_0001", "started before the recording")
	var states []string
	for _, tr := range lanes["application_1_0002"] {
		states = append(states, tr.To)
	}
	assert.Equal(t, []string{"ACCEPTED", "RUNNING#1", "ACCEPTED#2", "RUNNING#2", "FINISHED/SUCCEEDED"}, states)
}
