package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// Every built-in scenario file loads, and every scenario the catalogue
// held in Go before it moved to files is still there.
func TestBuiltInFiles(t *testing.T) {
	files, err := FileScenarios()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 15)
	names := map[string]bool{}
	for _, sc := range files {
		names[sc.Name] = true
		require.NotNil(t, sc.File)
		assert.NotEmpty(t, sc.File.Schedule, "%s: empty schedule", sc.Name)
		assert.Equal(t, spec.APIVersion, sc.File.APIVersion)
	}
	for _, n := range []string{"kill-active-namenode", "kill-active-namenode-host", "freeze-active-namenode",
		"freeze-active-namenode-shell-fencing", "partition-active-namenode-from-zookeeper", "kill-active-resourcemanager-during-job",
		"journalnode-minority-loss", "journalnode-majority-loss", "kill-zookeeper-leader", "zookeeper-quorum-loss"} {
		assert.True(t, names[n], "%s is missing", n)
	}
	bugs := 0
	for _, sc := range files {
		if len(sc.File.References) > 0 {
			bugs++
			assert.Contains(t, sc.Description, "["+sc.File.References[0].ID+"]")
		}
	}
	assert.GreaterOrEqual(t, bugs, 5, "scenarios named after real bugs")
}

// A fault whose item asks an add-on's HA role to fail over is judged by
// failover-within on that role's lanes, as a NameNode's is on theirs.
func TestJudgeFailoverOfAnAddonRole(t *testing.T) {
	f := &spec.File{Name: "x"}
	r := newFileRun(f)
	r.failoverLabels["widget"] = []string{"kill-daemon KILL widget-leader => hadoop001/widget"}
	r.failoverLabels[topology.NameNode] = []string{"kill-daemon KILL active-namenode => hadoop001/namenode"}
	plan := r.judge(t.Context(), &Env{})
	var got []string
	for _, c := range plan {
		if c.Check == invariant.CheckFailoverWithin {
			got = append(got, c.Role+": "+c.Of)
		}
	}
	assert.Equal(t, []string{"namenode: items with failover: namenode", "widget: items with failover: widget"}, got)
}
