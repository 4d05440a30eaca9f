package e2e

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/harnesstest"
)

// TestWarmStart checks a start from the configuration's snapshot: no
// format, bootstrapStandby or formatZK ran, the cluster is HA ready with
// nn1 active, both NameNodes and every DataNode share the snapshot's
// cluster ID, HDFS is empty and takes a replication-3 write, and the
// snapshot is listed (not stale) and survives `gc --snapshots`. When no
// snapshot of the preset exists yet, the first start saves it and the test
// starts again.
func TestWarmStart(t *testing.T) {
	tier(t, tierQuick)
	ctx := t.Context()
	c := harnesstest.Start(t)
	if !slices.Contains(stepNames(c), "restore snapshot") {
		t.Logf("first start of this configuration (cold, saved the snapshot): %v; starting again", stepNames(c))
		require.NoError(t, c.Destroy(ctx))
		c = harnesstest.Start(t)
	}
	steps := stepNames(c)
	t.Logf("warm start steps: %v", steps)
	require.Contains(t, steps, "restore snapshot")
	for _, cold := range []string{"format nn1", "bootstrap standby namenodes", "format zkfc znode"} {
		require.NotContains(t, steps, cold, "a warm start runs no format step")
	}
	require.True(t, strings.HasPrefix(c.Image(), harness.SnapshotRepo+":"), "hosts run the snapshot image, not %s", c.Image())

	st, err := c.Status(ctx, harness.StatusOptions{CLI: true})
	require.NoError(t, err)
	require.NoError(t, st.Ready(), "HA ready after a warm start")
	require.Equal(t, "nn1", st.ActiveNameNode(), "nn1 comes up active, as on a cold start")

	// One HDFS cluster ID across the restored NameNodes and the DataNodes
	// that registered with them at this start.
	ids := map[string]string{}
	for _, d := range []struct{ host, dir string }{
		{"hadoop001", config.NameDir}, {"hadoop002", config.NameDir},
		{"hadoop001", config.DataDir}, {"hadoop002", config.DataDir}, {"hadoop003", config.DataDir},
	} {
		res, err := c.Shell(ctx, d.host, "grep '^clusterID=' "+d.dir+"/current/VERSION")
		require.NoError(t, err)
		require.Zero(t, res.ExitCode, "%s:%s/current/VERSION: %s", d.host, d.dir, res.Combined())
		ids[d.host+":"+d.dir] = strings.TrimSpace(res.Stdout)
	}
	want := ids["hadoop001:"+config.NameDir]
	require.True(t, strings.HasPrefix(want, "clusterID=CID-haharness-"), "nn1's %s", want)
	for where, id := range ids {
		require.Equal(t, want, id, "cluster ID of %s", where)
	}

	fs, err := c.HDFS(ctx)
	require.NoError(t, err)
	defer fs.Close()
	top, err := fs.ReadDir("/")
	require.NoError(t, err)
	require.Empty(t, top, "a warm cluster's HDFS starts empty")
	data := bytes.Repeat([]byte("warm start\n"), 1000)
	require.NoError(t, harness.WriteFile(ctx, fs, "/e2e/warm.txt", data))
	assertFile(t, c, "/e2e/warm.txt", data)
	res, err := c.Shell(ctx, "hadoop001", "hdfs fsck /e2e/warm.txt -files -blocks -locations")
	require.NoError(t, err)
	require.Contains(t, res.Stdout, "HEALTHY")
	require.Contains(t, res.Stdout, "repl=3")

	snaps, err := harness.ListSnapshots(ctx)
	require.NoError(t, err)
	i := slices.IndexFunc(snaps, func(s harness.Snapshot) bool { return s.Ref == c.Image() })
	require.GreaterOrEqual(t, i, 0, "the snapshot %s is listed: %+v", c.Image(), snaps)
	require.False(t, snaps[i].Stale, "a snapshot whose image is there is not stale")
	removed, err := harness.GCSnapshots(ctx, false)
	require.NoError(t, err)
	require.NotContains(t, removed, c.Image(), "gc --snapshots removes only stale snapshots")
}

func stepNames(c *harness.Cluster) []string {
	var out []string
	for _, s := range c.Steps() {
		out = append(out, s.Name)
	}
	return out
}
