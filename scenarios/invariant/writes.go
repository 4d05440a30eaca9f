package invariant

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"
)

// NoLostAcknowledgedWrites checks that every acknowledged write can be read
// back.
//
// For each key with an acknowledged write, the last one (latest Time) W
// wins. Every successful read of the key that started after W was
// acknowledged must return W's value, the value of another acknowledged
// write that overlapped W (it may have taken effect after W), or the value
// of a write that was not acknowledged (indeterminate: it may have taken
// effect) and started before the read returned. A read of "" (key missing)
// otherwise means the write was lost; any other value means the read was
// corrupt. Keys whose writes were never acknowledged need no read.
//
// It fails listing lost and corrupt keys; otherwise it is inconclusive when
// there is no acknowledged write or some acknowledged key was never read
// back after its last acknowledgement.
func NoLostAcknowledgedWrites(h History) Result {
	r := Result{Check: "no-lost-acknowledged-writes"}
	writes := map[string][]Event{}
	reads := map[string][]Event{}
	for _, e := range h.Sorted() {
		if e.Kind != KindOp {
			continue
		}
		switch {
		case e.Op == OpWrite:
			writes[e.Key] = append(writes[e.Key], e)
		case e.Op == OpRead && e.OK:
			reads[e.Key] = append(reads[e.Key], e)
		}
	}
	var unverified []string
	verified := 0
	for _, key := range slices.Sorted(maps.Keys(writes)) {
		var last *Event
		for i, w := range writes[key] {
			if w.OK {
				last = &writes[key][i]
			}
		}
		if last == nil {
			continue
		}
		allowed := map[string]bool{last.Value: true}
		for _, w := range writes[key] {
			if w.OK && w.Time.After(last.Start) {
				allowed[w.Value] = true
			}
		}
		checked, bad := 0, 0
		var first string
		for _, rd := range reads[key] {
			if !rd.Start.After(last.Time) {
				continue
			}
			checked++
			if allowed[rd.Value] || slices.ContainsFunc(writes[key], func(w Event) bool {
				return !w.OK && w.Value == rd.Value && w.Start.Before(rd.Time)
			}) {
				continue
			}
			bad++
			if first == "" {
				what := fmt.Sprintf("read %.40q (corrupt)", rd.Value)
				if rd.Value == "" {
					what = "found nothing (lost)"
				}
				first = fmt.Sprintf("key %s: write of %.40q acknowledged at %s, but the read at %s %s",
					key, last.Value, ts(last.Time), ts(rd.Time), what)
			}
		}
		switch {
		case checked == 0:
			unverified = append(unverified, key)
		case bad > 0:
			if bad > 1 {
				first += fmt.Sprintf(" (%d of %d reads wrong)", bad, checked)
			}
			r.Details = append(r.Details, first)
		default:
			verified++
		}
	}
	if len(r.Details) > 0 {
		r.Verdict = Fail
		return r
	}
	switch {
	case verified == 0 && len(unverified) == 0:
		r.Verdict = Inconclusive
		r.Details = []string{"no acknowledged write"}
	case len(unverified) > 0:
		r.Verdict = Inconclusive
		shown := unverified[:min(len(unverified), 10)]
		more := ""
		if len(unverified) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(unverified)-len(shown))
		}
		r.Details = []string{fmt.Sprintf("%d of %d acknowledged keys never read back after their last write: %s%s",
			len(unverified), len(unverified)+verified, strings.Join(shown, ", "), more)}
	default:
		r.Verdict = Pass
		r.Details = []string{fmt.Sprintf("%d acknowledged keys read back", verified)}
	}
	return r
}

// WritesDuring checks what writes did while fault id was in effect, from
// the moment its injection returned (from) to the moment its heal began
// (to): "none" — no write begun in that window was acknowledged before it
// ended; "some" — at least atLeast (default 1) were.
func WritesDuring(h History, id string, start, end time.Time, want string, atLeast int) Result {
	r := Result{Check: fmt.Sprintf("writes-during %s: %s acknowledged", id, want)}
	if start.IsZero() || end.IsZero() {
		r.Verdict = Inconclusive
		r.Details = []string{fmt.Sprintf("fault %s was not injected and healed in this run", id)}
		return r
	}
	var acked, tried []string
	for _, ev := range h.Sorted() {
		if ev.Kind != KindOp || ev.Op != OpWrite || ev.Start.Before(start) || ev.Time.After(end) {
			continue
		}
		tried = append(tried, ev.Key)
		if ev.OK {
			acked = append(acked, path.Base(ev.Key))
		}
	}
	if atLeast < 1 {
		atLeast = 1
	}
	held := end.Sub(start).Round(100 * time.Millisecond)
	switch {
	case want == "none" && len(acked) > 0:
		r.Verdict = Fail
		r.Details = []string{fmt.Sprintf("%d write(s) begun and acknowledged while %s was in (%v): %s", len(acked), id, held, strings.Join(first(acked, 5), ", "))}
	case want == "none" && len(tried) == 0:
		r.Verdict = Inconclusive
		r.Details = []string{fmt.Sprintf("no write was begun and ended while %s was in (%v)", id, held)}
	case want == "none":
		r.Verdict = Pass
		r.Details = []string{fmt.Sprintf("none of %d write(s) begun while %s was in (%v) was acknowledged", len(tried), id, held)}
	case len(acked) < atLeast:
		r.Verdict = Fail
		r.Details = []string{fmt.Sprintf("%d of %d write(s) begun while %s was in (%v) acknowledged, want at least %d", len(acked), len(tried), id, held, atLeast)}
	default:
		r.Verdict = Pass
		r.Details = []string{fmt.Sprintf("%d of %d write(s) begun while %s was in (%v) acknowledged", len(acked), len(tried), id, held)}
	}
	return r
}
