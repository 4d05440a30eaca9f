package ownservice

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/harness/topology"
)

// TestOwnServiceWritesThroughClusterNetwork runs the service under test in
// its own container on the cluster's network, lets it write a file to
// hdfs://mycluster by the guide's host names, and reads the file back from
// the test process.
func TestOwnServiceWritesThroughClusterNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real HA cluster")
	}
	// Before any testcontainers-go call: skips without an engine (fails if
	// HAHARNESS_REQUIRE_DOCKER is set), and where testcontainers' reaper
	// image cannot be pulled turns the reaper off for this process, so the
	// testcontainers.Run below needs no TESTCONTAINERS_RYUK_DISABLED.
	harnesstest.RequireDocker(t)
	buildDir := buildContext(t) // before the cluster: a compile error costs seconds, not minutes

	c := harnesstest.Start(t) // the guide's three hosts; removed when the test ends
	ctx := t.Context()

	// The service reaches the NameNodes by the guide's host names
	// (hadoop001:8020, hadoop002:8020), which the engine's DNS resolves on
	// the cluster network.
	var nameNodes []string
	for _, h := range c.Topology().On(topology.NameNode) {
		nameNodes = append(nameNodes, net.JoinHostPort(h, strconv.Itoa(config.PortNameNodeRPC)))
	}
	const file = "/ownservice/hello.txt"
	payload := fmt.Sprintf("hello from ownservice to cluster %s\n", c.Name())

	// The service's image: FROM the cluster's image (already on the
	// machine, so nothing is pulled), named after the cluster so concurrent
	// runs do not share it. Terminate removes it with the container;
	// removeImage covers a build that succeeded when the container could not
	// be created. Cleanups run last-registered first: the container goes
	// before the cluster (a container still running on the cluster network
	// would keep the network from being removed).
	base := c.Image()
	repo, tag := "haharness-ownservice", c.Name()
	removeImage(t, repo+":"+tag)
	var buildLog bytes.Buffer
	ctr, err := testcontainers.Run(ctx, "", // no image: it is built from the Dockerfile
		testcontainers.WithDockerfile(testcontainers.FromDockerfile{
			Context:        buildDir,
			Repo:           repo,
			Tag:            tag,
			BuildArgs:      map[string]*string{"IMAGE": &base},
			BuildLogWriter: &buildLog,
		}),
		network.WithNetworkName([]string{"ownservice"}, c.Network()),
		testcontainers.WithCmd("-namenodes", strings.Join(nameNodes, ","), "-path", file, "-payload", payload),
		// The service runs to completion: wait for it to exit.
		testcontainers.WithWaitStrategy(wait.ForExit().WithExitTimeout(2*time.Minute)),
	)
	testcontainers.CleanupContainer(t, ctr) // before the error check: a failed start leaves nothing
	require.NoError(t, err, "run the service container%s\nbuild log:\n%s", ryukHint(), buildLog.String())

	logs := containerLogs(t, ctr)
	t.Logf("service output:\n%s", logs)
	state, err := ctr.State(ctx)
	require.NoError(t, err)
	require.Equal(t, 0, state.ExitCode, "the service failed; its output:\n%s", logs)

	// Read what the service wrote, from the test process.
	fs, err := c.HDFS(ctx)
	require.NoError(t, err)
	defer fs.Close()
	got, err := fs.ReadFile(file)
	require.NoError(t, err, "read %s", file)
	assert.Equal(t, payload, string(got))
}

// buildContext cross-compiles ./service for Linux (static, no cgo, the
// engine's usual architecture) into a temporary directory next to a copy of
// the Dockerfile, and returns the directory: the image build then needs no
// Go toolchain image, which an air-gapped engine could not pull.
func buildContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	df, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644))
	cmd := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-o", filepath.Join(dir, "ownservice"), "./service")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./service:\n%s", out)
	return dir
}

// removeImage removes ref when the test ends, if it is still there.
func removeImage(t *testing.T, ref string) {
	t.Helper()
	t.Cleanup(func() {
		ctx := context.Background()
		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		if err != nil {
			t.Errorf("remove image %s: %v", ref, err)
			return
		}
		defer cli.Close()
		if _, err := cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			t.Errorf("remove image %s: %v", ref, err)
		}
	})
}

// containerLogs returns what the container wrote to stdout and stderr.
func containerLogs(t *testing.T, ctr testcontainers.Container) string {
	t.Helper()
	r, err := ctr.Logs(t.Context())
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

// ryukHint is for a failed start while the reaper runs (it is off where its
// image could not be pulled: RequireDocker saw to that): the reaper itself
// may be what failed.
func ryukHint() string {
	if testcontainers.ReadConfig().RyukDisabled {
		return ""
	}
	return " (if the reaper failed, TESTCONTAINERS_RYUK_DISABLED=true turns it off)"
}
