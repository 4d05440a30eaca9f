package invariant

import (
	"path/filepath"
	"strings"
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
		{"clean-failover-audit.json", "single-active", singleNN, Pass, ""},
		{"split-brain-audit.json", "single-active", singleNN, Fail, "nn1 and nn2 both active"},
		{"split-brain.json", "single-active", singleNN, Fail,
			"nn1 and nn2 both active from 2025-06-01T10:00:10.500Z to 2025-06-01T10:00:12.000Z (1.5s)"},
		{"lost-write.json", "single-active", singleNN, Inconclusive, "no state sample of a namenode"},
		{"slow-failover.json", "single-active", singleNN, Pass, ""},
		{"never-failover.json", "single-active", singleNN, Pass, ""},

		{"clean-failover.json", "no-split-brain-writes", NoSplitBrainWrites, Pass, "2 of 2 acknowledged writes attributed to a NameNode: nn1 served 1, nn2 served 1"},
		{"split-brain.json", "no-split-brain-writes", NoSplitBrainWrites, Fail,
			"write of /ha/a acknowledged at 2025-06-01T10:00:11.000Z by superseded nn1: it started at 2025-06-01T10:00:10.600Z, after nn2 became active at 2025-06-01T10:00:09.000Z"},
		{"lost-write.json", "no-split-brain-writes", NoSplitBrainWrites, Inconclusive,
			"no audit record (served event) and no served-by=nnX note matches any of the 2 acknowledged writes"},
		{"clean-failover-audit.json", "no-split-brain-writes", NoSplitBrainWrites, Pass,
			"2 of 2 acknowledged writes attributed to a NameNode: nn1 served 1, nn2 served 1"},
		{"split-brain-audit.json", "no-split-brain-writes", NoSplitBrainWrites, Fail,
			"write of /ha/a acknowledged at 2025-06-01T10:00:11.000Z by superseded nn1: its audit log has it at 2025-06-01T10:00:10.700Z, after nn2 became active at 2025-06-01T10:00:09.000Z"},
		{"slow-failover.json", "no-split-brain-writes", NoSplitBrainWrites, Inconclusive, "no acknowledged write"},

		{"clean-failover.json", "no-lost-acknowledged-writes", NoLostAcknowledgedWrites, Pass, "2 acknowledged keys read back"},
		{"clean-failover-audit.json", "no-lost-acknowledged-writes", NoLostAcknowledgedWrites, Pass, "2 acknowledged keys read back"},
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
		{"clean-failover-audit.json", "failover-within", within(RoleNameNode, 10*time.Second), Pass, "failover from nn1 to nn2 took 8.5s"},
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

func write(start, end float64, key, value string, ok bool, note string) Event {
	return Event{Time: at(end), Start: at(start), Kind: KindOp, Op: OpWrite, Key: key, Value: value, OK: ok, Note: note}
}

func read(start, end float64, key, value string) Event {
	return Event{Time: at(end), Start: at(start), Kind: KindOp, Op: OpRead, Key: key, Value: value, OK: true}
}
