package invariant

import (
	"errors"
	"fmt"
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

// Overall is the verdict of a set of results, as a run report heads it:
// Fail when any failed, else Inconclusive when any was inconclusive, else
// Pass when any passed. ok is false when results holds no known verdict.
func Overall(results ...Result) (v Verdict, ok bool) {
	for _, want := range []Verdict{Fail, Inconclusive, Pass} {
		if slices.ContainsFunc(results, func(r Result) bool { return r.Verdict == want }) {
			return want, true
		}
	}
	return "", false
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
