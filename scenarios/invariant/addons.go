package invariant

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// The add-ons' data checks: what a client was told was written must be
// there afterwards. They are pure: the scenario hands in what its clients
// saw.

// Put is one acknowledged HBase put: the row's value as the client wrote
// it, and when the put returned.
type Put struct {
	Row, Value string
	At         time.Time
}

// NoLostAcknowledgedPuts checks that every acknowledged put is read back
// afterwards with its value (rows are written once each). read is every
// row the scan after the faults returned.
func NoLostAcknowledgedPuts(acked []Put, read map[string]string) Result {
	r := Result{Check: "hbase-no-lost-acknowledged-puts"}
	var lost, wrong []string
	for _, p := range acked {
		got, ok := read[p.Row]
		switch {
		case !ok:
			lost = append(lost, p.Row)
		case got != p.Value:
			wrong = append(wrong, fmt.Sprintf("%s=%q, want %q", p.Row, got, p.Value))
		}
	}
	if len(acked) == 0 {
		r.Verdict = Fail
		r.Details = append(r.Details, "no put was acknowledged: nothing to check (the workload never wrote)")
		return r
	}
	if len(lost)+len(wrong) > 0 {
		r.Verdict = Fail
		if len(lost) > 0 {
			r.Details = append(r.Details, fmt.Sprintf("%d of %d acknowledged puts missing: %v", len(lost), len(acked), first(lost, 10)))
		}
		if len(wrong) > 0 {
			r.Details = append(r.Details, fmt.Sprintf("%d read back with another value: %v", len(wrong), first(wrong, 10)))
		}
		return r
	}
	r.Verdict = Pass
	r.Details = append(r.Details, fmt.Sprintf("all %d acknowledged puts read back (%d rows read)", len(acked), len(read)))
	return r
}

// Record is one Kafka record: where it landed and its value. Values are
// unique per run (the producer numbers them), so a value consumed twice is
// a duplicate.
type Record struct {
	Partition int32
	Offset    int64
	Value     string
}

// NoLostAcknowledgedRecords checks the records a producer was told were
// written (acks=all) against everything consumed from the start
// afterwards: every acknowledged record consumed, at the partition and
// offset its acknowledgement gave; none consumed twice (the producer is
// idempotent, so a retried send must not land again); and, per partition,
// the acknowledged records consumed in the order they were acknowledged.
func NoLostAcknowledgedRecords(acked, consumed []Record) Result {
	r := Result{Check: "kafka-no-lost-acknowledged-records"}
	if len(acked) == 0 {
		r.Verdict = Fail
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
			r.Details = append(r.Details, fmt.Sprintf("%d %s: %v", len(x.list), x.what, first(x.list, 10)))
		}
	}
	if len(r.Details) > 0 {
		r.Verdict = Fail
		return r
	}
	r.Verdict = Pass
	r.Details = append(r.Details, fmt.Sprintf("all %d acknowledged records consumed once, in order, at their offsets (%d consumed)", len(acked), len(consumed)))
	return r
}
