package shrink

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// StepsFailed names the failure of a run whose steps returned an error
// (not a check): a fault that could not be injected, a failover that
// did not come.
const StepsFailed = "steps"

// Failed returns the names of what failed in a run: each failed check, and
// StepsFailed when the steps returned an error.
func Failed(res *scenarios.Result) []string {
	var out []string
	if res.Err != "" {
		out = append(out, StepsFailed)
	}
	for _, c := range res.Checks {
		if c.Verdict == invariant.Fail {
			out = append(out, c.Check)
		}
	}
	return out
}

// Pin is what a shrink keeps failing, from what failed in the original
// run: its failed checks, or StepsFailed when no check failed.
func Pin(failed []string) []string {
	var checks []string
	for _, f := range failed {
		if f != StepsFailed {
			checks = append(checks, f)
		}
	}
	if len(checks) == 0 {
		return failed
	}
	return checks
}

// ClusterOracle runs each candidate on c, reset first (healed, nn1 and rm1
// active, HDFS emptied) so that every trial starts from the same state,
// and reports it failing when one of the checks named in want failed (a
// check's name is its Result.Check, e.g. "active-at-end"; StepsFailed for
// a step error). With want empty, the first run (Shrink's: the original
// schedule) pins it: the checks that failed then (or, when no check
// failed, the steps) must all fail again, so a candidate that fails some
// other way is not taken for the same failure. Each run's files
// go to dir/trial-N when dir is set.
func ClusterOracle(c *harness.Cluster, want []string, seed int64, dir string, log *slog.Logger) Oracle {
	n := 0
	return func(ctx context.Context, f *spec.File) (bool, string, error) {
		n++
		rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		_, err := c.Reset(rctx, harness.ResetOptions{})
		cancel()
		if err != nil {
			return false, "", fmt.Errorf("reset before the trial: %w", err)
		}
		res, err := scenarios.Run(ctx, c, scenarios.FromFile(f), seed, log)
		if err != nil {
			return false, "", err
		}
		if dir != "" {
			_ = res.Save(fmt.Sprintf("%s/trial-%d", dir, n))
		}
		failed := Failed(res)
		if len(want) == 0 {
			want = Pin(failed)
		}
		hit := len(want) > 0 && !slices.ContainsFunc(want, func(name string) bool { return !slices.Contains(failed, name) })
		saw := "passed"
		if len(failed) > 0 {
			saw = "failed: " + strings.Join(failed, "; ")
		}
		return hit, saw, nil
	}
}
