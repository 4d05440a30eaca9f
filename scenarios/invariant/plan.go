package invariant

import (
	"slices"
	"time"
)

// Plan is the checks that judge a run, as data: a run saves it with its
// History (Judgement) so that a saved run is judged again, by Judge, with
// the checks the run was judged with.
type Plan []Check

// The checks a Plan names (Check.Check).
const (
	CheckSingleActive             = "single-active"
	CheckStaleActiveWithin        = "stale-active-within"
	CheckSingleActiveOutside      = "single-active-outside"
	CheckNoSplitBrainWrites       = "no-split-brain-writes"
	CheckNoLostAcknowledgedWrites = "no-lost-acknowledged-writes"
	CheckFilesIntact              = "files-intact"
	CheckFailoverWithin           = "failover-within"
	CheckNoFailover               = "no-failover"
	CheckWritesDuring             = "writes-during"
)

// Check is one check of a Plan: which (Check) and its parameters; the
// fields a check does not take are left empty.
type Check struct {
	Check string `json:"check"`
	// Role is the role the check is about (RoleNameNode...).
	Role string `json:"role,omitempty"`
	// Bound is the bound of stale-active-within and failover-within, the
	// window of single-active-outside.
	Bound time.Duration `json:"bound,omitempty"`
	// Faults are fault labels: the faults that excuse a stale claim, for
	// single-active-outside; for failover-within with Of set, the only
	// faults that count, Of saying which they are in the result's name
	// (e.g. "items with failover: namenode").
	Faults []string `json:"faults,omitempty"`
	Of     string   `json:"of,omitempty"`
	// Initial is no-failover's active when the schedule began.
	Initial string `json:"initial,omitempty"`
	// Fault, From, To, Acknowledged and AtLeast are WritesDuring's.
	Fault        string    `json:"fault,omitempty"`
	From         time.Time `json:"from,omitzero"`
	To           time.Time `json:"to,omitzero"`
	Acknowledged string    `json:"acknowledged,omitempty"`
	AtLeast      int       `json:"atLeast,omitempty"`
	// Recorded is the result of a check that needs more than the History
	// (the live cluster, a read-back, the run's own records): the run
	// judged it, and Judge returns it as recorded.
	Recorded *Result `json:"recorded,omitempty"`
}

// Recorded is the check of a Plan that carries r, judged by the run.
func Recorded(r Result) Check { return Check{Check: r.Check, Recorded: &r} }

// Judgement is a run's Plan and the Results Judge gave it, in plan order.
type Judgement struct {
	Plan    Plan     `json:"plan"`
	Results []Result `json:"results"`
}

// Judge judges h with each check of plan, in order. Recorded checks give
// their recorded result; a check it does not know is inconclusive.
func Judge(h History, plan Plan) []Result {
	out := make([]Result, 0, len(plan))
	for _, c := range plan {
		out = append(out, judge(h, c))
	}
	return out
}

func judge(h History, c Check) Result {
	if c.Recorded != nil {
		return *c.Recorded
	}
	switch c.Check {
	case CheckSingleActive:
		return SingleActive(h, c.Role)
	case CheckStaleActiveWithin:
		return StaleActiveWithin(h, c.Role, c.Bound)
	case CheckSingleActiveOutside:
		return SingleActiveOutside(h, c.Role, c.Bound, func(f string) bool { return slices.Contains(c.Faults, f) })
	case CheckNoSplitBrainWrites:
		return NoSplitBrainWrites(h)
	case CheckNoLostAcknowledgedWrites:
		return NoLostAcknowledgedWrites(h)
	case CheckFilesIntact:
		return FilesIntact(h)
	case CheckFailoverWithin:
		if c.Of == "" {
			return FailoverWithin(h, c.Role, c.Bound)
		}
		r := FailoverWithin(OnlyFaults(h, c.Faults), c.Role, c.Bound)
		r.Check += " (" + c.Of + ")"
		return r
	case CheckNoFailover:
		return NoFailover(h, c.Role, c.Initial)
	case CheckWritesDuring:
		// Wall clock only (Round(0)), as after a JSON round trip.
		return WritesDuring(h, c.Fault, c.From.Round(0), c.To.Round(0), c.Acknowledged, c.AtLeast)
	}
	return Result{Check: c.Check, Verdict: Inconclusive, Details: []string{"unknown check: this haharness cannot judge it"}}
}

// Same reports whether a and b say the same: check, verdict and details
// (nil and empty details alike, as after a JSON round trip).
func Same(a, b Result) bool {
	return a.Check == b.Check && a.Verdict == b.Verdict && slices.Equal(a.Details, b.Details)
}
