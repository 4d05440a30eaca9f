package invariant

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistoryAddConcurrent(t *testing.T) {
	var h History
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				h.Add(Event{Time: at(float64(i)), Kind: KindOp, Key: string(rune('a' + g))})
			}
		})
	}
	wg.Wait()
	require.Len(t, h.Events, 800)
	s := h.Sorted()
	assert.True(t, slices.IsSortedFunc(s, func(a, b Event) int { return a.Time.Compare(b.Time) }), "Sorted is not sorted by time")
}

func TestSortedIsStableAndACopy(t *testing.T) {
	h := History{Events: []Event{
		{Time: at(2), Kind: KindOp, Key: "c"},
		{Time: at(1), Kind: KindOp, Key: "a"},
		{Time: at(2), Kind: KindOp, Key: "d"},
		{Time: at(1), Kind: KindOp, Key: "b"},
	}}
	var keys []string
	for _, e := range h.Sorted() {
		keys = append(keys, e.Key)
	}
	assert.Equal(t, []string{"a", "b", "c", "d"}, keys, "Sorted keys")
	assert.Equal(t, "c", h.Events[0].Key, "Sorted reordered the history's own events")
}

func TestTransitions(t *testing.T) {
	h := load(t, "clean-failover.json")
	got := h.Transitions(RoleNameNode)
	want := map[string][]Transition{
		"nn1": {
			{Time: at(0), Daemon: "nn1", From: "", To: "active"},
			{Time: at(2.5), Daemon: "nn1", From: "active", To: "frozen"},
			{Time: at(15.5), Daemon: "nn1", From: "frozen", To: "standby"},
		},
		"nn2": {
			{Time: at(0), Daemon: "nn2", From: "", To: "standby"},
			{Time: at(10.5), Daemon: "nn2", From: "standby", To: "active"},
		},
	}
	assert.Equal(t, want, got, "Transitions(namenode)")
	rm := h.Transitions(RoleResourceManager)
	assert.Len(t, rm, 2, "Transitions(resourcemanager) = %+v, want one transition each for rm1 and rm2", rm)
	assert.Len(t, rm["rm1"], 1, "Transitions(resourcemanager) = %+v, want one transition each for rm1 and rm2", rm)
	assert.Len(t, rm["rm2"], 1, "Transitions(resourcemanager) = %+v, want one transition each for rm1 and rm2", rm)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	h := History{Seed: 42, Scenario: "round-trip"}
	h.Add(write(1, 2, "/k", "v", true, "served-by=nn1"))
	h.Add(sample(0, "nn1", "active"))
	h.Add(Event{Time: at(3), Kind: KindFaultStart, Fault: "freeze-daemon nn1/namenode"})
	path := filepath.Join(t.TempDir(), "history.json")
	require.NoError(t, h.Save(path))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(b), `"start"`), "start fields in the saved history (zero starts omitted):\n%s", b)
	got, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, int64(42), got.Seed, "Load = %+v", got)
	require.Equal(t, "round-trip", got.Scenario, "Load = %+v", got)
	require.Len(t, got.Events, 3, "Load = %+v", got)
	for i, e := range h.Sorted() {
		g := got.Events[i]
		assert.True(t, g.Time.Equal(e.Time), "event %d time = %v, want %v", i, g.Time, e.Time)
		assert.True(t, g.Start.Equal(e.Start), "event %d start = %v, want %v", i, g.Start, e.Start)
		assert.Equal(t, e.Kind, g.Kind, "event %d kind", i)
		assert.Equal(t, e.Daemon, g.Daemon, "event %d daemon", i)
		assert.Equal(t, e.Key, g.Key, "event %d key", i)
		assert.Equal(t, e.OK, g.OK, "event %d ok", i)
		assert.Equal(t, e.Note, g.Note, "event %d note", i)
		assert.Equal(t, e.Fault, g.Fault, "event %d fault", i)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string // "" for a missing file
		want    string
	}{
		{"missing file", "", "load history: open"},
		{"not json", "{", "parse history"},
		{"unknown field", `{"seed": 1, "scenario": "s", "events": [{"time": "2025-06-01T10:00:00Z", "kind": "state", "daemonn": "nn1"}]}`, `unknown field "daemonn"`},
		{"unknown kind", `{"seed": 1, "scenario": "s", "events": [{"time": "2025-06-01T10:00:00Z", "kind": "sample"}]}`, `event 0: unknown kind "sample"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if tt.content != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o644))
			}
			_, err := Load(path)
			assert.ErrorContains(t, err, tt.want, "Load")
		})
	}
}
