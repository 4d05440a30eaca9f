package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/images"
	"github.com/haharness/haharness/internal/docker"
	"github.com/haharness/haharness/internal/poll"
)

// TestKilledStartIsCollected kills a process with SIGKILL while it starts a
// cluster and checks that harness.GC (what TestMain and `haharness gc` run)
// removes every container and network it left.
func TestKilledStartIsCollected(t *testing.T) {
	tier(t, tierQuick)
	harnesstest.RequireDocker(t)
	ctx := t.Context()
	name := "killed" + time.Now().Format("150405")
	eng, err := docker.Connect(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = harness.Remove(context.Background(), name) })

	cmd := exec.Command(os.Args[0], "-test.run=^$") // TestMain sees the variable and starts the cluster
	cmd.Env = append(os.Environ(), "HAHARNESS_HELPER_CLUSTER="+name)
	require.NoError(t, cmd.Start())
	// Kill it once its hosts exist, i.e. mid-start.
	err = poll.Until(ctx, "helper's hosts created", 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		cs, err := eng.Containers(ctx, docker.LabelCluster+"="+name)
		return len(cs) == 3, fmt.Sprintf("%d containers", len(cs)), err
	})
	if err != nil {
		_ = cmd.Process.Kill()
		require.NoError(t, err)
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	list, err := harness.List(ctx)
	require.NoError(t, err)
	var found *harness.ClusterInfo
	for _, ci := range list {
		if ci.Name == name {
			found = &ci
		}
	}
	require.NotNil(t, found, "the killed start left nothing to collect: the test proves nothing (list %+v)", list)
	assert.True(t, found.Orphaned, "cluster of a killed process not seen as orphaned: %+v", *found)
	removed, err := harness.GC(ctx, false)
	require.NoError(t, err)
	t.Logf("gc removed %v", removed)
	assert.Contains(t, removed, name)
	cs, err := eng.Containers(ctx, docker.LabelCluster+"="+name)
	require.NoError(t, err)
	nets, err := eng.Networks(ctx, docker.LabelCluster+"="+name)
	require.NoError(t, err)
	require.Empty(t, cs, "containers left behind after gc")
	require.Empty(t, nets, "networks left behind after gc")
}

// TestImageContract checks that an image missing the contract is refused
// before anything is created, naming what is missing.
func TestImageContract(t *testing.T) {
	tier(t, tierQuick)
	harnesstest.RequireDocker(t)
	ctx := t.Context()
	eng, err := docker.Connect(ctx)
	require.NoError(t, err)
	// The harness's own image meets it.
	rel, err := images.Lookup(images.DefaultHadoop)
	require.NoError(t, err)
	ref, err := (&images.Builder{Engine: eng}).Ensure(ctx, rel)
	require.NoError(t, err)
	require.NoError(t, images.CheckContract(ctx, eng, ref), "own image fails the contract")
	// The base image (JDK and tools, no Hadoop) does not.
	_, err = harness.Start(ctx, harness.WithName("badimage"), harness.WithImage(images.BaseRef()))
	require.Error(t, err, "Start with a bare image")
	assert.ErrorContains(t, err, "does not meet the haharness contract")
	assert.ErrorContains(t, err, "missing command: hdfs")
	cs, err := eng.Containers(ctx, docker.LabelCluster+"=badimage")
	require.NoError(t, err)
	require.Empty(t, cs, "containers created for a bad image")
}

// TestTimedOutBinaryLeavesNothing runs a test binary whose -timeout ends it
// while its cluster is up (go test's timeout panics from a timer and runs
// no t.Cleanup) and checks that nothing of the cluster is left: harnesstest
// removes the binary's clusters just before the deadline.
func TestTimedOutBinaryLeavesNothing(t *testing.T) {
	tier(t, tierLong)
	harnesstest.RequireDocker(t)
	ctx := t.Context()
	name := "timedout" + time.Now().Format("150405")
	t.Cleanup(func() { _ = harness.Remove(context.Background(), name) })
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperWaitsForTheTimeout$", "-test.timeout=2m", "-test.v")
	cmd.Env = append(os.Environ(), "HAHARNESS_HELPER_TIMEOUT="+name)
	out, err := cmd.CombinedOutput()
	t.Logf("helper binary: %v\n%s", err, lastLines(string(out), 15))
	require.Error(t, err, "the helper must be ended by its timeout")
	require.Contains(t, string(out), "panic: test timed out", "ended by go test's timeout, not otherwise")
	require.Contains(t, string(out), "cluster "+name+" HA ready", "the cluster was up when the timeout came")
	require.Contains(t, string(out), "removed its clusters ["+name+"]")
	requireNothingLeft(t, name, "a timed-out test binary")
}

// TestHelperWaitsForTheTimeout is TestTimedOutBinaryLeavesNothing's helper:
// it starts a cluster and waits for its binary's -timeout.
func TestHelperWaitsForTheTimeout(t *testing.T) {
	name := os.Getenv("HAHARNESS_HELPER_TIMEOUT")
	if name == "" {
		t.Skip("helper of TestTimedOutBinaryLeavesNothing")
	}
	c := harnesstest.Start(t, harness.WithName(name))
	t.Logf("cluster %s HA ready", c.Name())
	_ = poll.Sleep(t.Context(), time.Hour)
}

// TestPanickedTestLeavesNothing runs a test binary whose test panics while
// it holds a shared cluster (a panic ends the binary: harnesstest.Main's
// removal after the tests never runs) and checks that nothing of the
// cluster is left: the cleanup Shared.Get registered removes it first.
func TestPanickedTestLeavesNothing(t *testing.T) {
	tier(t, tierQuick)
	harnesstest.RequireDocker(t)
	ctx := t.Context()
	name := "panicked" + time.Now().Format("150405")
	t.Cleanup(func() { _ = harness.Remove(context.Background(), name) })
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperPanicsHoldingASharedCluster$", "-test.timeout=10m", "-test.v")
	cmd.Env = append(os.Environ(), "HAHARNESS_HELPER_PANIC="+name)
	out, err := cmd.CombinedOutput()
	t.Logf("helper binary: %v\n%s", err, lastLines(string(out), 15))
	require.Error(t, err, "the helper must be ended by its panic")
	require.Contains(t, string(out), "panic: the helper panics holding "+name, "ended by the test's panic, not otherwise")
	require.Contains(t, string(out), "shared cluster "+name+" reset in", "the cluster was up when the test panicked")
	require.Contains(t, string(out), "TestHelperPanicsHoldingASharedCluster panicked: removed shared cluster "+name)
	requireNothingLeft(t, name, "a test that panicked")
}

// TestHelperPanicsHoldingASharedCluster is TestPanickedTestLeavesNothing's
// helper: it gets a shared cluster of its own and panics.
func TestHelperPanicsHoldingASharedCluster(t *testing.T) {
	name := os.Getenv("HAHARNESS_HELPER_PANIC")
	if name == "" {
		t.Skip("helper of TestPanickedTestLeavesNothing")
	}
	harnesstest.NewShared(harness.WithName(name)).Get(t)
	panic("the helper panics holding " + name)
}

// requireNothingLeft fails t if any container or network of cluster name
// is left on the engine, saying what left it.
func requireNothingLeft(t *testing.T, name, by string) {
	t.Helper()
	ctx := t.Context()
	eng, err := docker.Connect(ctx)
	require.NoError(t, err)
	cs, err := eng.Containers(ctx, docker.LabelCluster+"="+name)
	require.NoError(t, err)
	nets, err := eng.Networks(ctx, docker.LabelCluster+"="+name)
	require.NoError(t, err)
	require.Empty(t, cs, "containers left by "+by)
	require.Empty(t, nets, "networks left by "+by)
}
