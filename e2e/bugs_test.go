package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/images"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// newest34 is the newest 3.4.x release haharness builds.
func newest34(t *testing.T) string {
	t.Helper()
	for _, r := range images.Releases() { // newest first
		if strings.HasPrefix(r.Hadoop, "3.4.") {
			return r.Hadoop
		}
	}
	t.Fatal("no 3.4.x release in images.Releases()")
	return ""
}

// TestBugReproducesOnAffectedRelease runs the HADOOP-19228 scenario file,
// which passes on 3.5.0 (make scenarios), on the newest 3.4.x, which does
// not have the fix: the shell fence runs during the failover but cannot
// read the hyphenated key, so it prints an empty value and the file's log
// expectation fails, while the failover itself and the invariants hold.
func TestBugReproducesOnAffectedRelease(t *testing.T) {
	tier(t, tierLong)
	f, err := spec.Load(filepath.Join("..", "scenarios", "files", "hadoop-19228-shell-fence-sees-hyphenated-keys.yaml"))
	require.NoError(t, err)
	v := newest34(t)
	f.Cluster.Hadoop = v
	sc := scenarios.FromFile(f)
	c := harnesstest.Start(t, sc.StartOptions()...)
	out, err := c.Shell(t.Context(), "hadoop001", "hadoop version | head -1")
	require.NoError(t, err)
	require.Contains(t, out.Stdout, "Hadoop "+v, "the cluster runs the affected release")
	res, err := scenarios.Run(t.Context(), c, sc, 1, harnesstest.Logger(t))
	require.NoError(t, err)
	t.Logf("on %s:\n%s", v, res.Timeline())
	assert.Empty(t, res.Err, "the schedule ran")
	for _, r := range res.Checks {
		if r.Check == "logs" {
			assert.Equal(t, invariant.Fail, r.Verdict, "the bug: the fence cannot see the hyphenated key: %s", r)
			continue
		}
		assert.Equal(t, invariant.Pass, r.Verdict, "everything but the fence's output holds: %s", r)
	}
	logs, err := c.Logs(t.Context(), "hadoop002", topology.ZKFC, 5000)
	require.NoError(t, err)
	assert.Contains(t, logs, "haharness fence saw connect-timeout=[]", "the fence ran and printed an empty value")
}
