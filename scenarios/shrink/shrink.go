// Package shrink makes a failing scenario file smaller: it removes schedule
// items (delta debugging, Zeller's ddmin, over the items) and then shortens
// the holds of those left, keeping each change only while the same
// expectation still fails, and stops when nothing more can go or the time
// budget is spent. The smallest failing schedule found is the result.
//
// Shrink itself is pure: it asks an Oracle whether a candidate still fails.
// ClusterOracle is the oracle that runs a candidate on a real cluster
// (reset before each run, so every trial starts from the same state: nn1
// and rm1 active, HDFS empty).
//
// Layering: imports harness, scenarios, scenarios/invariant and
// scenarios/spec.
package shrink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haharness/haharness/scenarios/spec"
)

// Oracle runs a candidate and reports whether the expectation being
// shrunk for still fails, with a line saying what it saw. An error means
// the candidate could not be judged (the trial is counted as passing).
type Oracle func(ctx context.Context, f *spec.File) (failed bool, saw string, err error)

// Options tune Shrink.
type Options struct {
	// Budget bounds the whole shrink (default 30m); the smallest failing
	// schedule found by then is returned.
	Budget time.Duration
	// MinHold is the shortest hold tried (default 1s).
	MinHold time.Duration
	Log     *slog.Logger
}

// Trial is one run of a candidate.
type Trial struct {
	What   string        `json:"what"`
	Items  int           `json:"items"`
	Failed bool          `json:"failed"`
	Saw    string        `json:"saw"`
	Err    string        `json:"error,omitempty"`
	Took   time.Duration `json:"took"`
}

// Result is what Shrink found.
type Result struct {
	Original *spec.File `json:"-"`
	// Smallest is the smallest schedule seen failing (Original when
	// nothing could go).
	Smallest *spec.File    `json:"-"`
	Trials   []Trial       `json:"trials"`
	Took     time.Duration `json:"took"`
	// OutOfBudget is set when the budget ran out before shrinking was done.
	OutOfBudget bool `json:"outOfBudget"`
}

// ErrDoesNotFail is returned when the original schedule does not fail:
// there is nothing to shrink.
var ErrDoesNotFail = errors.New("the expectation does not fail on the original schedule, so there is nothing to shrink")

// Summary is one line: items and total hold before and after, trials, time.
func (r *Result) Summary() string {
	return fmt.Sprintf("%d item(s) (faults held %v in all) -> %d item(s) (held %v) in %d trial(s), %v%s",
		len(r.Original.Schedule), totalHold(r.Original), len(r.Smallest.Schedule), totalHold(r.Smallest),
		len(r.Trials), r.Took.Round(time.Second), map[bool]string{true: " (budget spent: may shrink further)"}[r.OutOfBudget])
}

func totalHold(f *spec.File) time.Duration {
	var d time.Duration
	for _, it := range f.Schedule {
		d += it.Hold.D()
	}
	return d
}

// Shrink returns the smallest failing variant of f it finds. The first
// trial runs f itself; if it does not fail, Shrink returns ErrDoesNotFail.
func Shrink(ctx context.Context, f *spec.File, oracle Oracle, o Options) (*Result, error) {
	if o.Budget <= 0 {
		o.Budget = 30 * time.Minute
	}
	if o.MinHold <= 0 {
		o.MinHold = time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.Budget)
	defer cancel()
	s := &shrinker{ctx: ctx, oracle: oracle, log: o.Log, res: &Result{Original: f, Smallest: f}, cache: map[string]bool{}}
	defer func() { s.res.Took = time.Since(start) }()
	failed, err := s.try("the original schedule", f)
	if err != nil {
		return s.res, err
	}
	if !failed {
		return s.res, ErrDoesNotFail
	}
	all := make([]int, len(f.Schedule))
	for i := range all {
		all[i] = i
	}
	kept := s.ddmin(all)
	cur := subset(f, kept)
	s.res.Smallest = cur
	cur = s.shortenHolds(cur, o.MinHold)
	s.res.Smallest = cur
	s.res.OutOfBudget = ctx.Err() != nil
	return s.res, nil
}

type shrinker struct {
	ctx    context.Context
	oracle Oracle
	log    *slog.Logger
	res    *Result
	cache  map[string]bool
}

// try runs one candidate (cached by its YAML) and records the trial.
func (s *shrinker) try(what string, f *spec.File) (bool, error) {
	b, err := spec.Marshal(f, "")
	if err != nil {
		return false, err
	}
	key := string(b)
	if v, ok := s.cache[key]; ok {
		return v, nil
	}
	if err := s.ctx.Err(); err != nil {
		return false, err
	}
	t0 := time.Now()
	failed, saw, err := s.oracle(s.ctx, f)
	tr := Trial{What: what, Items: len(f.Schedule), Failed: failed && err == nil, Saw: saw, Took: time.Since(t0)}
	if err != nil {
		tr.Err = err.Error()
	}
	s.res.Trials = append(s.res.Trials, tr)
	s.log.Info("shrink trial", "n", len(s.res.Trials), "what", what, "items", tr.Items, "failed", tr.Failed, "saw", saw, "err", err, "took", tr.Took.Round(time.Second))
	if s.ctx.Err() != nil {
		return false, s.ctx.Err()
	}
	s.cache[key] = tr.Failed
	return tr.Failed, nil
}

// ddmin returns a subset of idx (schedule indices) that still fails, and
// from which no single chunk of the last granularity can be removed.
func (s *shrinker) ddmin(idx []int) []int {
	n := 2
	for len(idx) >= 2 && s.ctx.Err() == nil {
		chunks := split(idx, n)
		reduced := false
		for _, c := range chunks {
			if failed, _ := s.try("keep items "+names(s.res.Original, c), subset(s.res.Original, c)); failed {
				idx, n, reduced = c, 2, true
				break
			}
		}
		if !reduced && n > 2 {
			for i := range chunks {
				comp := complement(idx, chunks[i])
				if failed, _ := s.try("drop items "+names(s.res.Original, chunks[i]), subset(s.res.Original, comp)); failed {
					idx, n, reduced = comp, max(n-1, 2), true
					break
				}
			}
		}
		if reduced {
			s.res.Smallest = subset(s.res.Original, idx)
			continue
		}
		if n >= len(idx) {
			break
		}
		n = min(2*n, len(idx))
	}
	return idx
}

// shortenHolds halves each fault's hold while the candidate still fails.
func (s *shrinker) shortenHolds(f *spec.File, minHold time.Duration) *spec.File {
	cur := clone(f)
	for i := range cur.Schedule {
		for s.ctx.Err() == nil {
			h := cur.Schedule[i].Hold.D()
			next := max((h / 2).Round(100*time.Millisecond), minHold)
			if h == 0 || next >= h {
				break
			}
			cand := clone(cur)
			cand.Schedule[i].Hold = spec.Duration(next)
			failed, _ := s.try(fmt.Sprintf("hold %s %v -> %v", cur.Schedule[i].ID, h, next), cand)
			if !failed {
				break
			}
			cur = cand
			s.res.Smallest = cur
		}
	}
	return cur
}

// split cuts idx into n chunks of near-equal size.
func split(idx []int, n int) [][]int {
	var out [][]int
	for i := range n {
		lo, hi := i*len(idx)/n, (i+1)*len(idx)/n
		if hi > lo {
			out = append(out, idx[lo:hi])
		}
	}
	return out
}

func complement(idx, drop []int) []int {
	var out []int
	for _, i := range idx {
		if !slices.Contains(drop, i) {
			out = append(out, i)
		}
	}
	return out
}

func names(f *spec.File, idx []int) string {
	var ids []string
	for _, i := range idx {
		ids = append(ids, f.Schedule[i].ID)
	}
	return strings.Join(ids, ",")
}

// subset returns f with only the schedule items at idx, less every item
// that waits for one left out (and so on), and less the expectations about
// faults left out.
func subset(f *spec.File, idx []int) *spec.File {
	out := clone(f)
	out.Schedule = nil
	for _, i := range idx {
		out.Schedule = append(out.Schedule, clone(f).Schedule[i])
	}
	for changed := true; changed; {
		changed = false
		ids := map[string]bool{}
		for _, it := range out.Schedule {
			ids[it.ID] = true
		}
		out.Schedule = slices.DeleteFunc(out.Schedule, func(it spec.Item) bool {
			ref, _, ok := strings.Cut(it.After, ".")
			if ok && !ids[ref] {
				changed = true
				return true
			}
			return false
		})
	}
	ids := map[string]bool{}
	for _, it := range out.Schedule {
		ids[it.ID] = true
	}
	out.Expect.Writes = slices.DeleteFunc(out.Expect.Writes, func(w spec.WritesDuring) bool { return !ids[w.Fault] })
	return out
}

// clone deep-copies f through its YAML form's fields that shrinking edits.
func clone(f *spec.File) *spec.File {
	c := *f
	c.Schedule = slices.Clone(f.Schedule)
	c.Expect.Writes = slices.Clone(f.Expect.Writes)
	return &c
}

// Header is the comment Shrink's output file starts with.
func (r *Result) Header(source string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Shrunk from %s by `haharness scenario shrink`:\n%s\n", source, r.Summary())
	for i, t := range r.Trials {
		fmt.Fprintf(&b, "trial %s: %s (%d items): failed=%v %s\n", strconv.Itoa(i+1), t.What, t.Items, t.Failed, firstLine(t.Saw+" "+t.Err))
	}
	return b.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}
