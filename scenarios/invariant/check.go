package invariant

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Verdict is the outcome of a check.
type Verdict string

// The verdicts. Inconclusive means the history holds too little to decide,
// e.g. no fault was injected or no write was read back.
const (
	Pass         Verdict = "pass"
	Fail         Verdict = "fail"
	Inconclusive Verdict = "inconclusive"
)

// Result is the outcome of one check over one history.
type Result struct {
	Check   string   `json:"check"`
	Verdict Verdict  `json:"verdict"`
	Details []string `json:"details,omitempty"`
}

func (r Result) String() string {
	if len(r.Details) == 0 {
		return r.Check + ": " + string(r.Verdict)
	}
	return r.Check + ": " + string(r.Verdict) + ": " + strings.Join(r.Details, "; ")
}

// ErrInvariant is wrapped by the error AllPass returns for each failed check.
var ErrInvariant = errors.New("invariant violated")

// AllPass returns an error describing every failed result, or nil when none
// failed. Inconclusive results are not failures; when some check failed they
// are named at the end of the message.
func AllPass(results ...Result) error {
	var errs []error
	var inconclusive []string
	for _, r := range results {
		switch r.Verdict {
		case Fail:
			errs = append(errs, fmt.Errorf("%w: %s", ErrInvariant, r))
		case Inconclusive:
			inconclusive = append(inconclusive, r.Check)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if len(inconclusive) > 0 {
		errs = append(errs, fmt.Errorf("inconclusive: %s", strings.Join(inconclusive, ", ")))
	}
	return errors.Join(errs...)
}

// ts formats an event time for details.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func stateEvents(events []Event, role string) []Event {
	return slices.DeleteFunc(slices.Clone(events), func(e Event) bool { return e.Kind != KindState || e.Role != role })
}

func lastTime(events []Event) time.Time {
	if len(events) == 0 {
		return time.Time{}
	}
	return events[len(events)-1].Time
}

// SingleActive checks that no two daemons of role are active at once.
//
// Each daemon is taken to be in the state of its latest sample until its
// next one; samples with the same time are applied together. The check fails
// for every window in which two daemons' latest samples are both "active",
// naming the pair and the window. A "frozen" or "down" sample is not active,
// so an active daemon that is frozen while another takes over is a split
// brain only if it is sampled "active" again while the other's latest sample
// is still "active". With no sample of role the check is inconclusive.
func SingleActive(h History, role string) Result {
	r := Result{Check: "single-active " + role}
	ovs, ok := ActiveOverlaps(h, role)
	if !ok {
		r.Verdict = Inconclusive
		r.Details = []string{fmt.Sprintf("no state sample of a %s", role)}
		return r
	}
	for _, o := range ovs {
		r.Details = append(r.Details, o.String())
	}
	r.Verdict = Pass
	if len(ovs) > 0 {
		r.Verdict = Fail
	}
	return r
}

// Overlap is a window in which two daemons of one role were both sampled active.
type Overlap struct {
	A, B     string
	From, To time.Time
	// Open is true when the overlap lasted until the end of the history.
	Open bool
}

func (o Overlap) String() string {
	if o.Open {
		return fmt.Sprintf("%s and %s both active from %s until the end of the history at %s (%s)",
			o.A, o.B, ts(o.From), ts(o.To), o.To.Sub(o.From).Round(time.Millisecond))
	}
	return fmt.Sprintf("%s and %s both active from %s to %s (%s)", o.A, o.B, ts(o.From), ts(o.To), o.To.Sub(o.From).Round(time.Millisecond))
}

// ActiveOverlaps returns every window in which two daemons of role were
// both sampled active (each daemon holds its latest sample; samples with the
// same time apply together). ok is false when there is no sample of role.
func ActiveOverlaps(h History, role string) (overlaps []Overlap, ok bool) {
	all := h.Sorted()
	events := stateEvents(all, role)
	if len(events) == 0 {
		return nil, false
	}
	type pair struct{ a, b string }
	byName := func(p, q pair) int { return strings.Compare(p.a+"\x00"+p.b, q.a+"\x00"+q.b) }
	state := map[string]string{}
	open := map[pair]time.Time{}
	for i := 0; i < len(events); {
		t := events[i].Time
		for ; i < len(events) && events[i].Time.Equal(t); i++ {
			state[events[i].Daemon] = events[i].State
		}
		var active []string
		for _, d := range slices.Sorted(maps.Keys(state)) {
			if state[d] == StateActive {
				active = append(active, d)
			}
		}
		now := map[pair]bool{}
		for x := range active {
			for y := x + 1; y < len(active); y++ {
				now[pair{active[x], active[y]}] = true
			}
		}
		for _, p := range slices.SortedFunc(maps.Keys(open), byName) {
			if !now[p] {
				overlaps = append(overlaps, Overlap{A: p.a, B: p.b, From: open[p], To: t})
				delete(open, p)
			}
		}
		for p := range now {
			if _, ok := open[p]; !ok {
				open[p] = t
			}
		}
	}
	end := lastTime(all)
	for _, p := range slices.SortedFunc(maps.Keys(open), byName) {
		overlaps = append(overlaps, Overlap{A: p.a, B: p.b, From: open[p], To: end, Open: true})
	}
	return overlaps, true
}

// StaleActiveWithin is SingleActive for fencing that kills nothing
// (shell(/bin/true)): a resumed old active may still call itself active
// until its first edit is rejected by the JournalNodes. It passes when every
// window of two "active" daemons of role ended within bound; pair it with
// NoSplitBrainWrites, which checks that the stale one committed nothing.
func StaleActiveWithin(h History, role string, bound time.Duration) Result {
	r := Result{Check: fmt.Sprintf("stale-active-within %s %s", bound, role)}
	ovs, ok := ActiveOverlaps(h, role)
	if !ok {
		r.Verdict = Inconclusive
		r.Details = []string{fmt.Sprintf("no state sample of a %s", role)}
		return r
	}
	r.Verdict = Pass
	for _, o := range ovs {
		if o.Open || o.To.Sub(o.From) > bound {
			r.Verdict = Fail
			r.Details = append(r.Details, o.String()+fmt.Sprintf(": longer than %s", bound))
			continue
		}
		r.Details = append(r.Details, o.String()+": a stale claim, within the bound")
	}
	if len(ovs) == 0 {
		r.Details = []string{"never two active at once"}
	}
	return r
}

// servedBy returns the daemon named by a "served-by=<daemon>" token of an
// op's note (tokens are separated by spaces or commas), or "".
func servedBy(note string) string {
	for _, tok := range strings.FieldsFunc(note, func(c rune) bool { return c == ' ' || c == ',' || c == ';' }) {
		if d, ok := strings.CutPrefix(tok, "served-by="); ok {
			return d
		}
	}
	return ""
}

// activation is a NameNode starting a term as active.
type activation struct {
	daemon string
	at     time.Time
}

// activations returns, in time order, the samples at which a daemon of role
// became active: an "active" sample whose previous sample of the daemon,
// ignoring "frozen" and "unknown" ones, was not "active" (or that is the
// daemon's first). A daemon seen active, frozen, then active again did not
// start a new term: it never stopped believing it was active.
func activations(events []Event, role string) []activation {
	var out []activation
	known := map[string]string{}
	for _, e := range stateEvents(events, role) {
		if e.State == StateFrozen || e.State == StateUnknown {
			continue
		}
		if e.State == StateActive && known[e.Daemon] != StateActive {
			out = append(out, activation{daemon: e.Daemon, at: e.Time})
		}
		known[e.Daemon] = e.State
	}
	return out
}

// NoSplitBrainWrites checks that no write was acknowledged by a NameNode
// that had already been superseded.
//
// A NameNode starts a term when it is sampled "active" after a non-active
// sample ("frozen" and "unknown" samples are ignored: see activations). A
// write that was acknowledged (OK), whose Note says "served-by=A", and that
// started (Start) strictly after another NameNode B started a term later
// than A's latest term, fails the check: A accepted it while B was the
// newer active. It is inconclusive when no op has a served-by note or no
// NameNode was ever sampled active. Ops with a zero Start are never flagged.
func NoSplitBrainWrites(h History) Result {
	r := Result{Check: "no-split-brain-writes"}
	events := h.Sorted()
	var noted []Event
	for _, e := range events {
		if e.Kind == KindOp && servedBy(e.Note) != "" {
			noted = append(noted, e)
		}
	}
	if len(noted) == 0 {
		r.Verdict = Inconclusive
		r.Details = []string{"no op says which NameNode served it (note served-by=nnX)"}
		return r
	}
	acts := activations(events, RoleNameNode)
	if len(acts) == 0 {
		r.Verdict = Inconclusive
		r.Details = []string{"no NameNode was ever sampled active"}
		return r
	}
	for _, w := range noted {
		if w.Op != OpWrite || !w.OK {
			continue
		}
		a := servedBy(w.Note)
		var latest *activation
		aHadTerm := false
		for i := range acts {
			if !acts[i].at.Before(w.Start) {
				break
			}
			latest = &acts[i]
			if acts[i].daemon == a {
				aHadTerm = true
			}
		}
		if latest != nil && aHadTerm && latest.daemon != a {
			r.Details = append(r.Details, fmt.Sprintf("write of %s acknowledged at %s by superseded %s: it started at %s, after %s became active at %s",
				w.Key, ts(w.Time), a, ts(w.Start), latest.daemon, ts(latest.at)))
		}
	}
	if len(r.Details) > 0 {
		r.Verdict = Fail
		return r
	}
	r.Verdict = Pass
	return r
}

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

// failover is what happened to role after one fault.
type failover struct {
	fault  string
	start  time.Time
	end    time.Time // heal time, or the end of the history
	healed bool
	old    []string // daemons active at the fault's start
	by     string   // first other daemon seen active while the fault was on
	at     time.Time
}

// failovers measures, for each fault-start event in order, the first
// "active" sample of a daemon of role other than those active at the
// fault's start, taken while the fault was on (until its fault-end, the
// first unmatched one with the same name, or the end of the history).
func failovers(events []Event, role string) []failover {
	var out []failover
	used := map[int]bool{}
	for i, e := range events {
		if e.Kind != KindFaultStart {
			continue
		}
		f := failover{fault: e.Fault, start: e.Time, end: lastTime(events)}
		endIdx := len(events)
		for j := i + 1; j < len(events); j++ {
			if events[j].Kind == KindFaultEnd && events[j].Fault == e.Fault && !used[j] {
				used[j] = true
				f.end, f.healed, endIdx = events[j].Time, true, j
				break
			}
		}
		state := map[string]string{}
		for _, s := range stateEvents(events[:i], role) {
			state[s.Daemon] = s.State
		}
		for _, d := range slices.Sorted(maps.Keys(state)) {
			if state[d] == StateActive {
				f.old = append(f.old, d)
			}
		}
		for _, s := range stateEvents(events[i+1:endIdx], role) {
			if s.State == StateActive && !slices.Contains(f.old, s.Daemon) {
				f.by, f.at = s.Daemon, s.Time
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
	fs := failovers(h.Sorted(), role)
	if len(fs) == 0 {
		r.Verdict = Inconclusive
		r.Details = []string{"no fault injected"}
		return r
	}
	measured, failed := 0, false
	for _, f := range fs {
		name := fmt.Sprintf("fault %q at %s", f.fault, ts(f.start))
		lasted := f.end.Sub(f.start).Round(time.Millisecond)
		switch {
		case len(f.old) == 0:
			r.Details = append(r.Details, fmt.Sprintf("%s: no %s was active at its start; not measured", name, role))
		case f.by != "":
			measured++
			took := f.at.Sub(f.start).Round(time.Millisecond)
			if took > bound {
				failed = true
				r.Details = append(r.Details, fmt.Sprintf("%s: failover from %s to %s took %s, more than %s",
					name, strings.Join(f.old, ","), f.by, took, bound))
			} else {
				r.Details = append(r.Details, fmt.Sprintf("%s: failover from %s to %s took %s",
					name, strings.Join(f.old, ","), f.by, took))
			}
		case lasted < bound:
			r.Details = append(r.Details, fmt.Sprintf("%s: no failover from %s, but the fault lasted only %s, less than %s; not measured",
				name, strings.Join(f.old, ","), lasted, bound))
		default:
			measured++
			failed = true
			until := "it was healed"
			if !f.healed {
				until = "the end of the history"
			}
			r.Details = append(r.Details, fmt.Sprintf("%s: no %s other than %s became active in the %s until %s at %s",
				name, role, strings.Join(f.old, ","), lasted, until, ts(f.end)))
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
	for _, f := range failovers(h.Sorted(), role) {
		if len(f.old) > 0 && f.by != "" {
			out = append(out, f.at.Sub(f.start))
		}
	}
	return out
}
