// Package e2e runs haharness against real clusters: real Apache Hadoop and
// ZooKeeper daemons in Docker. `go test ./e2e` needs a Docker engine
// (scripts/setup.sh) and builds the images on first use.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/internal/poll"
)

// shared is the default-options cluster of the tests that can begin from
// the same state (harnesstest.Shared: reset before each of them, removed by
// harnesstest.Main). Tests that check the start itself, or need other
// options, start their own.
var shared = harnesstest.NewShared()

// shellFenced is the shared cluster fenced with shell(/bin/true) only,
// for the scenarios that need it and the soak.
var shellFenced = harnesstest.NewShared(harness.WithFencing(config.FenceShell))

func TestMain(m *testing.M) {
	if name := os.Getenv("HAHARNESS_HELPER_CLUSTER"); name != "" {
		// Helper mode for TestKilledStartIsCollected: start a cluster and
		// wait to be killed with SIGKILL.
		_, _ = harness.Start(context.Background(), harness.WithName(name))
		_ = poll.Sleep(context.Background(), time.Hour)
		os.Exit(1)
	}
	flag.Parse()
	if testing.Short() {
		// `go test -short ./...` is a newcomer's first command: no real
		// clusters (minutes each) under -short.
		fmt.Fprintln(os.Stderr, "e2e: -short: skipping the end-to-end tests (they start real clusters); run `go test ./e2e` or `make e2e`")
		os.Exit(0)
	}
	// Remove clusters left by earlier test processes that were killed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	if removed, err := harness.GC(ctx, false); err == nil && len(removed) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: removed orphaned clusters %v\n", removed)
	}
	cancel()
	os.Exit(harnesstest.Main(m))
}
