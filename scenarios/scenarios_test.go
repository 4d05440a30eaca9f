package scenarios

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haharness/haharness/scenarios/invariant"
)

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestCatalogueNamesAreKebabCaseAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		if !kebab.MatchString(s.Name) || seen[s.Name] {
			t.Errorf("bad or duplicate scenario name %q", s.Name)
		}
		seen[s.Name] = true
		if s.Steps == nil || s.Description == "" {
			t.Errorf("%s: no steps or description", s.Name)
		}
		got, err := Lookup(s.Name)
		if err != nil || got.Name != s.Name {
			t.Errorf("Lookup(%s) = %v, %v", s.Name, got.Name, err)
		}
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "kill-active-namenode") {
		t.Errorf("unknown scenario error must list the names: %v", err)
	}
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
	if a != b {
		t.Fatalf("same seed, different schedules:\n%s\n%s", a, b)
	}
	differs := false
	for seed := int64(1); seed < 20 && !differs; seed++ {
		differs = str(ChaosSchedule(seed, 6)) != a
	}
	if !differs {
		t.Fatal("schedule does not depend on the seed")
	}
	for _, s := range ChaosSchedule(7, 50) {
		if s.Hold < 3*time.Second || s.Hold >= 10*time.Second {
			t.Errorf("hold %v outside [3s, 10s)", s.Hold)
		}
	}
}

func TestFailoverBoundFollowsTiming(t *testing.T) {
	if b := FailoverBound(); b < 20*time.Second || b > 60*time.Second {
		t.Fatalf("bound %v out of a sensible range for the default timing", b)
	}
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
		if !strings.Contains(got, want) {
			t.Errorf("timeline lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "nn1 active -> active") != 0 || strings.Count(got, "STATE") != 2 {
		t.Errorf("unchanged samples must not be listed:\n%s", got)
	}
}
