package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/scenarios/shrink"
	"github.com/haharness/haharness/scenarios/spec"
)

// TestShrinkDemonstration shrinks scenarios/examples/shrink-demo.yaml on a
// real cluster: ten faults, an expectation made to fail on purpose ("nn1
// is active at the end"), and one fault (killing the active NameNode) that
// makes it fail. Every trial runs on the shared cluster reset first (nn1
// and rm1 active). The smallest schedule must be that one fault alone,
// with its hold shortened (the trial that ran it failed).
func TestShrinkDemonstration(t *testing.T) {
	tier(t, tierLong)
	f, err := spec.Load(filepath.Join("..", "scenarios", "examples", "shrink-demo.yaml"))
	require.NoError(t, err)
	require.Len(t, f.Schedule, 10)
	c := shared.Get(t)
	dir := harnesstest.ArtifactsDir(t)
	log := harnesstest.Logger(t)
	start := time.Now()
	res, err := shrink.Shrink(t.Context(), f, shrink.ClusterOracle(c, nil, 1, "", log), shrink.Options{Budget: 40 * time.Minute, Log: log})
	for i, tr := range res.Trials {
		t.Logf("trial %2d: %-45s items=%-2d failed=%-5v took %v %s%s", i+1, tr.What, tr.Items, tr.Failed, tr.Took.Round(time.Second), tr.Saw, tr.Err)
	}
	require.NoError(t, err)
	t.Logf("shrink-demo: %s (test took %v)", res.Summary(), time.Since(start).Round(time.Second))
	require.NoError(t, spec.Save(filepath.Join(dir, "shrink-demo.shrunk.yaml"), res.Smallest, res.Header("scenarios/examples/shrink-demo.yaml")))
	require.False(t, res.OutOfBudget, "the shrink ran out of its budget")
	require.Len(t, res.Smallest.Schedule, 1, "one fault matters")
	got := res.Smallest.Schedule[0]
	assert.Equal(t, "nn-down", got.ID)
	assert.Equal(t, spec.KillDaemon, got.Fault)
	assert.Equal(t, "active-namenode", got.Target)
	assert.Equal(t, time.Second, got.Hold.D(), "the hold is shortened to the 1s floor")
	assert.True(t, res.Trials[0].Failed, "the original fails")
	assert.Contains(t, res.Trials[0].Saw, "active-at-end")
}
