package kafka_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/haharness/haharness/addons"
	"github.com/haharness/haharness/addons/kafka"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/spec"
)

// The module's scenario files parse with the registered add-ons, as the
// scenario runner reads them, each named after its file and running Kafka
// with a broker on every host.
func TestScenarioFilesParse(t *testing.T) {
	addontest.ScenarioFilesParse(t, kafka.Module(), scenarios.SpecAddons(),
		map[topology.Role][]string{kafka.Broker: {"hadoop001", "hadoop002", "hadoop003"}})
}

const killController = "apiVersion: haharness/v1\nname: ctl\n%sschedule:\n  - id: a\n    fault: kill-daemon\n    target: %s\n    hold: 1s\n"

// A file that targets Kafka's brokers must ask for Kafka (was
// spec.TestAddonSelectorsNeedTheAddon).
func TestSpecSelectorsNeedTheAddon(t *testing.T) {
	for _, target := range []string{string(kafka.Controller), string(kafka.PartitionLeader("orders", 0)), "'partition-leader(orders, 1)'"} {
		t.Run(target, func(t *testing.T) {
			f := addontest.SpecNeedsTheAddon(t, scenarios.SpecAddons(), kafka.Name, func(cluster string) []byte {
				return fmt.Appendf(nil, killController, cluster, target)
			})
			assert.Equal(t, []string{"hadoop001", "hadoop002", "hadoop003"}, f.Topology().On(kafka.Broker))
		})
	}
	_, err := spec.Parse("f.yaml", fmt.Appendf(nil, killController, "cluster:\n  addons: [kafka]\n", "partition-leader(orders)"), scenarios.SpecAddons()...)
	assert.ErrorContains(t, err, "schedule[0].target: target \"partition-leader(orders)\": want partition-leader(TOPIC,PARTITION)")
}

// Kafka's workload section and file are checked against the module's
// schema and config: the schema compiles, and holds its keys to their
// types and ranges.
func TestSpecWorkloadAndConfig(t *testing.T) {
	addontest.SpecCases(t, scenarios.SpecAddons(), func(extra string) []byte { return fmt.Appendf(nil, killController, extra, "active-namenode") }, []addontest.SpecCase{
		{Name: "every parameter", Extra: "cluster:\n  addons: [kafka]\nworkload:\n  kafka: {topic: orders.v1, partitions: 6, intervalMs: 10, ackedDuringFaults: true}\n"},
		{Name: "empty section", Extra: "cluster:\n  addons: [kafka]\nworkload:\n  kafka: {}\n"},
		{Name: "no partitions", Extra: "cluster:\n  addons: [kafka]\nworkload:\n  kafka: {partitions: 0}\n", Err: "workload.kafka.partitions: minimum: got 0, want 1"},
		{Name: "too many partitions", Extra: "cluster:\n  addons: [kafka]\nworkload:\n  kafka: {partitions: 65}\n", Err: "workload.kafka.partitions: maximum: got 65, want 64"},
		{Name: "topic not a topic name", Extra: "cluster:\n  addons: [kafka]\nworkload:\n  kafka: {topic: 'a/b'}\n", Err: "workload.kafka.topic: 'a/b' does not match pattern"},
		{Name: "flag not a boolean", Extra: "cluster:\n  addons: [kafka]\nworkload:\n  kafka: {ackedDuringFaults: 1}\n", Err: "workload.kafka.ackedDuringFaults: got number, want boolean"},
		{Name: "unknown key", Extra: "cluster:\n  addons: [kafka]\nworkload:\n  kafka: {acks: all}\n", Err: "workload.kafka: additional properties 'acks' not allowed"},
		{Name: "workload without the add-on", Extra: "workload:\n  kafka: {}\n", Err: "workload kafka needs the kafka add-on: add it to cluster.addons"},
		{Name: "kafka.properties", Extra: "cluster:\n  addons: [kafka]\n  config:\n    kafka.properties: {num.partitions: '6'}\n"},
		{Name: "kafka.properties without the add-on", Extra: "cluster:\n  config:\n    kafka.properties: {num.partitions: '6'}\n", Err: `unknown config file "kafka.properties"`},
	})
}

// Kafka is registered: the catalogue of every add-on places and validates
// it, as harness.WithAddons("kafka") does (was
// harness.TestWithAddonsPlacesThem).
func TestRegistered(t *testing.T) {
	addontest.Registered(t, addons.All(), kafka.Module())
}
