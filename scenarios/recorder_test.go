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
}

func (f *fakeSampler) Topology() topology.Topology { return f.topo }

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

func rms(states ...string) harness.Status {
	var s harness.Status
	for i, st := range states {
		s.ResourceManagers = append(s.ResourceManagers, harness.ResourceManagerState{ID: fmt.Sprintf("rm%d", i+1), REST: st})
	}
	return s
}

func nns(states ...string) harness.Status {
	var s harness.Status
	for i, st := range states {
		s.NameNodes = append(s.NameNodes, harness.NameNodeState{ID: fmt.Sprintf("nn%d", i+1), JMX: st})
	}
	return s
}

func TestWaitFailoverWaitsForANewSingleActive(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Two actives at once, then none, are not a failover yet.
	f := &fakeStatus{statuses: []harness.Status{
		rms("ACTIVE", "ACTIVE"), rms("down", "STANDBY"), rms("down", "ACTIVE"),
	}}
	since := time.Now()
	to, took, err := WaitFailover(ctx, f, topology.ResourceManager, "rm1", since)
	require.NoError(t, err)
	assert.Equal(t, "rm2", to)
	assert.Positive(t, took)
	assert.Equal(t, 3, f.calls)
}

func TestWaitFailoverTimesOutWithTheLastStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	f := &fakeStatus{statuses: []harness.Status{nns("active", "standby")}}
	to, _, err := WaitFailover(ctx, f, topology.NameNode, "nn1", time.Now())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "failover away from nn1")
	assert.Equal(t, "nn1", to, "the active last seen")
}
