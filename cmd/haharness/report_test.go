//go:build !hh_noscenarios

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/invariant"
)

// fixture is a saved history of scenarios/invariant's testdata: nn2 takes
// over from frozen nn1, which claims active again for 1.5 s after it
// resumes.
const fixture = "../../scenarios/invariant/testdata/split-brain.json"

// saveStaleClaimRun saves, as a run of
// scenarios/files/freeze-active-namenode-shell-fencing.yaml would with its
// seven checks, a run whose NameNode stale claim is within the file's
// bound, its probe judged on the live cluster; it returns the history's
// path and the results the run printed.
func saveStaleClaimRun(t *testing.T) (string, []invariant.Result) {
	t.Helper()
	h, err := invariant.Load(fixture)
	require.NoError(t, err)
	for i, ev := range h.Events {
		if ev.Op == invariant.OpWrite && ev.Value == "2" {
			h.Events[i].Note = "served-by=nn2" // the new active served it: no split brain
		}
	}
	h.Scenario = "freeze-active-namenode-shell-fencing"
	freeze := invariant.FaultWindows(h)[0]
	plan := append(scenarios.DefaultPlan(h.Scenario),
		invariant.Check{Check: invariant.CheckFailoverWithin, Role: invariant.RoleNameNode, Bound: scenarios.FailoverBound(),
			Faults: []string{freeze.Fault}, Of: "items with failover: namenode"},
		invariant.Check{Check: invariant.CheckWritesDuring, Fault: "freeze", From: freeze.Start, To: freeze.End, Acknowledged: "some", AtLeast: 1},
		invariant.Recorded(invariant.Result{Check: "probe old-active-write: write through initial-active-namenode refused",
			Verdict: invariant.Pass, Details: []string{"through nn1: acknowledged=false"}}))
	checks := invariant.Judge(h, plan)
	h.Judgement = &invariant.Judgement{Plan: plan, Results: checks}
	dir := t.TempDir()
	require.NoError(t, scenarios.SaveRun(dir, h, &scenarios.Result{Scenario: h.Scenario, Checks: checks}, "", checks))
	return filepath.Join(dir, "history.json"), checks
}

func runReport(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb strings.Builder
	code = run(t.Context(), append([]string{"report"}, args...), &env{stdout: &out, stderr: &errb})
	t.Logf("haharness report %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return code, out.String(), errb.String()
}

// A run whose stale claim is within its bound passed; judged again from
// its history.json it is judged with the same checks and passes again.
func TestReportJudgesWithTheSavedPlan(t *testing.T) {
	path, checks := saveStaleClaimRun(t)
	require.NoError(t, invariant.AllPass(checks...), "the run")
	code, out, _ := runReport(t, path)
	assert.Equal(t, 0, code)
	assert.NotContains(t, out, "holds no plan")
	assert.Len(t, checks, 7)
	assert.Equal(t, len(checks), strings.Count("\n"+out, "\ncheck"), "every check the run printed")
	for _, c := range checks {
		assert.Contains(t, out, c.String())
	}
	assert.Contains(t, out, "check: stale-active-within 15s namenode: pass")
	assert.Contains(t, out, "check (as recorded): probe old-active-write")
	assert.FileExists(t, strings.TrimSuffix(path, ".json")+".html")
}

// A saved verdict that judging again does not give is a determinism bug:
// both are printed and report fails.
func TestReportFailsWhenVerdictsDiffer(t *testing.T) {
	path, _ := saveStaleClaimRun(t)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var h map[string]any
	require.NoError(t, json.Unmarshal(b, &h))
	h["judgement"].(map[string]any)["results"].([]any)[0].(map[string]any)["verdict"] = "fail"
	b, err = json.Marshal(h)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	code, _, stderr := runReport(t, path)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "1 check(s)")
	assert.Contains(t, stderr, "saved:     stale-active-within 15s namenode: fail")
	assert.Contains(t, stderr, "re-judged: stale-active-within 15s namenode: pass")
}

// A history saved before runs kept their plan gets its scenario's
// default checks, and report says so.
func TestReportOfAHistoryWithoutPlan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.json")
	b, err := os.ReadFile(fixture)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	code, out, _ := runReport(t, path)
	assert.Equal(t, 0, code)
	assert.Equal(t, 1, strings.Count(out, "holds no plan"))
	assert.Contains(t, out, "check: single-active namenode: fail")
	assert.Equal(t, 4, strings.Count("\n"+out, "\ncheck: "))
}
