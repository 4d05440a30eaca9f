package kafka

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/haharness/haharness/scenarios/invariant"
)

// Kafka's data check: every record the producer was told was written is
// consumed afterwards, once, in order. Pure: the workload hands in what
// its clients saw.

// Record is one record: where it landed and its value. Values are
// unique per run (the producer numbers them), so a value consumed twice is
// a duplicate.
type Record struct {
	Partition int32
	Offset    int64
	Value     string
	// At is when the producer was told it was written (zero for a
	// consumed record).
	At time.Time
}

// NoLostAcknowledgedRecords checks the records a producer was told were
// written (acks=all) against everything consumed from the start
// afterwards: every acknowledged record consumed, at the partition and
// offset its acknowledgement gave; none consumed twice (the producer is
// idempotent, so a retried send must not land again); and, per partition,
// the acknowledged records consumed in the order they were acknowledged.
func NoLostAcknowledgedRecords(acked, consumed []Record) invariant.Result {
	r := invariant.Result{Check: "kafka-no-lost-acknowledged-records"}
	if len(acked) == 0 {
		r.Verdict = invariant.Fail
		r.Details = append(r.Details, "no record was acknowledged: nothing to check (the producer never wrote)")
		return r
	}
	seen := map[string][]Record{}
	for _, c := range consumed {
		seen[c.Value] = append(seen[c.Value], c)
	}
	var lost, moved, dup []string
	for _, v := range slices.Sorted(maps.Keys(seen)) {
		if n := len(seen[v]); n > 1 {
			dup = append(dup, fmt.Sprintf("%s ×%d", v, n))
		}
	}
	lastAt := map[int32]int64{}
	var disorder []string
	for _, a := range acked {
		got := seen[a.Value]
		if len(got) == 0 {
			lost = append(lost, fmt.Sprintf("%s (p%d@%d)", a.Value, a.Partition, a.Offset))
			continue
		}
		if got[0].Partition != a.Partition || got[0].Offset != a.Offset {
			moved = append(moved, fmt.Sprintf("%s acknowledged at p%d@%d, consumed at p%d@%d", a.Value, a.Partition, a.Offset, got[0].Partition, got[0].Offset))
		}
		if prev, ok := lastAt[a.Partition]; ok && got[0].Offset <= prev {
			disorder = append(disorder, fmt.Sprintf("%s at p%d@%d after offset %d", a.Value, a.Partition, got[0].Offset, prev))
		}
		lastAt[a.Partition] = got[0].Offset
	}
	for _, x := range []struct {
		what string
		list []string
	}{
		{"acknowledged records never consumed", lost},
		{"acknowledged records consumed elsewhere than acknowledged", moved},
		{"records consumed more than once", dup},
		{"acknowledged records out of their acknowledgement order in a partition", disorder},
	} {
		if len(x.list) > 0 {
			r.Details = append(r.Details, fmt.Sprintf("%d %s: %v", len(x.list), x.what, invariant.First(x.list, 10)))
		}
	}
	if len(r.Details) > 0 {
		r.Verdict = invariant.Fail
		return r
	}
	r.Verdict = invariant.Pass
	r.Details = append(r.Details, fmt.Sprintf("all %d acknowledged records consumed once, in order, at their offsets (%d consumed)", len(acked), len(consumed)))
	return r
}

// AckedDuringFaults checks that, inside each fault window, every one of
// the topic's partitions had a record acknowledged: with a partition's
// leader cut off, acks=all writes to that partition go on only once
// leadership moved to an in-sync replica. An unhealed window ends at the
// last acknowledgement.
func AckedDuringFaults(acked []Record, partitions int, windows []invariant.FaultWindow) invariant.Result {
	r := invariant.Result{Check: "kafka-acknowledged-during-faults"}
	if len(windows) == 0 {
		r.Verdict = invariant.Fail
		r.Details = append(r.Details, "no fault window: nothing to check (the schedule injected nothing)")
		return r
	}
	var bad []string
	for _, w := range windows {
		end := w.End
		if !w.Healed && len(acked) > 0 {
			end = acked[len(acked)-1].At
		}
		var missing []string
		for p := range partitions {
			if !slices.ContainsFunc(acked, func(a Record) bool {
				return a.Partition == int32(p) && !a.At.Before(w.Start) && !a.At.After(end)
			}) {
				missing = append(missing, fmt.Sprint(p))
			}
		}
		if len(missing) > 0 {
			bad = append(bad, fmt.Sprintf("%s (%v): no acknowledgement on partition %v", w.Fault, end.Sub(w.Start).Round(time.Millisecond), missing))
		} else {
			r.Details = append(r.Details, fmt.Sprintf("%s: every partition acknowledged writes", w.Fault))
		}
	}
	if len(bad) > 0 {
		r.Verdict = invariant.Fail
		r.Details = append(bad, r.Details...)
		return r
	}
	r.Verdict = invariant.Pass
	return r
}
