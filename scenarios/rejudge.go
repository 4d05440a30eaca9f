package scenarios

import (
	"fmt"

	"github.com/haharness/haharness/scenarios/invariant"
)

// Rejudged is a saved run judged again by the plan it saved.
type Rejudged struct {
	History invariant.History
	// Plan is the run's saved plan, or its scenario's default checks for a
	// history saved before runs kept theirs (Default says so).
	Plan    invariant.Plan
	Default bool
	// Results are Plan's results on History now.
	Results []invariant.Result
	// Differ are the checks whose result differs from the saved one:
	// "saved: ... re-judged: ...", one per check.
	Differ []string
}

// Rejudge loads the history at path and judges it again with the plan its
// run saved (invariant.Judge), comparing each result with the saved one
// (invariant.Same). A saved run that judges differently is a determinism
// bug of the checks; `haharness report` and the scenario runner report it.
func Rejudge(path string) (Rejudged, error) {
	h, err := invariant.Load(path)
	if err != nil {
		return Rejudged{}, err
	}
	r := Rejudged{History: h}
	if h.Judgement == nil {
		r.Plan, r.Default = DefaultPlan(h.Scenario), true
	} else {
		r.Plan = h.Judgement.Plan
	}
	r.Results = invariant.Judge(h, r.Plan)
	if r.Default {
		return r, nil
	}
	saved := h.Judgement.Results
	for i, res := range r.Results {
		if i >= len(saved) || !invariant.Same(saved[i], res) {
			was := "(none)"
			if i < len(saved) {
				was = saved[i].String()
			}
			r.Differ = append(r.Differ, fmt.Sprintf("  saved:     %s\n  re-judged: %s", was, res))
		}
	}
	for i := len(r.Results); i < len(saved); i++ {
		r.Differ = append(r.Differ, fmt.Sprintf("  saved:     %s\n  re-judged: (none)", saved[i]))
	}
	return r, nil
}
