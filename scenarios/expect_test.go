package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func state(s float64, d, st string) invariant.Event {
	return invariant.Event{Time: at(s), Kind: invariant.KindState, Role: invariant.RoleNameNode, Daemon: d, State: st}
}

func write(start, end float64, key string, ok bool) invariant.Event {
	return invariant.Event{Time: at(end), Start: at(start), Kind: invariant.KindOp, Op: invariant.OpWrite, Key: key, OK: ok}
}

func TestNoFailover(t *testing.T) {
	h := invariant.History{Events: []invariant.Event{state(0, "nn1", "active"), state(0, "nn2", "standby"), state(1, "nn1", "active")}}
	assert.Equal(t, invariant.Pass, NoFailover(h, invariant.RoleNameNode, "nn1").Verdict)
	h.Add(state(2, "nn2", "active"))
	r := NoFailover(h, invariant.RoleNameNode, "nn1")
	assert.Equal(t, invariant.Fail, r.Verdict)
	assert.Contains(t, r.Details[0], "nn2 sampled active")
	assert.Equal(t, invariant.Inconclusive, NoFailover(invariant.History{}, invariant.RoleNameNode, "nn1").Verdict)
}

func TestWritesDuring(t *testing.T) {
	h := invariant.History{Events: []invariant.Event{
		write(9, 11, "/d/w-1", true),   // begun before the fault was in effect: not judged
		write(12, 13, "/d/w-2", false), // refused
		write(14, 31, "/d/w-3", true),  // ended after the heal began: not judged
	}}
	from, to := at(10), at(30)
	assert.Equal(t, invariant.Pass, WritesDuring(h, "jn", from, to, "none", 0).Verdict)
	r := WritesDuring(h, "jn", from, to, "some", 1)
	assert.Equal(t, invariant.Fail, r.Verdict)
	assert.Contains(t, r.Details[0], "0 of 1 write(s) begun while jn was in (20s) acknowledged, want at least 1")
	h.Add(write(15, 16, "/d/w-4", true))
	r = WritesDuring(h, "jn", from, to, "none", 0)
	assert.Equal(t, invariant.Fail, r.Verdict)
	assert.Contains(t, r.Details[0], "w-4")
	assert.Equal(t, invariant.Pass, WritesDuring(h, "jn", from, to, "some", 1).Verdict)
	assert.Equal(t, invariant.Inconclusive, WritesDuring(h, "jn", time.Time{}, to, "some", 1).Verdict, "a fault not injected cannot be judged")
}

func TestOnlyFaults(t *testing.T) {
	h := invariant.History{Events: []invariant.Event{
		{Time: at(1), Kind: invariant.KindFaultStart, Fault: "a"}, {Time: at(2), Kind: invariant.KindFaultStart, Fault: "b"},
		state(3, "nn2", "active"),
	}}
	got := OnlyFaults(h, []string{"b"})
	require.Len(t, got.Events, 2)
	assert.Equal(t, "b", got.Events[0].Fault)
}

// Every built-in scenario file loads, and every scenario the catalogue
// held in Go before it moved to files is still there.
func TestBuiltInFiles(t *testing.T) {
	files, err := FileScenarios()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 15)
	names := map[string]bool{}
	for _, sc := range files {
		names[sc.Name] = true
		require.NotNil(t, sc.File)
		assert.NotEmpty(t, sc.File.Schedule, "%s: empty schedule", sc.Name)
		assert.Equal(t, spec.APIVersion, sc.File.APIVersion)
	}
	for _, n := range []string{"kill-active-namenode", "kill-active-namenode-host", "freeze-active-namenode",
		"freeze-active-namenode-shell-fencing", "partition-active-namenode-from-zookeeper", "kill-active-resourcemanager-during-job",
		"journalnode-minority-loss", "journalnode-majority-loss", "kill-zookeeper-leader", "zookeeper-quorum-loss"} {
		assert.True(t, names[n], "%s is missing", n)
	}
	bugs := 0
	for _, sc := range files {
		if len(sc.File.References) > 0 {
			bugs++
			assert.Contains(t, sc.Description, "["+sc.File.References[0].ID+"]")
		}
	}
	assert.GreaterOrEqual(t, bugs, 5, "scenarios named after real bugs")
}
