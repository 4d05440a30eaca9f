package flink_test

import (
	"fmt"
	"testing"

	"github.com/haharness/haharness/addons"
	"github.com/haharness/haharness/addons/flink"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
	"github.com/haharness/haharness/scenarios"
)

// The module's scenario files parse with the registered add-ons, each
// named after its file and running the HistoryServer on the last host.
func TestScenarioFilesParse(t *testing.T) {
	addontest.ScenarioFilesParse(t, flink.Module(), scenarios.SpecAddons(),
		map[topology.Role][]string{flink.History: {"hadoop003"}})
}

const killJM = "apiVersion: haharness/v1\nname: f\n%sschedule:\n  - id: a\n    fault: kill-daemon\n    target: flink-jobmanager\n    hold: 1s\n"

func TestSpecSelectorsNeedTheAddon(t *testing.T) {
	addontest.SpecNeedsTheAddon(t, scenarios.SpecAddons(), flink.Name, func(cluster string) []byte {
		return fmt.Appendf(nil, killJM, cluster)
	})
}

// Flink's workload section is checked against the module's schema.
func TestSpecWorkload(t *testing.T) {
	addontest.SpecCases(t, scenarios.SpecAddons(), func(extra string) []byte { return fmt.Appendf(nil, killJM, extra) }, []addontest.SpecCase{
		{Name: "every parameter", Extra: "cluster:\n  addons: [flink]\nworkload:\n  flink: {records: 400, rate: 10, keys: 4, parallelism: 1, minAttempts: 2, recoverySeconds: 45, host: hadoop001}\n"},
		{Name: "empty section", Extra: "cluster:\n  addons: [flink]\nworkload:\n  flink: {}\n"},
		{Name: "too few records", Extra: "cluster:\n  addons: [flink]\nworkload:\n  flink: {records: 1}\n", Err: "workload.flink.records: minimum: got 1, want 10"},
		{Name: "too parallel", Extra: "cluster:\n  addons: [flink]\nworkload:\n  flink: {parallelism: 5}\n", Err: "workload.flink.parallelism: maximum: got 5, want 4"},
		{Name: "unknown key", Extra: "cluster:\n  addons: [flink]\nworkload:\n  flink: {topic: x}\n", Err: "workload.flink: additional properties 'topic' not allowed"},
		{Name: "workload without the add-on", Extra: "workload:\n  flink: {}\n", Err: "workload flink needs the flink add-on: add it to cluster.addons"},
	})
}

// Flink is registered: the catalogue of every add-on places and validates
// it as harness.WithAddons("flink") does.
func TestRegistered(t *testing.T) {
	addontest.Registered(t, addons.All(), flink.Module())
}
