package e2e

import (
	"flag"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/spec"
)

var (
	seedFlag     = flag.Int64("seed", 0, "seed of the scenarios (0: HAHARNESS_SEED or the clock); printed on failure")
	scenarioFlag = flag.String("scenario", "", "run only this scenario")
)

func seed(t *testing.T) int64 {
	t.Helper()
	if *seedFlag != 0 {
		return *seedFlag
	}
	if s := os.Getenv("HAHARNESS_SEED"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("HAHARNESS_SEED=%q: %v", s, err)
		}
		return v
	}
	return time.Now().UnixNano()
}

// TestScenarios runs the scenarios of the catalogue written in Go
// (random-chaos), and any one named with -scenario (a built-in scenario
// file too: the files run through the CLI, `make scenarios`, which CI
// runs), each on a shared cluster for its cluster settings (reset before
// each: healed, nn1 and rm1 active, HDFS emptied; each run writes and
// judges only its own directory), and fails with the timeline (and saves
// history.json, report.html, scenario.yaml and the cluster artifacts) when
// a scenario's steps or checks fail. The schedule each run executed must
// be a valid scenario file.
func TestScenarios(t *testing.T) {
	tier(t, tierLong)
	for _, sc := range scenarios.All() {
		if *scenarioFlag != "" && sc.Name != *scenarioFlag || *scenarioFlag == "" && (sc.File != nil || isAddonScenario(sc)) {
			continue // files run through the CLI (make scenarios), addons-random-chaos in TestAddons
		}
		t.Run(sc.Name, func(t *testing.T) {
			s := seed(t)
			runScenario(t, clusterFor(t, sc), sc, s, false)
		})
	}
}

// runScenario runs sc on c with seed s and fails t with the timeline (and
// saves history.json, report.html, scenario.yaml and the cluster
// artifacts) when its steps or checks fail; with always it saves the run
// whatever its outcome.
func runScenario(t *testing.T, c *harness.Cluster, sc scenarios.Scenario, s int64, always bool) {
	t.Helper()
	t.Logf("scenario %s seed %d (replay: go test ./e2e -run '%s' -seed %d)", sc.Name, s, t.Name(), s)
	res, err := scenarios.Run(t.Context(), c, sc, s, harnesstest.Logger(t))
	if err != nil {
		t.Fatalf("run %s: %v", sc.Name, err)
	}
	for _, f := range res.Failovers {
		t.Logf("failover %s %s -> %s in %v", f.Role, f.From, f.To, f.Duration.Round(time.Millisecond))
	}
	for _, n := range res.Notes {
		t.Logf("observed: %s", n)
	}
	for _, ch := range res.Checks {
		t.Logf("check: %s", ch)
	}
	t.Logf("writes: %d acknowledged, %d failed", res.Acked, res.FailedOps)
	if res.Schedule != nil {
		b, err := spec.Marshal(res.Schedule, "")
		require.NoError(t, err)
		_, err = spec.Parse("executed schedule", b, scenarios.SpecAddons()...)
		require.NoError(t, err, "the executed schedule must replay:\n%s", b)
	}
	ferr := res.Failed()
	if ferr == nil && !always {
		return
	}
	dir := harnesstest.ArtifactsDir(t)
	if err := res.Save(dir); err != nil {
		t.Logf("save result: %v", err)
	}
	if ferr != nil {
		t.Errorf("%v\nseed %d; timeline:\n%s\nhistory and report.html in %s", ferr, s, res.Timeline(), dir)
		return
	}
	t.Logf("report.html, history.json and timeline.txt in %s", dir)
}

// clusterFor is the cluster sc runs on: the shared one of its fencing, a
// shared one for a scenario file's cluster settings, or its own when it
// needs other options.
func clusterFor(t *testing.T, sc scenarios.Scenario) *harness.Cluster {
	switch {
	case sc.File != nil && !sc.File.Cluster.IsZero():
		return sharedFor(sc.File, sc.StartOptions()).Get(t)
	case len(sc.Options) > 0 || len(sc.Addons) > 0:
		return harnesstest.Start(t, sc.StartOptions()...)
	case sc.Fencing == "":
		return shared.Get(t)
	case sc.Fencing == config.FenceShell:
		return shellFenced.Get(t)
	}
	return harnesstest.Start(t, sc.StartOptions()...)
}

var (
	byClusterMu sync.Mutex
	byCluster   = map[string]*harnesstest.Shared{}
)

// sharedFor is the shared cluster of f's cluster settings (declared on
// first use; harnesstest.Main removes it with the others).
func sharedFor(f *spec.File, opts []harness.Option) *harnesstest.Shared {
	key := f.Cluster.Key()
	byClusterMu.Lock()
	defer byClusterMu.Unlock()
	if s, ok := byCluster[key]; ok {
		return s
	}
	s := harnesstest.NewShared(opts...)
	byCluster[key] = s
	return s
}

func isAddonScenario(sc scenarios.Scenario) bool { return len(sc.Addons) > 0 }
