package invariant

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestActiveSets(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		want   []ActiveSet
	}{
		{
			name:   "swap in one round",
			events: []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"), sample(1, "nn2", "active"), sample(1, "nn1", "standby")},
		},
		{
			name: "the set grows and shrinks",
			events: []Event{sample(0, "nn1", "active"), sample(1, "nn2", "active"), sample(2, "nn3", "active"),
				sample(3, "nn1", "standby"), sample(4, "nn3", "standby"), sample(5, "nn2", "standby")},
			want: []ActiveSet{
				{Daemons: []string{"nn1", "nn2"}, From: at(1), To: at(2)},
				{Daemons: []string{"nn1", "nn2", "nn3"}, From: at(2), To: at(3)},
				{Daemons: []string{"nn2", "nn3"}, From: at(3), To: at(4)},
			},
		},
		{
			name: "open until the end of the history, an op between samples of one round",
			events: []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"), sample(1, "nn1", "active"),
				{Time: at(1), Kind: KindOp, Op: OpWrite, Key: "/k", OK: true}, sample(1, "nn2", "active"),
				{Time: at(3), Kind: KindOp, Op: OpRead, Key: "/k", OK: true}},
			want: []ActiveSet{{Daemons: []string{"nn1", "nn2"}, From: at(1), To: at(3), Open: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ActiveSets(History{Events: tt.events}, RoleNameNode)
			assert.True(t, ok, "ActiveSets ok")
			assertSlicesEqual(t, tt.want, got, "ActiveSets")
			// Every pair ActiveOverlaps names lies in the sets.
			ovs, _ := ActiveOverlaps(History{Events: tt.events}, RoleNameNode)
			for _, o := range ovs {
				var in []ActiveSet
				for _, s := range got {
					if !s.From.Before(o.From) && !s.To.After(o.To) && slices.Contains(s.Daemons, o.A) && slices.Contains(s.Daemons, o.B) {
						in = append(in, s)
					}
				}
				require.NotEmpty(t, in, "overlap %s in no active set", o)
				assert.Equal(t, o.From, in[0].From, "overlap %s starts with a set", o)
				assert.Equal(t, o.To, in[len(in)-1].To, "overlap %s ends with a set", o)
			}
		})
	}
	_, ok := ActiveSets(History{}, RoleNameNode)
	assert.False(t, ok, "ActiveSets of an empty history")
}
