package invariant

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFailoverTimes(t *testing.T) {
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

func TestSpan(t *testing.T) {
	start, end := Span(History{})
	assert.True(t, start.IsZero() && end.IsZero(), "Span of an empty history = %v, %v", start, end)
	start, end = Span(History{Events: []Event{sample(1, "nn1", "active"), write(0.5, 2, "/k", "v", true, ""), sample(3, "nn1", "active"),
		{Time: at(2.5), Kind: KindServed, Daemon: "nn1", Op: AuditCreate, Key: "/k"}}})
	assert.Equal(t, at(0.5), start, "Span start: the earliest op invocation")
	assert.Equal(t, at(3), end, "Span end: the last event")
}

func TestFaultWindows(t *testing.T) {
	h := History{Events: []Event{
		write(-1, 0.5, "/k", "v", true, ""),
		sample(0, "nn1", "active"),
		fault(1, KindFaultStart, "a"), fault(2, KindFaultStart, "a"), fault(3, KindFaultEnd, "a"),
		fault(4, KindFaultEnd, "b"),
		fault(5, KindFaultEnd, "a"),
		fault(6, KindFaultStart, "c"),
		sample(9, "nn1", "active"),
	}}
	assert.Equal(t, []FaultWindow{
		{Fault: "b", Start: at(-1), End: at(4), Healed: true},
		{Fault: "a", Start: at(1), End: at(3), Started: true, Healed: true},
		{Fault: "a", Start: at(2), End: at(5), Started: true, Healed: true},
		{Fault: "c", Start: at(6), End: at(9), Started: true},
	}, FaultWindows(h))
	assert.Empty(t, FaultWindows(History{}), "FaultWindows of an empty history")
}

func TestFailovers(t *testing.T) {
	h := History{Events: []Event{
		sample(0, "nn1", "down"), sample(0, "nn2", "standby"),
		fault(1, KindFaultStart, "none active"), fault(2, KindFaultEnd, "none active"),
		sample(3, "nn1", "active"), sample(3, "nn2", "standby"),
		fault(4, KindFaultStart, "late"), fault(5, KindFaultEnd, "late"), sample(6, "nn2", "active"), sample(6, "nn1", "standby"),
		fault(7, KindFaultStart, "never"), fault(8, KindFaultEnd, "never"), fault(8.5, KindFaultEnd, "orphan"),
		fault(9, KindFaultStart, "during"), sample(10, "nn2", "down"), sample(11, "nn1", "active"), fault(12, KindFaultEnd, "during"),
	}}
	got := Failovers(h, RoleNameNode)
	require.Len(t, got, 4, "Failovers = %+v", got)
	assert.Equal(t, Failover{FaultWindow: FaultWindow{Fault: "none active", Start: at(1), End: at(2), Started: true, Healed: true}}, got[0])
	assert.Equal(t, Failover{FaultWindow: FaultWindow{Fault: "late", Start: at(4), End: at(5), Started: true, Healed: true},
		From: []string{"nn1"}, To: "nn2", At: at(6)}, got[1])
	assert.Equal(t, 2*time.Second, got[1].Latency(), "late failover latency")
	assert.Equal(t, Failover{FaultWindow: FaultWindow{Fault: "never", Start: at(7), End: at(8), Started: true, Healed: true},
		From: []string{"nn2"}}, got[2])
	assert.Zero(t, got[2].Latency(), "latency without a failover")
	assert.Equal(t, Failover{FaultWindow: FaultWindow{Fault: "during", Start: at(9), End: at(12), Started: true, Healed: true},
		From: []string{"nn2"}, To: "nn1", At: at(11), During: true}, got[3])
	assertSlicesEqual(t, []time.Duration{2 * time.Second}, FailoverTimes(h, RoleNameNode), "FailoverTimes counts only failovers during a fault")
}

func fault(sec float64, kind Kind, name string) Event {
	return Event{Time: at(sec), Kind: kind, Fault: name}
}

func TestNoFailover(t *testing.T) {
	h := History{Events: []Event{sample(0, "nn1", "active"), sample(0, "nn2", "standby"), sample(1, "nn1", "active")}}
	assert.Equal(t, Pass, NoFailover(h, RoleNameNode, "nn1").Verdict)
	h.Add(sample(2, "nn2", "active"))
	r := NoFailover(h, RoleNameNode, "nn1")
	assert.Equal(t, Fail, r.Verdict)
	assert.Contains(t, r.Details[0], "nn2 sampled active")
	assert.Equal(t, Inconclusive, NoFailover(History{}, RoleNameNode, "nn1").Verdict)
}

func TestOnlyFaults(t *testing.T) {
	h := History{Events: []Event{fault(1, KindFaultStart, "a"), fault(2, KindFaultStart, "b"), sample(3, "nn2", "active")}}
	got := OnlyFaults(h, []string{"b"})
	require.Len(t, got.Events, 2)
	assert.Equal(t, "b", got.Events[0].Fault)
}
