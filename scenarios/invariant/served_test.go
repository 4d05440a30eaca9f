package invariant

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// served is a NameNode's audit record of cmd on key, sec seconds in.
func served(sec float64, daemon, cmd, key string) Event {
	return Event{Time: at(sec), Kind: KindServed, Daemon: daemon, Op: cmd, Key: key}
}

// acked is an acknowledged write of key without a served-by note.
func acked(start, end float64, key string) Event { return write(start, end, key, "v", true, "") }

func TestNoSplitBrainWrites(t *testing.T) {
	// nn1 is active, frozen at 2, and nn2 takes over at 3.
	takeover := []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"),
		sample(2, "nn1", "frozen"), sample(2, "nn2", "standby"), sample(3, "nn1", "frozen"), sample(3, "nn2", "active")}
	with := func(events ...Event) []Event { return append(append([]Event(nil), takeover...), events...) }
	tests := []struct {
		name    string
		events  []Event
		want    Verdict
		detail  string   // substring of the joined details
		details []string // all of them, when set
	}{
		// served-by notes, as before audit records.
		{
			name: "failback to the first NameNode",
			events: []Event{sample(0, "nn1", "active"), sample(1, "nn1", "down"), sample(2, "nn2", "active"),
				sample(3, "nn2", "down"), sample(3, "nn1", "standby"), sample(4, "nn1", "active"),
				write(5, 6, "/k", "v", true, "served-by=nn1")},
			want:    Pass,
			details: []string{"1 of 1 acknowledged writes attributed to a NameNode: nn1 served 1"},
		},
		{
			name:   "only an unacknowledged write from the old active",
			events: with(write(3.5, 6, "/k", "v", false, "served-by=nn1")),
			want:   Inconclusive, details: []string{"no acknowledged write"},
		},
		{
			name:   "unacknowledged write from the old active is fine",
			events: with(write(3.5, 6, "/k", "v", false, "served-by=nn1"), write(4, 5, "/j", "v", true, "served-by=nn2")),
			want:   Pass, detail: "nn2 served 1",
		},
		{
			name:   "write started before the takeover is fine",
			events: with(write(1.5, 6, "/k", "v", true, "served-by=nn1")),
			want:   Pass,
		},
		{
			name:   "note among other tokens",
			events: with(write(4, 6, "/k", "v", true, "attempt=2, served-by=nn1 retried")),
			want:   Fail,
			details: []string{"write of /k acknowledged at 2025-06-01T10:00:06.000Z by superseded nn1: " +
				"it started at 2025-06-01T10:00:04.000Z, after nn2 became active at 2025-06-01T10:00:03.000Z"},
		},
		{
			name:   "note on a write with no start is never flagged",
			events: with(Event{Time: at(6), Kind: KindOp, Op: OpWrite, Key: "/k", OK: true, Note: "served-by=nn1"}),
			want:   Pass,
		},

		// audit records.
		{
			name: "clean failover",
			events: with(served(0.7, "nn1", AuditCreate, "/a"), acked(0.5, 1, "/a"),
				served(3.9, "nn2", "delete", "/b"), served(4, "nn2", AuditCreate, "/b"), acked(3.5, 4.5, "/b"),
				served(5.2, "nn2", AuditAppend, "/a"), acked(5, 5.5, "/a")),
			want:    Pass,
			details: []string{"3 of 3 acknowledged writes attributed to a NameNode: nn1 served 1, nn2 served 2"},
		},
		{
			name:   "superseded NameNode serves a create after the other became active",
			events: with(sample(4, "nn1", "active"), served(4.2, "nn1", AuditCreate, "/a"), acked(4, 5, "/a")),
			want:   Fail,
			details: []string{"write of /a acknowledged at 2025-06-01T10:00:05.000Z by superseded nn1: " +
				"its audit log has it at 2025-06-01T10:00:04.200Z, after nn2 became active at 2025-06-01T10:00:03.000Z"},
		},
		{
			name:   "superseded NameNode serves an append",
			events: with(served(4.2, "nn1", AuditAppend, "/a"), acked(4, 5, "/a")),
			want:   Fail, detail: "by superseded nn1",
		},
		{
			name:   "served at the very sample of the takeover is not flagged",
			events: with(served(3, "nn1", AuditCreate, "/a"), acked(2.5, 3.5, "/a")),
			want:   Pass, detail: "nn1 served 1",
		},
		{
			name:    "no served events",
			events:  with(acked(0.5, 1, "/a"), acked(4, 5, "/b")),
			want:    Inconclusive,
			details: []string{"no audit record (served event) and no served-by=nnX note matches any of the 2 acknowledged writes"},
		},
		{
			name: "served events of other commands and keys do not attribute",
			events: with(served(4.1, "nn2", "mkdirs", "/a"), served(4.2, "nn2", "open", "/a"), served(4.3, "nn2", AuditCreate, "/b"),
				acked(4, 5, "/a")),
			want: Inconclusive, detail: "no audit record",
		},
		{
			name:   "audit record just inside the slack before the start",
			events: with(served(3, "nn2", AuditCreate, "/a"), acked(3+ServedSlack.Seconds(), 5, "/a")),
			want:   Pass, detail: "nn2 served 1",
		},
		{
			name:   "audit record just outside the slack before the start",
			events: with(served(3, "nn2", AuditCreate, "/a"), acked(3.001+ServedSlack.Seconds(), 5, "/a")),
			want:   Inconclusive, detail: "no audit record",
		},
		{
			name:   "audit record just inside the slack after the return",
			events: with(acked(4, 5, "/a"), served(5+ServedSlack.Seconds(), "nn1", AuditCreate, "/a")),
			want:   Fail, detail: "by superseded nn1",
		},
		{
			name:   "audit record just outside the slack after the return",
			events: with(acked(4, 5, "/a"), served(5.001+ServedSlack.Seconds(), "nn1", AuditCreate, "/a")),
			want:   Inconclusive, detail: "no audit record",
		},
		{
			name:    "create on the old active before the takeover, retried on the new active",
			events:  with(served(2.8, "nn1", AuditCreate, "/a"), served(3.5, "nn2", AuditCreate, "/a"), acked(2.5, 4, "/a")),
			want:    Pass,
			details: []string{"1 of 1 acknowledged writes attributed to a NameNode: nn1 served 1, nn2 served 1"},
		},
		{
			name:   "create on the superseded old active, retried on the new active",
			events: with(served(3.4, "nn1", AuditCreate, "/a"), served(3.5, "nn2", AuditCreate, "/a"), acked(3.2, 4, "/a")),
			want:   Fail,
			details: []string{"write of /a acknowledged at 2025-06-01T10:00:04.000Z by superseded nn1: " +
				"its audit log has it at 2025-06-01T10:00:03.400Z, after nn2 became active at 2025-06-01T10:00:03.000Z"},
		},
		{
			name:    "an audit record and a note naming the same NameNode count once",
			events:  with(served(4.2, "nn2", AuditCreate, "/a"), write(4, 5, "/a", "v", true, "served-by=nn2")),
			want:    Pass,
			details: []string{"1 of 1 acknowledged writes attributed to a NameNode: nn2 served 1"},
		},
		{
			name:    "some writes not attributed",
			events:  with(served(4.2, "nn2", AuditCreate, "/a"), acked(4, 5, "/a"), acked(6, 7, "/b")),
			want:    Pass,
			details: []string{"1 of 2 acknowledged writes attributed to a NameNode: nn2 served 1"},
		},
		{
			// nn1 becomes active again before its first "active" sample and
			// serves a write in between: that is its new term, not its old one.
			name: "failback served before the new active's first sample",
			events: []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"), sample(1, "nn1", "down"), sample(1, "nn2", "standby"),
				sample(2, "nn1", "down"), sample(2, "nn2", "active"), sample(3, "nn1", "standby"), sample(3, "nn2", "active"),
				sample(4, "nn1", "standby"), sample(4, "nn2", "down"), served(4.2, "nn1", AuditCreate, "/a"), acked(4.1, 4.4, "/a"),
				sample(4.5, "nn1", "active"), sample(4.5, "nn2", "down")},
			want: Pass, detail: "nn1 served 1",
		},
		{
			name: "served while still sampled standby after a failover is the superseded term",
			events: []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"), sample(1, "nn1", "down"), sample(1, "nn2", "standby"),
				sample(2, "nn1", "down"), sample(2, "nn2", "active"), served(4.2, "nn1", AuditCreate, "/a"), acked(4.1, 4.4, "/a"),
				sample(4.3, "nn1", "standby"), sample(4.5, "nn1", "active"), sample(4.5, "nn2", "down")},
			want: Fail, detail: "by superseded nn1: its audit log has it at 2025-06-01T10:00:04.200Z, after nn2 became active at 2025-06-01T10:00:02.000Z",
		},
		{
			name:   "a NameNode never sampled active is not taken for superseded",
			events: []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"), served(1.2, "nn2", AuditCreate, "/a"), acked(1, 2, "/a")},
			want:   Pass, detail: "nn2 served 1",
		},
		{
			name:   "newest of several takeovers supersedes",
			events: with(sample(5, "nn2", "standby"), sample(5, "nn3", "active"), served(6.2, "nn2", AuditCreate, "/a"), acked(6, 7, "/a")),
			want:   Fail, detail: "by superseded nn2: its audit log has it at 2025-06-01T10:00:06.200Z, after nn3 became active at 2025-06-01T10:00:05.000Z",
		},
		{
			name:   "records of a daemon never sampled as a NameNode do not attribute",
			events: with(served(4.2, "hadoop002", AuditCreate, "/a"), write(4, 5, "/a", "v", true, "served-by=hadoop002"), acked(6, 7, "/b")),
			want:   Inconclusive,
			details: []string{"no audit record (served event) and no served-by=nnX note matches any of the 2 acknowledged writes",
				"left out 2 records of serving a write by hadoop002, never sampled as a NameNode"},
		},
		{
			name:   "records of a daemon never sampled as a NameNode are named on a pass",
			events: with(served(4.2, "hadoop002", AuditCreate, "/a"), served(4.3, "nn2", AuditCreate, "/a"), acked(4, 5, "/a")),
			want:   Pass,
			details: []string{"1 of 1 acknowledged writes attributed to a NameNode: nn2 served 1",
				"left out 1 records of serving a write by hadoop002, never sampled as a NameNode"},
		},
		{
			name:   "no active NameNode",
			events: []Event{sample(0, "nn1", "standby"), served(3.5, "nn1", AuditCreate, "/k"), acked(3, 6, "/k")},
			want:   Inconclusive,
			detail: "no NameNode was ever sampled active",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NoSplitBrainWrites(History{Events: tt.events})
			assert.Equal(t, "no-split-brain-writes", got.Check, "NoSplitBrainWrites = %s", got)
			assert.Equal(t, tt.want, got.Verdict, "NoSplitBrainWrites = %s", got)
			assert.Contains(t, strings.Join(got.Details, "; "), tt.detail, "NoSplitBrainWrites = %s", got)
			if tt.details != nil {
				assert.Equal(t, tt.details, got.Details, "NoSplitBrainWrites = %s", got)
			}
		})
	}
}

func TestServedWrites(t *testing.T) {
	h := History{Events: []Event{
		served(7, "nn2", AuditCreate, "/a"), // a retry on the other NameNode, after the return: within the slack
		served(5.5, "nn1", AuditCreate, "/a"),
		acked(5, 6, "/a"),
		write(8, 9, "/b", "v", false, "served-by=nn1"), // not acknowledged
		write(10, 11, "/c", "v", true, "served-by=nn2"),
		served(10.5, "nn1", AuditAppend, "/c"),
		served(12.5, "nn1", AuditCreate, "/d"),
		{Time: at(12), Kind: KindOp, Op: OpWrite, Key: "/d", OK: true}, // no start: the window is around its return
		{Time: at(13), Kind: KindOp, Op: OpRead, Key: "/d", OK: true},
	}}
	got := ServedWrites(h)
	require.Len(t, got, 3, "ServedWrites = %+v", got)
	events := h.Sorted()
	for i, key := range []string{"/a", "/c", "/d"} {
		assert.Equal(t, key, got[i].Write.Key, "write %d", i)
		assert.Equal(t, got[i].Write, events[got[i].Index], "write %d: Index does not point at it in Sorted", i)
	}
	assert.Equal(t, []Serving{{Daemon: "nn1", Time: at(5.5)}, {Daemon: "nn2", Time: at(7)}}, got[0].By, "/a")
	assert.Equal(t, []Serving{{Daemon: "nn2", Time: at(10), Note: true}, {Daemon: "nn1", Time: at(10.5)}}, got[1].By, "/c")
	assert.Equal(t, []Serving{{Daemon: "nn1", Time: at(12.5)}}, got[2].By, "/d")
	assert.Empty(t, ServedWrites(History{}), "empty history")
}

func TestActivations(t *testing.T) {
	events := []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"), sample(1, "nn1", "frozen"), sample(2, "nn2", "unknown"),
		sample(3, "nn2", "active"), sample(4, "nn1", "active"), sample(5, "nn1", "standby"), sample(6, "nn1", "active")}
	assert.Equal(t, []activation{
		{daemon: "nn1", at: at(0)},
		{daemon: "nn2", at: at(3), since: at(0)},
		{daemon: "nn1", at: at(6), since: at(5)},
	}, activations(events, RoleNameNode))
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

func TestServedWritesCountsCreatesAndAppends(t *testing.T) {
	served := func(sec float64, daemon, op, key string) Event {
		return Event{Time: at(sec), Kind: KindServed, Daemon: daemon, Op: op, Key: key}
	}
	create := write(1, 1.2, "/f", "a", true, "")
	create.Op = OpCreate
	appendOp := write(2, 2.2, "/f", "b", true, "")
	appendOp.Op = OpAppend
	h := History{Events: []Event{
		sample(0, "nn1", StateActive), sample(0, "nn2", StateStandby),
		create, served(1.1, "nn1", AuditCreate, "/f"),
		appendOp, served(2.1, "nn1", AuditAppend, "/f"),
	}}
	ws := ServedWrites(h)
	require.Len(t, ws, 2)
	require.Len(t, ws[0].By, 1, "the create is served by the audited create only: %+v", ws[0].By)
	assert.Equal(t, "nn1", ws[0].By[0].Daemon)
	require.Len(t, ws[1].By, 1, "the append by the audited append only: %+v", ws[1].By)
	assert.Equal(t, Pass, NoSplitBrainWrites(h).Verdict)
}
