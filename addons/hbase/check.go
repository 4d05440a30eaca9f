package hbase

import (
	"fmt"
	"time"

	"github.com/haharness/haharness/scenarios/invariant"
)

// HBase's data check: what a client was told was written must be there
// afterwards. Pure: the workload hands in what its client saw.

// Acked is one acknowledged put: the row's value as the client wrote
// it, and when the put returned.
type Acked struct {
	Row, Value string
	At         time.Time
}

// NoLostAcknowledgedPuts checks that every acknowledged put is read back
// afterwards with its value (rows are written once each). read is every
// row the scan after the faults returned.
func NoLostAcknowledgedPuts(acked []Acked, read map[string]string) invariant.Result {
	r := invariant.Result{Check: "hbase-no-lost-acknowledged-puts"}
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
		r.Verdict = invariant.Fail
		r.Details = append(r.Details, "no put was acknowledged: nothing to check (the workload never wrote)")
		return r
	}
	if len(lost)+len(wrong) > 0 {
		r.Verdict = invariant.Fail
		if len(lost) > 0 {
			r.Details = append(r.Details, fmt.Sprintf("%d of %d acknowledged puts missing: %v", len(lost), len(acked), invariant.First(lost, 10)))
		}
		if len(wrong) > 0 {
			r.Details = append(r.Details, fmt.Sprintf("%d read back with another value: %v", len(wrong), invariant.First(wrong, 10)))
		}
		return r
	}
	r.Verdict = invariant.Pass
	r.Details = append(r.Details, fmt.Sprintf("all %d acknowledged puts read back (%d rows read)", len(acked), len(read)))
	return r
}
