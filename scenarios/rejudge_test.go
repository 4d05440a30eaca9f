package scenarios

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
)

// A saved run judged again by its saved plan gives its saved results; a
// saved result that the history does not bear out is reported.
func TestRejudge(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := invariant.History{Scenario: "kill-active-namenode", Seed: 1}
	h.Add(invariant.Event{Time: t0, Kind: invariant.KindState, Daemon: "nn1", Role: invariant.RoleNameNode, State: invariant.StateActive})
	h.Add(invariant.Event{Time: t0.Add(time.Second), Kind: invariant.KindState, Daemon: "nn2", Role: invariant.RoleNameNode, State: invariant.StateActive})
	plan := invariant.Plan{
		{Check: invariant.CheckSingleActive, Role: invariant.RoleNameNode},
		invariant.Recorded(invariant.Result{Check: "widget-no-lost-gears", Verdict: invariant.Pass}),
	}
	h.Judgement = &invariant.Judgement{Plan: plan, Results: invariant.Judge(h, plan)}
	require.Equal(t, invariant.Fail, h.Judgement.Results[0].Verdict, "two actives at once: the fixture must fail single-active")
	path := filepath.Join(t.TempDir(), "history.json")
	require.NoError(t, h.Save(path))

	rj, err := Rejudge(path)
	require.NoError(t, err)
	assert.False(t, rj.Default)
	assert.Len(t, rj.Results, 2)
	assert.Empty(t, rj.Differ, "the same plan on the same history")

	h.Judgement.Results[0].Verdict = invariant.Pass // a saved verdict the history does not bear out
	require.NoError(t, h.Save(path))
	rj, err = Rejudge(path)
	require.NoError(t, err)
	require.Len(t, rj.Differ, 1)
	assert.Contains(t, rj.Differ[0], "re-judged:")

	h.Judgement = nil // saved before runs kept their plan
	require.NoError(t, h.Save(path))
	rj, err = Rejudge(path)
	require.NoError(t, err)
	assert.True(t, rj.Default)
	assert.NotEmpty(t, rj.Plan, "the scenario's default checks")
}
