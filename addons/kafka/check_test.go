package kafka

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/haharness/haharness/scenarios/invariant"
)

func TestNoLostAcknowledgedRecords(t *testing.T) {
	acked := []Record{{Partition: 0, Offset: 0, Value: "m-0"}, {Partition: 1, Offset: 0, Value: "m-1"}, {Partition: 0, Offset: 1, Value: "m-2"}}
	tests := []struct {
		name     string
		consumed []Record
		verdict  invariant.Verdict
		detail   string
	}{
		{"all once in order", []Record{{Partition: 0, Offset: 0, Value: "m-0"}, {Partition: 0, Offset: 1, Value: "m-2"}, {Partition: 1, Offset: 0, Value: "m-1"}, {Partition: 1, Offset: 1, Value: "m-3"}}, invariant.Pass,
			"all 3 acknowledged records consumed once, in order, at their offsets (4 consumed)"},
		{"lost", []Record{{Partition: 0, Offset: 0, Value: "m-0"}, {Partition: 1, Offset: 0, Value: "m-1"}}, invariant.Fail, "1 acknowledged records never consumed: [m-2 (p0@1)]"},
		{"duplicate", []Record{{Partition: 0, Offset: 0, Value: "m-0"}, {Partition: 0, Offset: 1, Value: "m-2"}, {Partition: 0, Offset: 2, Value: "m-2"}, {Partition: 1, Offset: 0, Value: "m-1"}}, invariant.Fail, "1 records consumed more than once: [m-2 ×2]"},
		{"elsewhere", []Record{{Partition: 0, Offset: 0, Value: "m-0"}, {Partition: 0, Offset: 5, Value: "m-2"}, {Partition: 1, Offset: 0, Value: "m-1"}}, invariant.Fail, "m-2 acknowledged at p0@1, consumed at p0@5"},
		{"out of order", []Record{{Partition: 0, Offset: 3, Value: "m-0"}, {Partition: 0, Offset: 1, Value: "m-2"}, {Partition: 1, Offset: 0, Value: "m-1"}}, invariant.Fail, "out of their acknowledgement order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NoLostAcknowledgedRecords(acked, tt.consumed)
			assert.Equal(t, tt.verdict, r.Verdict, r.String())
			assert.Contains(t, r.String(), tt.detail)
		})
	}
	assert.Equal(t, invariant.Fail, NoLostAcknowledgedRecords(nil, nil).Verdict, "nothing acknowledged passes")
}

func TestAckedDuringFaults(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	win := []invariant.FaultWindow{{Fault: "isolate hadoop002", Start: at(10), End: at(40), Started: true, Healed: true}}
	moved := []Record{{Partition: 0, At: at(5)}, {Partition: 1, At: at(12)}, {Partition: 0, At: at(30)}, {Partition: 1, At: at(45)}}
	assert.Equal(t, invariant.Pass, AckedDuringFaults(moved, 2, win).Verdict, "partition 0 acknowledged at 30 s, inside the window")

	stuck := []Record{{Partition: 0, At: at(5)}, {Partition: 1, At: at(12)}, {Partition: 0, At: at(41)}}
	r := AckedDuringFaults(stuck, 2, win)
	assert.Equal(t, invariant.Fail, r.Verdict, "partition 0's records were acknowledged only after the heal")
	assert.Contains(t, r.Details[0], "no acknowledgement on partition [0]")

	assert.Equal(t, invariant.Fail, AckedDuringFaults(moved, 2, nil).Verdict, "no fault window proves nothing")
}
