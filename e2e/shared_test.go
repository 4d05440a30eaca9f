package e2e

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/internal/poll"
)

// TestSharedClusterReset leaves the shared cluster as a careless test
// would (a file in HDFS, nn2 active after a failover, the active
// ResourceManager's JVM killed and rm2 active instead) and checks that
// Reset puts it back: nn1 and rm1 active, the file gone, HA ready, and a
// report that says what it did. Then that KeepPaths keeps what it names
// and AnyActive changes no active.
func TestSharedClusterReset(t *testing.T) {
	tier(t, tierQuick)
	c := shared.Get(t)
	ctx := t.Context()
	st, err := c.Status(ctx, harness.StatusOptions{})
	require.NoError(t, err)
	require.Equal(t, "nn1", st.ActiveNameNode(), "Get resets to nn1 active: %s", st)
	require.Equal(t, "rm1", st.ActiveResourceManager(), "Get resets to rm1 active: %s", st)

	fs, err := c.HDFS(ctx)
	require.NoError(t, err)
	require.NoError(t, harness.WriteFile(ctx, fs, "/shared-reset/leftover", []byte("left by a test")))
	fs.Close()

	res, err := c.Shell(ctx, "hadoop002", "hdfs haadmin -failover nn1 nn2 2>&1")
	require.NoError(t, err)
	require.Zero(t, res.ExitCode, "failover to nn2:\n%s", res.Combined())
	waitActives(ctx, t, c, "nn2", "")

	kill, err := c.Inject(ctx, fault.KillDaemon{Target: fault.ActiveResourceManager})
	require.NoError(t, err)
	t.Logf("killed %v", kill.Targets)
	waitActives(ctx, t, c, "nn2", "rm2")

	rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	rep, err := c.Reset(rctx, harness.ResetOptions{})
	require.NoError(t, err)
	t.Logf("reset in %v: %s", rep.Took.Round(time.Millisecond), strings.Join(rep.Actions, "; "))
	t.Logf("its heal: %s", strings.Join(rep.Heal.Actions, "; "))

	// The report says what it did.
	assertAction(t, rep.Heal.Actions, "undid kill-daemon KILL active-resourcemanager => hadoop002/resourcemanager")
	assertAction(t, rep.Actions, "heal: HA ready after")
	assertAction(t, rep.Actions, "namenode: failover nn2 -> nn1")
	assertAction(t, rep.Actions, "resourcemanager: stopped active rm2 on hadoop003, rm1 took over, started rm2 again")
	assertAction(t, rep.Actions, "hdfs: deleted 1 path(s): /shared-reset")
	assertAction(t, rep.Actions, "HA ready")
	assert.Equal(t, []string{"/shared-reset"}, rep.Deleted)
	assert.Empty(t, c.Active(), "the kill is healed")

	// And it is so, cross-checked with the admin commands.
	require.NoError(t, rep.Status.Ready())
	st, err = c.Status(ctx, harness.StatusOptions{CLI: true})
	require.NoError(t, err)
	require.NoError(t, st.Ready(), "not HA ready after Reset: %s", st)
	assert.Equal(t, "nn1", st.ActiveNameNode(), "%s", st)
	assert.Equal(t, "nn1", st.NameNodeLock, "%s", st)
	assert.Equal(t, "rm1", st.ActiveResourceManager(), "%s", st)
	assert.Equal(t, "rm1", st.ResourceManagerLock, "%s", st)
	fs, err = c.HDFS(ctx)
	require.NoError(t, err)
	defer fs.Close()
	_, err = fs.Stat("/shared-reset/leftover")
	assert.True(t, errors.Is(err, os.ErrNotExist), "the test's file after Reset: %v", err)
	top, err := fs.ReadDir("/")
	require.NoError(t, err)
	assert.Empty(t, top, "HDFS after Reset")

	// KeepPaths keeps what it names (and the directories leading to it);
	// AnyActive leaves the actives as they are: no failover, no stop.
	require.NoError(t, harness.WriteFile(ctx, fs, "/keep/this/file", []byte("kept")))
	require.NoError(t, harness.WriteFile(ctx, fs, "/keep/not-this", []byte("deleted")))
	require.NoError(t, harness.WriteFile(ctx, fs, "/gone", []byte("deleted")))
	rep, err = c.Reset(rctx, harness.ResetOptions{NameNode: harness.AnyActive, ResourceManager: harness.AnyActive, KeepPaths: []string{"/keep/this"}})
	require.NoError(t, err)
	t.Logf("reset keeping /keep/this in %v: %s", rep.Took.Round(time.Millisecond), strings.Join(rep.Actions, "; "))
	assert.Equal(t, []string{"/gone", "/keep/not-this"}, rep.Deleted)
	for _, a := range rep.Actions {
		assert.NotContains(t, a, "namenode:", "AnyActive: no namenode phase")
		assert.NotContains(t, a, "resourcemanager:", "AnyActive: no resourcemanager phase")
	}
	got, err := fs.ReadFile("/keep/this/file")
	require.NoError(t, err)
	assert.Equal(t, "kept", string(got))
}

// waitActives waits until nn (and rm, unless "") are the active NameNode
// and ResourceManager, each named by its election lock.
func waitActives(ctx context.Context, t *testing.T, c *harness.Cluster, nn, rm string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	err := poll.Until(wctx, "active "+nn+" "+rm, 500*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		s, err := c.Status(ctx, harness.StatusOptions{})
		if err != nil {
			return false, s.String(), err
		}
		ok := s.ActiveNameNode() == nn && s.NameNodeLock == nn
		if rm != "" {
			ok = ok && s.ActiveResourceManager() == rm && s.ResourceManagerLock == rm
		}
		return ok, s.String(), nil
	})
	require.NoError(t, err)
}

// assertAction checks that one of actions contains want.
func assertAction(t *testing.T, actions []string, want string) {
	t.Helper()
	for _, a := range actions {
		if strings.Contains(a, want) {
			return
		}
	}
	t.Errorf("no action contains %q: %q", want, actions)
}
