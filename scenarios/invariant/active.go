package invariant

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

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

// sweepActive calls fn, in time order, once for each distinct time of the
// samples of role with the daemons whose latest sample is then "active",
// sorted by name; samples with the same time apply together. It returns the
// time of the history's last event, and false when there is no sample of
// role (fn is then never called).
func sweepActive(h History, role string, fn func(t time.Time, active []string)) (end time.Time, ok bool) {
	all := h.Sorted()
	events := stateEvents(all, role)
	state := map[string]string{}
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
		fn(t, active)
	}
	return lastTime(all), len(events) > 0
}

// ActiveOverlaps returns every window in which two daemons of role were
// both sampled active (each daemon holds its latest sample; samples with the
// same time apply together). ok is false when there is no sample of role.
func ActiveOverlaps(h History, role string) (overlaps []Overlap, ok bool) {
	type pair struct{ a, b string }
	byName := func(p, q pair) int { return strings.Compare(p.a+"\x00"+p.b, q.a+"\x00"+q.b) }
	open := map[pair]time.Time{}
	end, ok := sweepActive(h, role, func(t time.Time, active []string) {
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
	})
	for _, p := range slices.SortedFunc(maps.Keys(open), byName) {
		overlaps = append(overlaps, Overlap{A: p.a, B: p.b, From: open[p], To: end, Open: true})
	}
	return overlaps, ok
}

// ActiveSet is a window in which the same two or more daemons of one role
// were all sampled active, and no other daemon of the role was.
type ActiveSet struct {
	Daemons  []string // sorted by name
	From, To time.Time
	// Open is true when the window lasted until the end of the history.
	Open bool
}

// ActiveSets returns, in time order, the windows in which two or more
// daemons of role were sampled active, as ActiveOverlaps sees them; a window
// ends, and the next may begin, whenever the set of active daemons changes.
// Where ActiveOverlaps names each pair, ActiveSets gives the whole set, e.g.
// to draw one box per window. ok is false when there is no sample of role.
func ActiveSets(h History, role string) (sets []ActiveSet, ok bool) {
	var cur *ActiveSet
	end, ok := sweepActive(h, role, func(t time.Time, active []string) {
		if cur != nil && !slices.Equal(cur.Daemons, active) {
			cur.To = t
			sets, cur = append(sets, *cur), nil
		}
		if cur == nil && len(active) > 1 {
			cur = &ActiveSet{Daemons: active, From: t}
		}
	})
	if cur != nil {
		cur.To, cur.Open = end, true
		sets = append(sets, *cur)
	}
	return sets, ok
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

// SingleActiveOutside is SingleActive where some faults keep the old active
// from being fenced (its host cut off or frozen: excuses reports which, by
// the fault's name). While such a fault is on, and for window after it is
// healed, two daemons of role may both claim active: the old one's claim is
// stale, and NoSplitBrainWrites checks that it committed nothing. Every
// other overlap fails, as does one that outlasts its excuse. The details
// give the longest excused overlap and how long after the heal it ended, so
// the window is measured as well as bounded.
func SingleActiveOutside(h History, role string, window time.Duration, excuses func(fault string) bool) Result {
	r := Result{Check: fmt.Sprintf("single-active %s (stale claims allowed during unfenceable faults + %s)", role, window)}
	ovs, ok := ActiveOverlaps(h, role)
	if !ok {
		r.Verdict = Inconclusive
		r.Details = []string{fmt.Sprintf("no state sample of a %s", role)}
		return r
	}
	ws := FaultWindows(h)
	var longest, afterHeal time.Duration
	for _, o := range ovs {
		// The excuse is the latest unfenceable fault that began before the
		// overlap and whose window (its time on, plus window) holds it.
		var best *FaultWindow
		for i, w := range ws {
			if excuses(w.Fault) && !o.From.Before(w.Start) && (!w.Healed || !o.To.After(w.End.Add(window))) {
				if best == nil || w.Start.After(best.Start) {
					best = &ws[i]
				}
			}
		}
		if best != nil {
			longest = max(longest, o.To.Sub(o.From))
			if best.Healed && o.To.After(best.End) {
				afterHeal = max(afterHeal, o.To.Sub(best.End))
			}
		}
		if best == nil {
			r.Details = append(r.Details, o.String()+": no unfenceable fault explains it")
		}
	}
	r.Verdict = Pass
	if len(r.Details) > 0 {
		r.Verdict = Fail
	}
	if len(ovs) == 0 {
		r.Details = append(r.Details, "never two active at once")
	} else if longest > 0 {
		r.Details = append(r.Details, fmt.Sprintf("longest stale claim %s; it outlasted its fault's heal by at most %s",
			longest.Round(time.Millisecond), afterHeal.Round(time.Millisecond)))
	}
	return r
}
