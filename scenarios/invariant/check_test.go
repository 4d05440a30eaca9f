package invariant

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T, name string) History {
	t.Helper()
	h, err := Load(filepath.Join("testdata", name))
	require.NoError(t, err)
	return h
}

// assertSlicesEqual asserts slices.Equal(want, got): same elements in the
// same order, with nil and empty alike.
func assertSlicesEqual[T any](t *testing.T, want, got []T, msgAndArgs ...any) bool {
	t.Helper()
	if len(want) == 0 {
		return assert.Empty(t, got, msgAndArgs...)
	}
	return assert.Equal(t, want, got, msgAndArgs...)
}

func TestChecksOnFixtures(t *testing.T) {
	singleNN := func(h History) Result { return SingleActive(h, RoleNameNode) }
	singleRM := func(h History) Result { return SingleActive(h, RoleResourceManager) }
	within := func(role string, bound time.Duration) func(History) Result {
		return func(h History) Result { return FailoverWithin(h, role, bound) }
	}
	tests := []struct {
		fixture string
		check   string // groups rows: every check must pass on one fixture and fail on another
		fn      func(History) Result
		want    Verdict
		detail  string // substring of the joined details
	}{
		{"clean-failover.json", "single-active", singleNN, Pass, ""},
		{"clean-failover.json", "single-active", singleRM, Pass, ""},
		{"split-brain.json", "single-active", singleNN, Fail,
			"nn1 and nn2 both active from 2025-06-01T10:00:10.500Z to 2025-06-01T10:00:12.000Z (1.5s)"},
		{"lost-write.json", "single-active", singleNN, Inconclusive, "no state sample of a namenode"},
		{"slow-failover.json", "single-active", singleNN, Pass, ""},
		{"never-failover.json", "single-active", singleNN, Pass, ""},

		{"clean-failover.json", "no-split-brain-writes", NoSplitBrainWrites, Pass, ""},
		{"split-brain.json", "no-split-brain-writes", NoSplitBrainWrites, Fail,
			"write of /ha/a acknowledged at 2025-06-01T10:00:11.000Z by superseded nn1: it started at 2025-06-01T10:00:10.600Z, after nn2 became active at 2025-06-01T10:00:09.000Z"},
		{"lost-write.json", "no-split-brain-writes", NoSplitBrainWrites, Inconclusive, "no op says which NameNode served it"},

		{"clean-failover.json", "no-lost-acknowledged-writes", NoLostAcknowledgedWrites, Pass, "2 acknowledged keys read back"},
		{"split-brain.json", "no-lost-acknowledged-writes", NoLostAcknowledgedWrites, Pass, ""},
		{"lost-write.json", "no-lost-acknowledged-writes", NoLostAcknowledgedWrites, Fail,
			`key /ha/a: write of "alpha" acknowledged at 2025-06-01T10:00:01.000Z, but the read at 2025-06-01T10:00:06.000Z found nothing (lost)`},
		{"corrupt-read.json", "no-lost-acknowledged-writes", NoLostAcknowledgedWrites, Fail,
			`key /ha/a: write of "alpha-2" acknowledged at 2025-06-01T10:00:02.000Z, but the read at 2025-06-01T10:00:06.000Z read "alpha" (corrupt)`},
		{"indeterminate-write.json", "no-lost-acknowledged-writes", NoLostAcknowledgedWrites, Pass, "2 acknowledged keys read back"},
		{"slow-failover.json", "no-lost-acknowledged-writes", NoLostAcknowledgedWrites, Inconclusive, "no acknowledged write"},

		{"clean-failover.json", "failover-within", within(RoleNameNode, 20*time.Second), Pass,
			`fault "freeze-daemon hadoop001/namenode" at 2025-06-01T10:00:02.000Z: failover from nn1 to nn2 took 8.5s`},
		{"clean-failover.json", "failover-within", within(RoleNameNode, 5*time.Second), Fail, "took 8.5s, more than 5s"},
		{"clean-failover.json", "failover-within", within(RoleResourceManager, 20*time.Second), Inconclusive,
			"no failover from rm1, but the fault lasted only 13s, less than 20s; not measured"},
		{"split-brain.json", "failover-within", within(RoleNameNode, 20*time.Second), Pass, "took 7s"},
		{"slow-failover.json", "failover-within", within(RoleNameNode, 20*time.Second), Fail,
			`fault "kill-daemon hadoop001/namenode" at 2025-06-01T10:00:02.000Z: failover from nn1 to nn2 took 40s, more than 20s`},
		{"slow-failover.json", "failover-within", within(RoleNameNode, time.Minute), Pass, "took 40s"},
		{"never-failover.json", "failover-within", within(RoleNameNode, 20*time.Second), Fail,
			"no namenode other than nn1 became active in the 38s until it was healed at 2025-06-01T10:00:40.000Z"},
		{"lost-write.json", "failover-within", within(RoleNameNode, 20*time.Second), Inconclusive, "no fault injected"},
	}
	seen := map[string][]Verdict{}
	for _, tt := range tests {
		res := tt.fn(load(t, tt.fixture))
		t.Run(tt.fixture+"/"+res.Check, func(t *testing.T) {
			assert.Equal(t, tt.want, res.Verdict, "verdict; result: %s", res)
			assert.Contains(t, strings.Join(res.Details, "; "), tt.detail, "details")
			if res.Verdict != Pass {
				assert.NotEmpty(t, res.Details, "%s result without details", res.Verdict)
			}
		})
		seen[tt.check] = append(seen[tt.check], res.Verdict)
	}
	for check, verdicts := range seen {
		assert.Contains(t, verdicts, Pass, "check %s is not shown to pass", check)
		assert.Contains(t, verdicts, Fail, "check %s is not shown to fail", check)
	}
}

var t0 = time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func sample(sec float64, daemon, state string) Event {
	return Event{Time: at(sec), Kind: KindState, Daemon: daemon, Role: RoleNameNode, State: state}
}

func TestSingleActive(t *testing.T) {
	tests := []struct {
		name    string
		events  []Event
		want    Verdict
		details []string
	}{
		{
			name:   "swap in one round is no overlap",
			events: []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"), sample(1, "nn2", "active"), sample(1, "nn1", "standby")},
			want:   Pass,
		},
		{
			name:   "frozen old active is not active",
			events: []Event{sample(0, "nn1", "active"), sample(1, "nn1", "frozen"), sample(2, "nn2", "active"), sample(3, "nn1", "standby")},
			want:   Pass,
		},
		{
			name:   "down, unknown and observer are not active",
			events: []Event{sample(0, "nn1", "active"), sample(1, "nn2", "observer"), sample(1, "nn3", "unknown"), sample(2, "nn1", "down"), sample(3, "nn2", "active")},
			want:   Pass,
		},
		{
			name:    "frozen active seen active again while the other is active",
			events:  []Event{sample(0, "nn1", "active"), sample(1, "nn1", "frozen"), sample(2, "nn2", "active"), sample(3, "nn1", "active"), sample(4, "nn1", "standby")},
			want:    Fail,
			details: []string{"nn1 and nn2 both active from 2025-06-01T10:00:03.000Z to 2025-06-01T10:00:04.000Z (1s)"},
		},
		{
			name:    "stale sample counts until the next one",
			events:  []Event{sample(0, "nn1", "active"), sample(2, "nn2", "active"), sample(2.5, "nn1", "standby")},
			want:    Fail,
			details: []string{"nn1 and nn2 both active from 2025-06-01T10:00:02.000Z to 2025-06-01T10:00:02.500Z (500ms)"},
		},
		{
			name: "overlap open at the end of the history",
			events: []Event{sample(0, "nn2", "active"), sample(1, "nn1", "active"),
				{Time: at(5), Kind: KindOp, Op: OpRead, Key: "/k", OK: true}},
			want:    Fail,
			details: []string{"nn1 and nn2 both active from 2025-06-01T10:00:01.000Z until the end of the history at 2025-06-01T10:00:05.000Z (4s)"},
		},
		{
			name: "three actives name every pair, windows in order",
			events: []Event{sample(0, "nn1", "active"), sample(1, "nn2", "active"), sample(2, "nn3", "active"),
				sample(3, "nn1", "standby"), sample(4, "nn3", "standby"), sample(5, "nn2", "active")},
			want: Fail,
			details: []string{
				"nn1 and nn2 both active from 2025-06-01T10:00:01.000Z to 2025-06-01T10:00:03.000Z (2s)",
				"nn1 and nn3 both active from 2025-06-01T10:00:02.000Z to 2025-06-01T10:00:03.000Z (1s)",
				"nn2 and nn3 both active from 2025-06-01T10:00:02.000Z to 2025-06-01T10:00:04.000Z (2s)",
			},
		},
		{
			name:   "other role ignored",
			events: []Event{sample(0, "nn1", "active"), {Time: at(1), Kind: KindState, Daemon: "rm1", Role: RoleResourceManager, State: "active"}},
			want:   Pass,
		},
		{
			name:    "no samples",
			events:  []Event{{Time: at(1), Kind: KindState, Daemon: "rm1", Role: RoleResourceManager, State: "active"}},
			want:    Inconclusive,
			details: []string{"no state sample of a namenode"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SingleActive(History{Events: tt.events}, RoleNameNode)
			assert.Equal(t, "single-active namenode", got.Check, "SingleActive = %#v", got)
			assert.Equal(t, tt.want, got.Verdict, "SingleActive = %#v", got)
			assertSlicesEqual(t, tt.details, got.Details, "SingleActive = %#v", got)
		})
	}
}

func write(start, end float64, key, value string, ok bool, note string) Event {
	return Event{Time: at(end), Start: at(start), Kind: KindOp, Op: OpWrite, Key: key, Value: value, OK: ok, Note: note}
}

func read(start, end float64, key, value string) Event {
	return Event{Time: at(end), Start: at(start), Kind: KindOp, Op: OpRead, Key: key, Value: value, OK: true}
}

func TestNoSplitBrainWrites(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		want   Verdict
		detail string
	}{
		{
			name: "failback to the first NameNode",
			events: []Event{sample(0, "nn1", "active"), sample(1, "nn1", "down"), sample(2, "nn2", "active"),
				sample(3, "nn2", "down"), sample(3, "nn1", "standby"), sample(4, "nn1", "active"),
				write(5, 6, "/k", "v", true, "served-by=nn1")},
			want: Pass,
		},
		{
			name: "unacknowledged write from the old active is fine",
			events: []Event{sample(0, "nn1", "active"), sample(2, "nn2", "active"), sample(2, "nn1", "frozen"),
				write(3, 6, "/k", "v", false, "served-by=nn1")},
			want: Pass,
		},
		{
			name: "write started before the takeover is fine",
			events: []Event{sample(0, "nn1", "active"), sample(2, "nn2", "active"), sample(2, "nn1", "frozen"),
				write(1.5, 6, "/k", "v", true, "served-by=nn1")},
			want: Pass,
		},
		{
			name: "note among other tokens",
			events: []Event{sample(0, "nn1", "active"), sample(2, "nn2", "active"), sample(2, "nn1", "frozen"),
				write(3, 6, "/k", "v", true, "attempt=2, served-by=nn1 retried")},
			want:   Fail,
			detail: "by superseded nn1",
		},
		{
			name:   "no served-by note",
			events: []Event{sample(0, "nn1", "active"), write(3, 6, "/k", "v", true, "")},
			want:   Inconclusive,
			detail: "no op says which NameNode served it",
		},
		{
			name:   "no active NameNode",
			events: []Event{sample(0, "nn1", "standby"), write(3, 6, "/k", "v", true, "served-by=nn1")},
			want:   Inconclusive,
			detail: "no NameNode was ever sampled active",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NoSplitBrainWrites(History{Events: tt.events})
			assert.Equal(t, tt.want, got.Verdict, "NoSplitBrainWrites = %s", got)
			assert.Contains(t, strings.Join(got.Details, "; "), tt.detail, "NoSplitBrainWrites = %s", got)
		})
	}
}

func TestNoLostAcknowledgedWrites(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		want   Verdict
		detail string
	}{
		{
			name:   "overlapping acknowledged writes may land in either order",
			events: []Event{write(0, 2, "/k", "a", true, ""), write(1, 3, "/k", "b", true, ""), read(4, 5, "/k", "a")},
			want:   Pass,
		},
		{
			name:   "read concurrent with the write is not checked",
			events: []Event{write(0, 2, "/k", "a", true, ""), read(1, 3, "/k", ""), read(4, 5, "/k", "a")},
			want:   Pass,
		},
		{
			name:   "indeterminate write started after the read is not allowed",
			events: []Event{write(0, 1, "/k", "a", true, ""), read(2, 3, "/k", "b"), write(4, 5, "/k", "b", false, "")},
			want:   Fail,
			detail: `read "b" (corrupt)`,
		},
		{
			name:   "every wrong read is counted",
			events: []Event{write(0, 1, "/k", "a", true, ""), read(2, 3, "/k", ""), read(4, 5, "/k", "x"), read(6, 7, "/k", "a")},
			want:   Fail,
			detail: "found nothing (lost) (2 of 3 reads wrong)",
		},
		{
			name:   "failed read does not verify",
			events: []Event{write(0, 1, "/k", "a", true, ""), {Time: at(3), Start: at(2), Kind: KindOp, Op: OpRead, Key: "/k", Err: "connection refused"}},
			want:   Inconclusive,
			detail: "1 of 1 acknowledged keys never read back after their last write: /k",
		},
		{
			name:   "read only before the last write does not verify",
			events: []Event{write(0, 1, "/k", "a", true, ""), read(2, 3, "/k", "a"), write(4, 5, "/k", "b", true, ""), write(0, 1, "/j", "c", true, ""), read(6, 7, "/j", "c")},
			want:   Inconclusive,
			detail: "1 of 2 acknowledged keys never read back after their last write: /k",
		},
		{
			name:   "no acknowledged write",
			events: []Event{write(0, 1, "/k", "a", false, ""), read(2, 3, "/k", "")},
			want:   Inconclusive,
			detail: "no acknowledged write",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NoLostAcknowledgedWrites(History{Events: tt.events})
			assert.Equal(t, tt.want, got.Verdict, "NoLostAcknowledgedWrites = %s", got)
			assert.Contains(t, strings.Join(got.Details, "; "), tt.detail, "NoLostAcknowledgedWrites = %s", got)
		})
	}
}

func TestFailoverTimes(t *testing.T) {
	fault := func(sec float64, kind Kind, name string) Event { return Event{Time: at(sec), Kind: kind, Fault: name} }
	tests := []struct {
		name   string
		events []Event
		want   []time.Duration
	}{
		{name: "clean", events: load(t, "clean-failover.json").Events, want: []time.Duration{8500 * time.Millisecond}},
		{name: "slow", events: load(t, "slow-failover.json").Events, want: []time.Duration{40 * time.Second}},
		{name: "never", events: load(t, "never-failover.json").Events, want: nil},
		{name: "no fault", events: load(t, "lost-write.json").Events, want: nil},
		{
			name: "two faults with the same name, back and forth",
			events: []Event{
				sample(0, "nn1", "active"), sample(0, "nn2", "standby"),
				fault(1, KindFaultStart, "kill-active"), sample(3, "nn1", "down"), sample(4, "nn2", "active"), fault(5, KindFaultEnd, "kill-active"),
				sample(6, "nn1", "standby"),
				fault(10, KindFaultStart, "kill-active"), sample(11, "nn2", "down"), sample(16, "nn1", "active"), fault(20, KindFaultEnd, "kill-active"),
			},
			want: []time.Duration{3 * time.Second, 6 * time.Second},
		},
		{
			name: "failover after the fault was healed does not count",
			events: []Event{
				sample(0, "nn1", "active"), fault(1, KindFaultStart, "f"), fault(2, KindFaultEnd, "f"), sample(3, "nn2", "active"),
			},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertSlicesEqual(t, tt.want, FailoverTimes(History{Events: tt.events}, RoleNameNode), "FailoverTimes")
		})
	}
}

func TestAllPass(t *testing.T) {
	pass := Result{Check: "a", Verdict: Pass}
	inc := Result{Check: "b", Verdict: Inconclusive, Details: []string{"no fault injected"}}
	fail := Result{Check: "c", Verdict: Fail, Details: []string{"x went wrong", "y too"}}
	tests := []struct {
		name    string
		results []Result
		want    string // "" for nil
	}{
		{"none", nil, ""},
		{"pass and inconclusive", []Result{pass, inc}, ""},
		{"fail", []Result{pass, fail}, "invariant violated: c: fail: x went wrong; y too"},
		{"fail names inconclusive", []Result{fail, inc, fail}, "invariant violated: c: fail: x went wrong; y too\ninvariant violated: c: fail: x went wrong; y too\ninconclusive: b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AllPass(tt.results...)
			if tt.want == "" {
				assert.NoError(t, err, "AllPass")
				return
			}
			require.Error(t, err, "AllPass")
			assert.EqualError(t, err, tt.want, "AllPass")
			assert.ErrorIs(t, err, ErrInvariant, "AllPass")
		})
	}
}

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

func TestServedBy(t *testing.T) {
	tests := []struct{ note, want string }{
		{"", ""},
		{"served-by=nn1", "nn1"},
		{"attempt=2,served-by=nn2", "nn2"},
		{"retried; served-by=rm1 after 2 tries", "rm1"},
		{"served-by nn1", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, servedBy(tt.note), "servedBy(%q)", tt.note)
	}
}

func TestStaleActiveWithin(t *testing.T) {
	split := load(t, "split-brain.json")
	ovs, ok := ActiveOverlaps(split, RoleNameNode)
	require.True(t, ok, "split-brain fixture has no overlap: %v %v", ovs, ok)
	require.NotEmpty(t, ovs, "split-brain fixture has no overlap")
	d := ovs[0].To.Sub(ovs[0].From)
	r := StaleActiveWithin(split, RoleNameNode, d/2)
	assert.Equal(t, Fail, r.Verdict, "overlap %v with bound %v: %s", d, d/2, r)
	r = StaleActiveWithin(split, RoleNameNode, 2*d)
	assert.Equal(t, Pass, r.Verdict, "overlap %v with bound %v: %s", d, 2*d, r)
	r = StaleActiveWithin(load(t, "clean-failover.json"), RoleNameNode, time.Second)
	assert.Equal(t, Pass, r.Verdict, "clean failover: %s", r)
	r = StaleActiveWithin(History{}, RoleNameNode, time.Second)
	assert.Equal(t, Inconclusive, r.Verdict, "empty history: %s", r)
}
