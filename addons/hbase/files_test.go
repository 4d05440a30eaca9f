package hbase_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/haharness/haharness/addons"
	"github.com/haharness/haharness/addons/hbase"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
	"github.com/haharness/haharness/scenarios"
)

// The module's scenario files parse with the registered add-ons, as the
// scenario runner reads them, each named after its file and running HBase
// with its HMasters on the first host and the last.
func TestScenarioFilesParse(t *testing.T) {
	addontest.ScenarioFilesParse(t, hbase.Module(), scenarios.SpecAddons(),
		map[topology.Role][]string{hbase.HMaster: {"hadoop001", "hadoop003"}})
}

const killActive = "apiVersion: haharness/v1\nname: hmaster\n%sschedule:\n  - id: a\n    fault: kill-daemon\n    target: active-hmaster\n    hold: 1s\n"

// A file that targets HBase's daemons must ask for HBase (was
// spec.TestAddonSelectorsNeedTheAddon).
func TestSpecSelectorsNeedTheAddon(t *testing.T) {
	f := addontest.SpecNeedsTheAddon(t, scenarios.SpecAddons(), hbase.Name, func(cluster string) []byte {
		return fmt.Appendf(nil, killActive, cluster)
	})
	assert.Equal(t, []string{"hadoop001", "hadoop003"}, f.Topology().On(hbase.HMaster))
	assert.Equal(t, []string{"hadoop001", "hadoop002", "hadoop003"}, f.Topology().On(hbase.RegionServer))
}

// HBase's workload section and files are checked against the module's
// schema and config: the schema compiles, and holds its keys to their
// types and ranges.
func TestSpecWorkloadAndConfig(t *testing.T) {
	body := strings.Replace(killActive, "target: active-hmaster", "target: active-namenode", 1)
	addontest.SpecCases(t, scenarios.SpecAddons(), func(extra string) []byte { return fmt.Appendf(nil, body, extra) }, []addontest.SpecCase{
		{Name: "every parameter", Extra: "cluster:\n  addons: [hbase]\nworkload:\n  hbase: {table: t_1.x, intervalMs: 100, host: hadoop002}\n"},
		{Name: "empty section", Extra: "cluster:\n  addons: [hbase]\nworkload:\n  hbase: {}\n"},
		{Name: "interval too short", Extra: "cluster:\n  addons: [hbase]\nworkload:\n  hbase: {intervalMs: 5}\n", Err: "workload.hbase.intervalMs: minimum: got 5, want 10"},
		{Name: "table not a table name", Extra: "cluster:\n  addons: [hbase]\nworkload:\n  hbase: {table: 'a b'}\n", Err: "workload.hbase.table: 'a b' does not match pattern"},
		{Name: "failover is the schedule's", Extra: "cluster:\n  addons: [hbase]\nworkload:\n  hbase: {failover: true}\n", Err: "workload.hbase: additional properties 'failover' not allowed"},
		{Name: "unknown key", Extra: "cluster:\n  addons: [hbase]\nworkload:\n  hbase: {rows: 3}\n", Err: "workload.hbase: additional properties 'rows' not allowed"},
		{Name: "workload without the add-on", Extra: "workload:\n  hbase: {}\n", Err: "workload hbase needs the hbase add-on: add it to cluster.addons"},
		{Name: "hbase-site.xml", Extra: "cluster:\n  addons: [hbase]\n  config:\n    hbase-site.xml: {hbase.rpc.timeout: '5000'}\n"},
		{Name: "hbase-site.xml without the add-on", Extra: "cluster:\n  addons: []\n  config:\n    hbase-site.xml: {hbase.rpc.timeout: '5000'}\n", Err: `unknown config file "hbase-site.xml"`},
	})
}

// HBase is registered: the catalogue of every add-on places and validates
// it, as harness.WithAddons("hbase") does (was
// harness.TestWithAddonsPlacesThem).
func TestRegistered(t *testing.T) {
	addontest.Registered(t, addons.All(), hbase.Module())
}
