package spark_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/haharness/haharness/addons"
	"github.com/haharness/haharness/addons/spark"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
	"github.com/haharness/haharness/scenarios"
)

// The module's scenario files parse with the registered add-ons, as the
// scenario runner reads them, each named after its file and running Spark
// with its History Server on the last host.
func TestScenarioFilesParse(t *testing.T) {
	addontest.ScenarioFilesParse(t, spark.Module(), scenarios.SpecAddons(),
		map[topology.Role][]string{spark.History: {"hadoop003"}})
}

const killAM = "apiVersion: haharness/v1\nname: am\n%sschedule:\n  - id: a\n    fault: kill-daemon\n    target: %s\n    hold: 1s\n"

// A file that targets Spark's processes must ask for Spark.
func TestSpecSelectorsNeedTheAddon(t *testing.T) {
	for _, target := range []string{string(spark.SelectAM), string(spark.SelectDriver), string(spark.SelectExecutor)} {
		t.Run(target, func(t *testing.T) {
			f := addontest.SpecNeedsTheAddon(t, scenarios.SpecAddons(), spark.Name, func(cluster string) []byte {
				return fmt.Appendf(nil, killAM, cluster, target)
			})
			assert.Equal(t, []string{"hadoop003"}, f.Topology().On(spark.History))
		})
	}
}

// Spark's workload section and spark-defaults.conf are checked against the
// module's schema and config.
func TestSpecWorkloadAndConfig(t *testing.T) {
	addontest.SpecCases(t, scenarios.SpecAddons(), func(extra string) []byte { return fmt.Appendf(nil, killAM, extra, "active-namenode") }, []addontest.SpecCase{
		{Name: "every parameter", Extra: "cluster:\n  addons: [spark]\nworkload:\n  spark: {job: wordcount, deploy: client, partitions: 4, taskDelayMs: 10, writeDelayMs: 5, lines: 10, minAttempts: 2, host: hadoop001}\n"},
		{Name: "empty section", Extra: "cluster:\n  addons: [spark]\nworkload:\n  spark: {}\n"},
		{Name: "pi", Extra: "cluster:\n  addons: [spark]\nworkload:\n  spark: {job: pi}\n"},
		{Name: "unknown job", Extra: "cluster:\n  addons: [spark]\nworkload:\n  spark: {job: sort}\n", Err: "workload.spark.job: value must be one of"},
		{Name: "unknown deploy mode", Extra: "cluster:\n  addons: [spark]\nworkload:\n  spark: {deploy: local}\n", Err: "workload.spark.deploy: value must be one of"},
		{Name: "no partitions", Extra: "cluster:\n  addons: [spark]\nworkload:\n  spark: {partitions: 0}\n", Err: "workload.spark.partitions: minimum: got 0, want 1"},
		{Name: "too many attempts", Extra: "cluster:\n  addons: [spark]\nworkload:\n  spark: {minAttempts: 5}\n", Err: "workload.spark.minAttempts: maximum: got 5, want 4"},
		{Name: "unknown key", Extra: "cluster:\n  addons: [spark]\nworkload:\n  spark: {executors: 3}\n", Err: "workload.spark: additional properties 'executors' not allowed"},
		{Name: "workload without the add-on", Extra: "workload:\n  spark: {}\n", Err: "workload spark needs the spark add-on: add it to cluster.addons"},
		{Name: "spark-defaults.conf", Extra: "cluster:\n  addons: [spark]\n  config:\n    spark-defaults.conf: {spark.executor.instances: '3'}\n"},
		{Name: "spark-defaults.conf without the add-on", Extra: "cluster:\n  config:\n    spark-defaults.conf: {spark.executor.instances: '3'}\n", Err: `unknown config file "spark-defaults.conf"`},
	})
}

// Spark is registered: the catalogue of every add-on places and validates
// it, as harness.WithAddons("spark") does.
func TestRegistered(t *testing.T) {
	addontest.Registered(t, addons.All(), spark.Module())
}
