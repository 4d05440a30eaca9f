package invariant

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

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

func TestWritesDuring(t *testing.T) {
	h := History{Events: []Event{
		write(9, 11, "/d/w-1", "", true, ""),   // begun before the fault was in effect: not judged
		write(12, 13, "/d/w-2", "", false, ""), // refused
		write(14, 31, "/d/w-3", "", true, ""),  // ended after the heal began: not judged
	}}
	from, to := at(10), at(30)
	assert.Equal(t, Pass, WritesDuring(h, "jn", from, to, "none", 0).Verdict)
	r := WritesDuring(h, "jn", from, to, "some", 1)
	assert.Equal(t, Fail, r.Verdict)
	assert.Contains(t, r.Details[0], "0 of 1 write(s) begun while jn was in (20s) acknowledged, want at least 1")
	h.Add(write(15, 16, "/d/w-4", "", true, ""))
	r = WritesDuring(h, "jn", from, to, "none", 0)
	assert.Equal(t, Fail, r.Verdict)
	assert.Contains(t, r.Details[0], "w-4")
	assert.Equal(t, Pass, WritesDuring(h, "jn", from, to, "some", 1).Verdict)
	assert.Equal(t, Inconclusive, WritesDuring(h, "jn", time.Time{}, to, "some", 1).Verdict, "a fault not injected cannot be judged")
}
