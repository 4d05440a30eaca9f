package invariant

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Span returns when h starts, its first event or the earliest invocation
// (Start) of an op if that is earlier, and when it ends, its last event.
// Both are zero for an empty history.
func Span(h History) (start, end time.Time) {
	return span(h.Sorted())
}

func span(events []Event) (start, end time.Time) {
	if len(events) == 0 {
		return time.Time{}, time.Time{}
	}
	start, end = events[0].Time, lastTime(events)
	for _, e := range events {
		if e.Kind == KindOp && !e.Start.IsZero() && e.Start.Before(start) {
			start = e.Start
		}
	}
	return start, end
}

// FaultWindow is the time one fault was on.
type FaultWindow struct {
	Fault string    // the fault's name, as its events give it
	Start time.Time // its fault-start, or the history's start when not Started
	End   time.Time // its fault-end, or the end of the history when not Healed
	// Started is false for a fault-end with no fault-start: the fault was
	// injected before the history began.
	Started bool
	Healed  bool
}

// window is a FaultWindow with the indices of its events in the sorted
// events: startIdx is -1 when not Started, endIdx len(events) when not
// Healed, and nextFault is the index of the next fault-start after this
// one's (len(events) when there is none, endIdx when not Started).
type window struct {
	FaultWindow
	startIdx, endIdx, nextFault int
}

// FaultWindows returns the windows of the faults of h, ordered by Start
// (ties in event order). Each fault-start is matched with the first later
// fault-end of the same name that no earlier fault-start took, and lasts
// until then or, unhealed, until the end of the history. A fault-end left
// unmatched is a fault that was on from the history's start (see Span).
func FaultWindows(h History) []FaultWindow {
	ws := faultWindows(h.Sorted())
	out := make([]FaultWindow, len(ws))
	for i, w := range ws {
		out[i] = w.FaultWindow
	}
	return out
}

func faultWindows(events []Event) []window {
	t0, tEnd := span(events)
	var out []window
	used := map[int]bool{}
	var starts []int
	for i, e := range events {
		if e.Kind == KindFaultStart {
			starts = append(starts, i)
		}
	}
	for n, i := range starts {
		w := window{FaultWindow: FaultWindow{Fault: events[i].Fault, Start: events[i].Time, End: tEnd, Started: true},
			startIdx: i, endIdx: len(events), nextFault: len(events)}
		if n+1 < len(starts) {
			w.nextFault = starts[n+1]
		}
		for j := i + 1; j < len(events); j++ {
			if events[j].Kind == KindFaultEnd && events[j].Fault == w.Fault && !used[j] {
				used[j] = true
				w.End, w.Healed, w.endIdx = events[j].Time, true, j
				break
			}
		}
		out = append(out, w)
	}
	for j, e := range events {
		if e.Kind == KindFaultEnd && !used[j] {
			out = append(out, window{FaultWindow: FaultWindow{Fault: e.Fault, Start: t0, End: e.Time, Healed: true},
				startIdx: -1, endIdx: j, nextFault: j})
		}
	}
	slices.SortStableFunc(out, func(a, b window) int { return a.Start.Compare(b.Start) })
	return out
}

// Failover is what happened to a role after one fault.
type Failover struct {
	FaultWindow
	// From are the daemons of the role whose latest sample before the
	// fault's start was "active", sorted by name.
	From []string
	// To is the first daemon not in From sampled "active" after the fault's
	// start, while it was on or after its heal but before the next fault's
	// start; "" when there was none, or From is empty.
	To string
	At time.Time // the sample of To
	// During is true when To was sampled active while the fault was on.
	During bool
}

// Latency is the time from the fault's start to the first sample of the new
// active, or 0 without one.
func (f Failover) Latency() time.Duration {
	if f.To == "" {
		return 0
	}
	return f.At.Sub(f.Start)
}

// Failovers returns, for each fault-start of h in order, what role did: the
// first "active" sample of a daemon of role other than those active at the
// fault's start. It looks while the fault was on (see FaultWindows) and, if
// it finds none, on after the heal until the later of the heal and the next
// fault's start, so a failover that only came once the fault was healed is
// found too (During false). FailoverWithin and FailoverTimes count only
// failovers During a fault.
func Failovers(h History, role string) []Failover {
	events := h.Sorted()
	isRole := func(e Event) bool { return e.Kind == KindState && e.Role == role }
	var out []Failover
	for _, w := range faultWindows(events) {
		if !w.Started {
			continue
		}
		f := Failover{FaultWindow: w.FaultWindow}
		state := map[string]string{}
		for _, e := range events[:w.startIdx] {
			if isRole(e) {
				state[e.Daemon] = e.State
			}
		}
		for _, d := range slices.Sorted(maps.Keys(state)) {
			if state[d] == StateActive {
				f.From = append(f.From, d)
			}
		}
		limit := max(w.endIdx, w.nextFault)
		for k := w.startIdx + 1; len(f.From) > 0 && k < limit; k++ {
			e := events[k]
			if isRole(e) && e.State == StateActive && !slices.Contains(f.From, e.Daemon) {
				f.To, f.At, f.During = e.Daemon, e.Time, k < w.endIdx
				break
			}
		}
		out = append(out, f)
	}
	return out
}

// FailoverWithin checks that each fault is followed, within bound, by a
// daemon of role other than the one active at the fault's start being
// sampled "active", while the fault is still on.
//
// It fails when that takes longer than bound, or never happens while the
// fault was on although the fault lasted (until healed, or until the end of
// the history) at least bound. A fault with no active daemon of role at its
// start, or that lasted less than bound without a failover, is not
// measured. It is inconclusive with no fault or no fault measured. Every
// fault of the history counts, so pass a history whose faults should all
// make role fail over.
func FailoverWithin(h History, role string, bound time.Duration) Result {
	r := Result{Check: fmt.Sprintf("failover-within %s %s", bound, role)}
	fs := Failovers(h, role)
	if len(fs) == 0 {
		r.Verdict = Inconclusive
		r.Details = []string{"no fault injected"}
		return r
	}
	measured, failed := 0, false
	for _, f := range fs {
		name := fmt.Sprintf("fault %q at %s", f.Fault, ts(f.Start))
		lasted := f.End.Sub(f.Start).Round(time.Millisecond)
		old := strings.Join(f.From, ",")
		switch {
		case len(f.From) == 0:
			r.Details = append(r.Details, fmt.Sprintf("%s: no %s was active at its start; not measured", name, role))
		case f.During:
			measured++
			took := f.Latency().Round(time.Millisecond)
			if took > bound {
				failed = true
				r.Details = append(r.Details, fmt.Sprintf("%s: failover from %s to %s took %s, more than %s", name, old, f.To, took, bound))
			} else {
				r.Details = append(r.Details, fmt.Sprintf("%s: failover from %s to %s took %s", name, old, f.To, took))
			}
		case lasted < bound:
			r.Details = append(r.Details, fmt.Sprintf("%s: no failover from %s, but the fault lasted only %s, less than %s; not measured",
				name, old, lasted, bound))
		default:
			measured++
			failed = true
			until := "it was healed"
			if !f.Healed {
				until = "the end of the history"
			}
			r.Details = append(r.Details, fmt.Sprintf("%s: no %s other than %s became active in the %s until %s at %s",
				name, role, old, lasted, until, ts(f.End)))
		}
	}
	switch {
	case failed:
		r.Verdict = Fail
	case measured == 0:
		r.Verdict = Inconclusive
	default:
		r.Verdict = Pass
	}
	return r
}

// FailoverTimes returns, for each fault after which role failed over while
// the fault was on, the time from the fault's start to the first sample of
// the new active, in fault order. Faults without such a failover are left
// out. Benchmarks report these.
func FailoverTimes(h History, role string) []time.Duration {
	var out []time.Duration
	for _, f := range Failovers(h, role) {
		if f.During {
			out = append(out, f.Latency())
		}
	}
	return out
}

// OnlyFaults returns h with only the fault events whose label is in keep.
func OnlyFaults(h History, keep []string) History {
	out := History{Seed: h.Seed, Scenario: h.Scenario}
	for _, e := range h.Sorted() {
		if (e.Kind == KindFaultStart || e.Kind == KindFaultEnd) && !slices.Contains(keep, e.Fault) {
			continue
		}
		out.Events = append(out.Events, e)
	}
	return out
}

// NoFailover checks that no daemon of role but initial was ever sampled
// active: the active never changed.
func NoFailover(h History, role, initial string) Result {
	r := Result{Check: "no-failover " + role}
	n := 0
	for _, ev := range h.Sorted() {
		if ev.Kind != KindState || ev.Role != role {
			continue
		}
		n++
		if ev.State == StateActive && ev.Daemon != initial {
			r.Verdict = Fail
			r.Details = append(r.Details, fmt.Sprintf("%s sampled active at %s; %s was active when the schedule began",
				ev.Daemon, ev.Time.UTC().Format("15:04:05.000"), initial))
			return r
		}
	}
	if n == 0 || initial == "" {
		r.Verdict = Inconclusive
		r.Details = []string{"no " + role + " state was sampled"}
		return r
	}
	r.Verdict = Pass
	r.Details = []string{fmt.Sprintf("%s stayed the only active %s over %d samples", initial, role, n)}
	return r
}
