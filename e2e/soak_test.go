package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/soak"
	"github.com/haharness/haharness/scenarios/spec"
)

// TestSoak runs the soak (package soak), on a cluster fenced with
// shell(/bin/true), for each seed of
// HAHARNESS_SOAK_SEEDS (default "1,2"), HAHARNESS_SOAK_DURATION each
// (default 2m), with HAHARNESS_SOAK_APPENDS appends per file (default 0),
// one after the other on one cluster, and fails on any
// violation: a lost or corrupted acknowledged write, a split brain, a heal
// that does not converge, a failover past its bound. Each run's report and
// timeline go to the artifacts directory.
func TestSoak(t *testing.T) {
	tier(t, tierLong)
	seeds := []int64{1, 2}
	if v := os.Getenv("HAHARNESS_SOAK_SEEDS"); v != "" {
		seeds = nil
		for _, f := range strings.Split(v, ",") {
			s, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			require.NoError(t, err, "HAHARNESS_SOAK_SEEDS=%q: want comma-separated integers", v)
			seeds = append(seeds, s)
		}
	}
	duration := 2 * time.Minute
	if v := os.Getenv("HAHARNESS_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "HAHARNESS_SOAK_DURATION=%q: want a duration such as 5m", v)
		duration = d
	}
	// Fencing shell(/bin/true): nothing kills a stale active, so only the
	// JournalNodes' epochs stand between it and a second writer — the
	// strictest test of no-split-brain-writes. (With sshfence, the ZKFC was
	// seen blocked forever on its ssh channel; Heal unwedges that, but the
	// failover it held up would count against the soak.)
	appends := 0
	if v := os.Getenv("HAHARNESS_SOAK_APPENDS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "HAHARNESS_SOAK_APPENDS=%q: want a number of appends per file", v)
		appends = n
	}
	c := shellFenced.Get(t)
	for _, seed := range seeds {
		t.Run("seed-"+strconv.FormatInt(seed, 10), func(t *testing.T) {
			res, err := soak.Run(t.Context(), c, soak.Options{Seed: seed, Duration: duration, Appends: appends, Log: harnesstest.Logger(t)})
			require.NoError(t, err)
			dir := harnesstest.ArtifactsDir(t)
			require.NoError(t, res.Save(dir))
			t.Logf("seed %d: %d steps, %d acknowledged operations, saved in %s\n%s", seed, len(res.Steps), res.Acked, dir, res.Timeline())
			// The schedule it executed is a scenario file that loads, with
			// every injected fault: what a failing seed is replayed and
			// shrunk from.
			f, err := spec.Load(filepath.Join(dir, scenarios.ScheduleFile))
			require.NoError(t, err)
			injected := 0
			for _, s := range res.Steps {
				injected += len(s.Faults)
			}
			assert.Len(t, f.Schedule, injected)
			require.NoError(t, res.Failed())
		})
	}
}
