package scenarios

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
)

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestCatalogueNamesAreKebabCaseAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		assert.Regexp(t, kebab, s.Name, "bad scenario name %q", s.Name)
		assert.False(t, seen[s.Name], "duplicate scenario name %q", s.Name)
		seen[s.Name] = true
		assert.NotNil(t, s.Steps, "%s: no steps", s.Name)
		assert.NotEmpty(t, s.Description, "%s: no description", s.Name)
		got, err := Lookup(s.Name)
		assert.NoError(t, err, "Lookup(%s)", s.Name)
		assert.Equal(t, s.Name, got.Name, "Lookup(%s)", s.Name)
	}
	_, err := Lookup("nope")
	assert.ErrorContains(t, err, "kill-active-namenode", "unknown scenario error must list the names")
}

func TestChaosScheduleIsReplayableFromSeed(t *testing.T) {
	str := func(s []ChaosStep) string {
		var b strings.Builder
		for _, x := range s {
			b.WriteString(x.Fault.String() + " " + x.Hold.String() + "\n")
		}
		return b.String()
	}
	a, b := str(ChaosSchedule(42, 6)), str(ChaosSchedule(42, 6))
	require.Equal(t, a, b, "same seed, different schedules")
	differs := false
	for seed := int64(1); seed < 20 && !differs; seed++ {
		differs = str(ChaosSchedule(seed, 6)) != a
	}
	require.True(t, differs, "schedule does not depend on the seed")
	for _, s := range ChaosSchedule(7, 50) {
		assert.GreaterOrEqual(t, s.Hold, 3*time.Second, "hold %v outside [3s, 10s)", s.Hold)
		assert.Less(t, s.Hold, 10*time.Second, "hold %v outside [3s, 10s)", s.Hold)
	}
}

func TestFailoverBoundFollowsTiming(t *testing.T) {
	b := FailoverBound()
	require.GreaterOrEqual(t, b, 20*time.Second, "bound %v out of a sensible range for the default timing", b)
	require.LessOrEqual(t, b, 60*time.Second, "bound %v out of a sensible range for the default timing", b)
}

func TestTimelineShowsFaultsStateChangesAndFailures(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	h := invariant.History{Seed: 9, Scenario: "x"}
	h.Add(invariant.Event{Time: t0, Kind: invariant.KindState, Daemon: "nn1", Role: "namenode", State: "active"})
	h.Add(invariant.Event{Time: t0.Add(time.Second), Kind: invariant.KindFaultStart, Fault: "kill-daemon KILL active-namenode"})
	h.Add(invariant.Event{Time: t0.Add(1250 * time.Millisecond), Kind: invariant.KindState, Daemon: "nn1", Role: "namenode", State: "active"})
	h.Add(invariant.Event{Time: t0.Add(2 * time.Second), Kind: invariant.KindState, Daemon: "nn1", Role: "namenode", State: "down"})
	h.Add(invariant.Event{Time: t0.Add(3 * time.Second), Kind: invariant.KindOp, Op: "write", Key: "/k", Err: "boom"})
	r := &Result{Scenario: "x", Seed: 9, History: h}
	got := r.Timeline()
	for _, want := range []string{"FAULT  kill-daemon KILL active-namenode", "STATE  nn1 - -> active", "STATE  nn1 active -> down", "write /k failed: boom", "seed 9"} {
		assert.Contains(t, got, want, "timeline")
	}
	assert.NotContains(t, got, "nn1 active -> active", "unchanged samples must not be listed")
	assert.Equal(t, 2, strings.Count(got, "STATE"), "unchanged samples must not be listed:\n%s", got)
}
