package invariant

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ServedSlack is how far outside an acknowledged write's [Start, Time] the
// audit record of a NameNode serving it may lie: the NameNode's clock, the
// harness's and the audit log's millisecond timestamps need not agree.
const ServedSlack = time.Second

// The audited commands (Event.Op of a KindServed event) that write a file's
// content; ServedWrites matches only these with write ops.
const (
	AuditCreate = "create"
	AuditAppend = "append"
)

// Serving is one record of a daemon serving an op.
type Serving struct {
	Daemon string
	// Time is when it served: the audit record's time, or the op's Start
	// for a served-by note.
	Time time.Time
	Note bool // from a "served-by=" note of the op, not an audit record
}

// ServedWrite is an acknowledged write and the daemons that served it.
type ServedWrite struct {
	Write Event
	Index int       // of Write in the history's Sorted events
	By    []Serving // in time order; empty when the write could not be attributed
}

// ServedWrites returns every acknowledged write of h (KindOp, OK, OpWrite,
// OpCreate or OpAppend; a create is matched with audited creates only, an
// append with audited appends),
// in time order, with the daemons that served it: each KindServed event of
// the same Key whose Op is AuditCreate or AuditAppend and whose Time lies
// in [Start-ServedSlack, Time+ServedSlack] (Start is Time when zero), and
// the daemon a "served-by=<daemon>" token of the op's Note names (tokens
// are separated by spaces, commas or semicolons). A write may have several,
// e.g. a create the client retried on the new active.
func ServedWrites(h History) []ServedWrite {
	events := h.Sorted()
	audited := map[string][]Event{}
	for _, e := range events {
		if e.Kind == KindServed && (e.Op == AuditCreate || e.Op == AuditAppend) {
			audited[e.Key] = append(audited[e.Key], e)
		}
	}
	var out []ServedWrite
	for i, w := range events {
		if w.Kind != KindOp || !w.OK || (w.Op != OpWrite && w.Op != OpCreate && w.Op != OpAppend) {
			continue
		}
		sw := ServedWrite{Write: w, Index: i}
		if d := servedBy(w.Note); d != "" {
			sw.By = append(sw.By, Serving{Daemon: d, Time: w.Start, Note: true})
		}
		from := w.Start
		if from.IsZero() {
			from = w.Time
		}
		from = from.Add(-ServedSlack)
		to := w.Time.Add(ServedSlack)
		for _, s := range audited[w.Key] {
			// A create is served by a create, an append by an append; a
			// write (WriteFile: remove, then create) by either.
			if (w.Op == OpCreate && s.Op != AuditCreate) || (w.Op == OpAppend && s.Op != AuditAppend) {
				continue
			}
			if !s.Time.Before(from) && !s.Time.After(to) {
				sw.By = append(sw.By, Serving{Daemon: s.Daemon, Time: s.Time})
			}
		}
		slices.SortStableFunc(sw.By, func(a, b Serving) int { return a.Time.Compare(b.Time) })
		out = append(out, sw)
	}
	return out
}

// servedBy returns the daemon named by a "served-by=<daemon>" token of an
// op's note (tokens are separated by spaces, commas or semicolons), or "".
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
	at     time.Time // the term's first "active" sample
	// since is the time of the daemon's latest sample before at that was
	// neither frozen nor unknown (zero for none): the term began after it.
	since time.Time
}

// activations returns, in time order, the samples at which a daemon of role
// became active: an "active" sample whose previous sample of the daemon,
// ignoring "frozen" and "unknown" ones, was not "active" (or that is the
// daemon's first). A daemon seen active, frozen, then active again did not
// start a new term: it never stopped believing it was active.
func activations(events []Event, role string) []activation {
	var out []activation
	known := map[string]Event{}
	for _, e := range stateEvents(events, role) {
		if e.State == StateFrozen || e.State == StateUnknown {
			continue
		}
		prev, seen := known[e.Daemon]
		if e.State == StateActive && (!seen || prev.State != StateActive) {
			out = append(out, activation{daemon: e.Daemon, at: e.Time, since: prev.Time})
		}
		known[e.Daemon] = e
	}
	return out
}

// superseded returns the first term of a daemon other than d that began
// after d's latest term began and was sampled before t, when there is one.
// d's latest term is the last that may have begun before t (its since is
// before t): a NameNode may serve a write between becoming active and its
// first "active" sample.
func superseded(acts []activation, d string, t time.Time) (activation, bool) {
	var latest *activation
	for i := range acts {
		if acts[i].daemon == d && acts[i].since.Before(t) {
			latest = &acts[i]
		}
	}
	if latest == nil {
		return activation{}, false
	}
	for _, a := range acts {
		if a.daemon != d && a.at.After(latest.at) && a.at.Before(t) {
			return a, true
		}
	}
	return activation{}, false
}

// NoSplitBrainWrites checks that no write was acknowledged by a NameNode
// that had already been superseded.
//
// The NameNodes that served each acknowledged write are those ServedWrites
// finds: the audit records (KindServed) of its create or append, and a
// "served-by=" note. A NameNode starts a term when it is sampled "active"
// after a non-active sample ("frozen" and "unknown" samples are ignored:
// see activations). A write fails the check when a NameNode A served it at
// a time (the audit record's, or for a note the op's Start) by which
// another NameNode B had been sampled starting a term later than A's
// latest term: A accepted it while B was the newer active. A's latest term
// is the last that may have begun before that time, so a NameNode serving
// writes just before its first "active" sample is not taken for its
// previous, superseded self.
//
// Only daemons sampled as NameNodes count: records naming another daemon
// (e.g. a host name where the samples use NameNode ids) are left out and
// named in the details, so a mismatch of ids cannot pass unnoticed.
//
// It passes when at least one acknowledged write was attributed and none
// was served by a superseded NameNode, naming how many writes each
// NameNode served. It is inconclusive with no acknowledged write, when no
// acknowledged write could be attributed, or when no NameNode was ever
// sampled active. Notes of ops with a zero Start are never flagged.
func NoSplitBrainWrites(h History) Result {
	r := Result{Check: "no-split-brain-writes"}
	events := h.Sorted()
	nns := map[string]bool{}
	for _, e := range stateEvents(events, RoleNameNode) {
		nns[e.Daemon] = true
	}
	sws := ServedWrites(h)
	perNN := map[string]int{}
	strangers := map[string]int{}
	attributed := 0
	for i := range sws {
		sw := &sws[i]
		sw.By = slices.DeleteFunc(sw.By, func(s Serving) bool {
			if !nns[s.Daemon] {
				strangers[s.Daemon]++
			}
			return !nns[s.Daemon]
		})
		if len(sw.By) > 0 {
			attributed++
		}
		seen := map[string]bool{}
		for _, s := range sw.By {
			if !seen[s.Daemon] {
				seen[s.Daemon] = true
				perNN[s.Daemon]++
			}
		}
	}
	var unknown string
	if len(strangers) > 0 {
		var names []string
		n := 0
		for _, d := range slices.Sorted(maps.Keys(strangers)) {
			names, n = append(names, d), n+strangers[d]
		}
		unknown = fmt.Sprintf("left out %d records of serving a write by %s, never sampled as a NameNode", n, strings.Join(names, ", "))
	}
	acts := activations(events, RoleNameNode)
	switch {
	case len(sws) == 0:
		r.Verdict, r.Details = Inconclusive, []string{"no acknowledged write"}
		return r
	case attributed == 0:
		r.Verdict = Inconclusive
		r.Details = []string{fmt.Sprintf("no audit record (%s event) and no served-by=nnX note matches any of the %d acknowledged writes",
			KindServed, len(sws))}
		if unknown != "" {
			r.Details = append(r.Details, unknown)
		}
		return r
	case len(acts) == 0:
		r.Verdict, r.Details = Inconclusive, []string{"no NameNode was ever sampled active"}
		return r
	}
	for _, sw := range sws {
		w := sw.Write
		for _, s := range sw.By {
			b, ok := superseded(acts, s.Daemon, s.Time)
			switch {
			case !ok:
			case s.Note:
				r.Details = append(r.Details, fmt.Sprintf("write of %s acknowledged at %s by superseded %s: it started at %s, after %s became active at %s",
					w.Key, ts(w.Time), s.Daemon, ts(s.Time), b.daemon, ts(b.at)))
			default:
				r.Details = append(r.Details, fmt.Sprintf("write of %s acknowledged at %s by superseded %s: its audit log has it at %s, after %s became active at %s",
					w.Key, ts(w.Time), s.Daemon, ts(s.Time), b.daemon, ts(b.at)))
			}
		}
	}
	if len(r.Details) > 0 {
		r.Verdict = Fail
		return r
	}
	r.Verdict = Pass
	var by []string
	for _, d := range slices.Sorted(maps.Keys(perNN)) {
		by = append(by, fmt.Sprintf("%s served %d", d, perNN[d]))
	}
	r.Details = []string{fmt.Sprintf("%d of %d acknowledged writes attributed to a NameNode: %s", attributed, len(sws), strings.Join(by, ", "))}
	if unknown != "" {
		r.Details = append(r.Details, unknown)
	}
	return r
}
