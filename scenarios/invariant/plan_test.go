package invariant

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// staleClaim is a shell-fenced freeze of nn1: nn2 takes over, and the
// resumed nn1 claims active for 400 ms beside it until its first edit is
// rejected.
func staleClaim() History {
	h := History{Seed: 7, Scenario: "freeze-active-namenode-shell-fencing"}
	for _, e := range []Event{
		sample(0, "nn1", "active"), sample(0, "nn2", "standby"),
		fault(1, KindFaultStart, "freeze-daemon => nn1"),
		sample(2, "nn1", "frozen"), sample(2, "nn2", "standby"),
		sample(8, "nn1", "frozen"), sample(8, "nn2", "active"),
		write(9, 9.5, "/d/w-1", "a", true, "served-by=nn2"),
		write(10, 10.5, "/d/w-2", "b", true, "served-by=nn2"),
		fault(41, KindFaultEnd, "freeze-daemon => nn1"),
		sample(41.5, "nn1", "active"), sample(41.5, "nn2", "active"),
		sample(41.9, "nn1", "down"), sample(41.9, "nn2", "active"),
		read(50, 50.1, "/d/w-1", "a"), read(50, 50.1, "/d/w-2", "b"),
	} {
		h.Add(e)
	}
	return h
}

// A plan of every kind of check, with monotonic clock readings in its
// times as a live run's have them.
func everyCheck() Plan {
	now := time.Now()
	return Plan{
		{Check: CheckStaleActiveWithin, Role: RoleNameNode, Bound: 15 * time.Second},
		{Check: CheckSingleActive, Role: RoleNameNode},
		{Check: CheckSingleActiveOutside, Role: RoleNameNode, Bound: 5 * time.Second, Faults: []string{"freeze-daemon => nn1"}},
		{Check: CheckNoSplitBrainWrites},
		{Check: CheckNoLostAcknowledgedWrites},
		{Check: CheckFilesIntact},
		{Check: CheckFailoverWithin, Role: RoleNameNode, Bound: 33 * time.Second},
		{Check: CheckFailoverWithin, Role: RoleNameNode, Bound: 33 * time.Second, Faults: []string{"freeze-daemon => nn1"}, Of: "items with failover: namenode"},
		{Check: CheckNoFailover, Role: RoleNameNode, Initial: "nn1"},
		{Check: CheckWritesDuring, Fault: "freeze", From: at(1), To: at(41), Acknowledged: "some", AtLeast: 2},
		{Check: CheckWritesDuring, Fault: "later", From: now.Add(-1250 * time.Millisecond), To: now, Acknowledged: "some", AtLeast: 3},
		Recorded(Result{Check: "logs", Verdict: Pass, Details: []string{`nn2/namenode: "x" found=true`}}),
		{Check: "from-a-newer-haharness"},
	}
}

func TestJudgePlan(t *testing.T) {
	h := staleClaim()
	rs := Judge(h, everyCheck())
	require.Len(t, rs, len(everyCheck()))
	want := []Verdict{Pass, Fail, Pass, Pass, Pass, Inconclusive, Pass, Pass, Fail, Pass, Fail, Pass, Inconclusive}
	for i, r := range rs {
		assert.Equal(t, want[i], r.Verdict, "check %d: %s", i, r)
	}
	assert.Equal(t, "stale-active-within 15s namenode", rs[0].Check)
	assert.Contains(t, rs[0].Details[0], "a stale claim, within the bound")
	assert.Equal(t, "failover-within 33s namenode (items with failover: namenode)", rs[7].Check)
	assert.Equal(t, "logs", rs[11].Check, "a recorded check gives its result")
	assert.Contains(t, rs[12].Details[0], "unknown check")
}

// A plan and its results survive the History's JSON round trip, and the
// saved History judged again with its saved plan gives the saved results.
func TestJudgementRoundTrip(t *testing.T) {
	h := staleClaim()
	plan := everyCheck()
	h.Judgement = &Judgement{Plan: plan, Results: Judge(h, plan)}
	path := filepath.Join(t.TempDir(), "history.json")
	require.NoError(t, h.Save(path))
	got, err := Load(path)
	require.NoError(t, err)
	require.NotNil(t, got.Judgement)
	want, err := json.Marshal(h.Judgement)
	require.NoError(t, err)
	b, err := json.Marshal(got.Judgement)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(b))
	again := Judge(got, got.Judgement.Plan)
	require.Len(t, again, len(h.Judgement.Results))
	for i, r := range again {
		assert.True(t, Same(h.Judgement.Results[i], r), "check %d: run %s, re-judged %s", i, h.Judgement.Results[i], r)
	}
}

// A History saved before runs kept their judgement still loads, without one.
func TestLoadWithoutJudgement(t *testing.T) {
	h := load(t, "clean-failover.json")
	assert.Nil(t, h.Judgement)
	assert.NotEmpty(t, h.Events)
}
