// Package harnesstest is the `go test` glue of haharness, named like
// httptest: Start brings a cluster up for a test, registers its removal with
// t.Cleanup before checking the error, and saves artifacts (logs, configs,
// ZooKeeper dump, events) when the test failed.
//
// A cluster takes tens of seconds to start; tests that can begin from the
// same state share one instead (Shared): started by the first test that
// asks, reset before each later one (harness.Cluster.Reset: healed, nn1
// and rm1 active, HDFS emptied), removed by Main when the tests end:
//
//	var shared = harnesstest.NewShared() // harness.Options, as Start's
//
//	func TestMain(m *testing.M) { os.Exit(harnesstest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		c := shared.Get(t) // or shared.GetWith(t, harness.ResetOptions{NameNode: "nn2"})
//		...
//	}
//
// Tests that need their own options, or check the start itself, keep Start.
//
// The engine is found as testcontainers-go finds it (DOCKER_HOST,
// ~/.testcontainers.properties, the default and rootless Docker sockets).
// Without one the test is skipped, unless HAHARNESS_REQUIRE_DOCKER is set
// (CI sets it), in which case it fails: CI cannot pass by skipping.
// RequireDocker (Start calls it) also settles the reaper for the process
// before testcontainers-go reads its configuration: where the Ryuk image
// cannot be pulled it sets TESTCONTAINERS_RYUK_DISABLED=true, so a test's
// own testcontainers-go containers start too; call it before the test's
// first testcontainers-go call.
// HAHARNESS_KEEP=1 keeps clusters after the test for debugging.
// Artifacts go under HAHARNESS_ARTIFACTS (default ./artifacts) in a directory
// named after the test; the failure message names it.
//
// Layering: imports harness; only this package and tests call t.Fatal.
package harnesstest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/internal/docker"
)

// Start starts a cluster for t (harness.Start with a logger bound to t.Logf)
// and fails the test if it cannot. As testcontainers-go's helpers do, the
// cleanup is registered before the error is checked, so a start that fails
// midway leaves nothing behind.
func Start(t testing.TB, opts ...harness.Option) *harness.Cluster {
	t.Helper()
	RequireDocker(t)
	opts = append([]harness.Option{harness.WithLogger(Logger(t)), harness.WithFailureArtifacts(ArtifactsDir(t))}, opts...)
	if Keep() {
		// Kept clusters outlive the test process: gc must not collect them.
		opts = append(opts, harness.WithDetached())
	}
	removeBeforeTimeout(t)
	c, err := harness.Start(t.Context(), opts...)
	t.Cleanup(func() { Cleanup(t, c) })
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	return c
}

var timeoutOnce sync.Once

// TimeoutMargin is how long before go test's -timeout the clusters of the
// test binary are removed: the timeout panics the binary from a timer, and
// no t.Cleanup runs then (a test's own panic does run them).
const TimeoutMargin = 30 * time.Second

// removeBeforeTimeout arms, once per test binary, the removal of every
// cluster the binary owns TimeoutMargin before its -timeout ends it.
func removeBeforeTimeout(t testing.TB) {
	tt, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return
	}
	deadline, ok := tt.Deadline()
	if !ok || time.Until(deadline) <= TimeoutMargin {
		return
	}
	timeoutOnce.Do(func() {
		time.AfterFunc(time.Until(deadline)-TimeoutMargin, func() {
			ctx, cancel := context.WithTimeout(context.Background(), TimeoutMargin-5*time.Second)
			defer cancel()
			removed, err := harness.RemoveOwned(ctx)
			fmt.Fprintf(os.Stderr, "harnesstest: go test's -timeout ends this binary at %s: removed its clusters %v first (err: %v); "+
				"give the package more time with -timeout, or run fewer tests with -run\n", deadline.Format(time.TimeOnly), removed, err)
		})
	})
}

// Keep reports whether HAHARNESS_KEEP is set (to anything but "" or "0"):
// clusters are then left running after the test, for debugging, and the
// log says how to reach and remove them.
func Keep() bool {
	v := os.Getenv("HAHARNESS_KEEP")
	return v != "" && v != "0"
}

// Cleanup saves artifacts if t failed (or HAHARNESS_KEEP_ARTIFACTS is
// set), then removes the cluster (faults and all: nothing needs healing
// first), or, when HAHARNESS_KEEP is set, heals it and leaves it running.
// It is nil-safe.
func Cleanup(t testing.TB, c *harness.Cluster) {
	t.Helper()
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if t.Failed() || os.Getenv("HAHARNESS_KEEP_ARTIFACTS") != "" {
		saveArtifacts(ctx, t, c)
	}
	if Keep() {
		// A kept cluster is for poking at by hand: leave it healed.
		if _, err := c.Heal(ctx); err != nil {
			t.Errorf("heal %s before keeping it: %v", c.Name(), err)
		}
		t.Logf("HAHARNESS_KEEP is set: cluster %s left running; `haharness status --name %s`, remove it with `haharness down --name %s`",
			c.Name(), c.Name(), c.Name())
		return
	}
	if err := c.Destroy(ctx); err != nil {
		t.Errorf("remove cluster %s: %v", c.Name(), err)
	}
}

// saveArtifacts writes c's artifacts to t's ArtifactsDir and logs where.
func saveArtifacts(ctx context.Context, t testing.TB, c *harness.Cluster) {
	t.Helper()
	dir := ArtifactsDir(t)
	if err := c.DumpArtifacts(ctx, dir); err != nil {
		t.Logf("artifacts (partial: %v) saved in %s", err, dir)
	} else {
		t.Logf("artifacts saved in %s", dir)
	}
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ArtifactsDir is where t's artifacts go.
func ArtifactsDir(t testing.TB) string {
	root := os.Getenv("HAHARNESS_ARTIFACTS")
	if root == "" {
		root = "artifacts"
	}
	abs, err := filepath.Abs(root)
	if err == nil {
		root = abs
	}
	return filepath.Join(root, unsafe.ReplaceAllString(t.Name(), "_"), time.Now().Format("20060102-150405"))
}

// RequireDocker skips t when no engine answers, or fails it when
// HAHARNESS_REQUIRE_DOCKER is set.
func RequireDocker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := docker.Connect(ctx); err != nil {
		if os.Getenv("HAHARNESS_REQUIRE_DOCKER") != "" {
			t.Fatalf("HAHARNESS_REQUIRE_DOCKER is set but: %v", err)
		}
		t.Skipf("no Docker engine (%v); set HAHARNESS_REQUIRE_DOCKER=1 to fail instead", err)
	}
}

// Logger returns a slog.Logger writing to t.Logf.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Fatalf is t.Fatalf with the cluster's one-line status appended.
func Fatalf(t testing.TB, c *harness.Cluster, format string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, _ := c.Status(ctx, harness.StatusOptions{})
	t.Fatalf("%s\ncluster status: %s", fmt.Sprintf(format, args...), s)
}
