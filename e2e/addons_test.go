package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios"
)

// addons is the shared cluster with HBase and Kafka (scenarios.AddonOptions):
// TestAddons and the add-on scenarios share one start.
var addons = harnesstest.NewShared(scenarios.AddonOptions()...)

// TestAddons checks the add-ons on a started cluster, from this process
// (unable to reach container addresses under make e2e): HBase HA ready (one
// active HMaster named by /hbase/master, the other a registered backup, every
// RegionServer registered, hbase:meta on one of them, no region in
// transition), a table written and read back through HBase's Java client;
// Kafka ready (every broker registered, a controller, nothing
// under-replicated), a topic with replication factor 3 and
// min.insync.replicas=2 produced to with acks=all and consumed back through
// the published ports; the add-ons' selectors resolving to daemons that
// run; and the cluster's memory with the add-ons.
//
// Then the add-on scenarios (HMaster kill, NameNode failover under HBase
// load, Kafka controller kill, partition leader isolated, random chaos
// across all three systems) run on the same cluster, reset before each,
// each saving its report; the cluster is removed when they end.
func TestAddons(t *testing.T) {
	tier(t, tierTest)
	t.Cleanup(func() { addons.Done(t) })
	t.Run("cluster", testAddonsCluster)
	for _, sc := range scenarios.AddonScenarios() {
		if *scenarioFlag != "" && sc.Name != *scenarioFlag {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			s := seed(t)
			runScenario(t, addons.Get(t), sc, s, true)
		})
	}
}

func testAddonsCluster(t *testing.T) {
	c := addons.Get(t)
	ctx := t.Context()
	st, err := c.Status(ctx, harness.StatusOptions{})
	require.NoError(t, err)
	require.NoError(t, st.Ready(), "HA ready with the add-ons: %s", st)
	require.NotNil(t, st.HBase)
	require.NotNil(t, st.Kafka)
	active := st.HBase.ActiveHMaster()
	assert.Equal(t, active, st.HBase.MasterLock, "the active hmaster is the one /hbase/master names")
	assert.Len(t, st.HBase.Backups, 1, "one backup master registered")
	assert.ElementsMatch(t, c.Topology().On(topology.RegionServer), st.HBase.RegionServers)
	assert.Contains(t, st.HBase.RegionServers, st.HBase.Meta)
	assert.Equal(t, []int{1, 2, 3}, st.Kafka.Brokers)
	assert.Contains(t, st.Kafka.Brokers, st.Kafka.Controller)
	t.Logf("status: %s", st)

	// HBase: write and read back through HBase's own client, on each RegionServer host.
	for _, h := range c.Topology().On(topology.RegionServer) {
		hb, err := c.HBase(h)
		require.NoError(t, err)
		require.NoError(t, hb.Check(ctx, "e2e_check"), "hbase client on %s", h)
	}
	hb, err := c.HBase("")
	require.NoError(t, err)
	puts, err := hb.Write(ctx, harness.HBaseWrite{Table: "e2e_addons", Prefix: "t", Count: 20, Interval: 10 * time.Millisecond})
	require.NoError(t, err)
	require.Len(t, puts, 20)
	rows, err := hb.Read(ctx, "e2e_addons", "t-")
	require.NoError(t, err)
	for _, p := range puts {
		require.True(t, p.Acked, "put %s: %s", p.Row, p.Err)
		assert.Equal(t, p.Value, rows[p.Row], "row %s", p.Row)
	}

	// Kafka: from this process, through the published ports.
	topic := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	require.NoError(t, c.CreateKafkaTopic(ctx, topic, 2))
	cl, err := c.Kafka(kgo.DefaultProduceTopic(topic))
	require.NoError(t, err)
	defer cl.Close()
	var sent []string
	for i := range 10 {
		v := fmt.Sprintf("m-%d", i)
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr())
		sent = append(sent, v)
	}
	cons, err := c.Kafka(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cons.Close()
	var got []string
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for len(got) < len(sent) && pctx.Err() == nil {
		cons.PollFetches(pctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	slices.Sort(got)
	slices.Sort(sent)
	assert.Equal(t, sent, got, "every record consumed once")
	st, err = c.Status(ctx, harness.StatusOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, countPrefix(st.Kafka.Leaders, topic+"/"), "both partitions have a leader: %v", st.Kafka.Leaders)

	// The selectors name running daemons.
	for _, sel := range []fault.Selector{fault.ActiveHMaster, fault.BackupHMaster, fault.RegionServerWithMeta,
		fault.KafkaController, fault.PartitionLeader(topic, 1)} {
		ds, err := c.Resolve(ctx, sel)
		require.NoError(t, err, sel)
		require.Len(t, ds, 1, sel)
		ps, err := c.Processes(ctx, ds[0].Host)
		require.NoError(t, err)
		assert.True(t, slices.ContainsFunc(ps, func(p harness.Process) bool { return p.Role == ds[0].Role }), "%s resolved to %v, which does not run", sel, ds[0])
		t.Logf("%s => %s", sel, ds[0])
	}
	mem, err := c.MemoryMiB(ctx)
	require.NoError(t, err)
	t.Logf("memory of the running cluster with HBase and Kafka: %d MiB (start refuses below %d MiB available)", mem, config.EstimateMemoryMiB(c.Topology()))
}

func countPrefix(m map[string]int, prefix string) int {
	n := 0
	for k := range m {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}
