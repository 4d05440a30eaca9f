package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
)

func addonReady() Status {
	s := readyStatus()
	s.HBase = &HBaseStatus{
		Masters:    []HMasterState{{Host: "hadoop001", State: "active"}, {Host: "hadoop003", State: "backup"}},
		MasterLock: "hadoop001", Backups: []string{"hadoop003"},
		RegionServers: []string{"hadoop001", "hadoop002", "hadoop003"}, Meta: "hadoop002", Want: 3,
	}
	s.Kafka = &KafkaStatus{Brokers: []int{1, 2, 3}, Controller: 2, Leaders: map[string]int{"t/0": 1}, Want: 3}
	return s
}

func TestAddonsReady(t *testing.T) {
	require.NoError(t, addonReady().Ready())
	tests := []struct {
		name string
		mod  func(*Status)
		want string
	}{
		{"two active masters", func(s *Status) { s.HBase.Masters[1].State = "active" }, "hbase: no single active hmaster: hadoop001=active hadoop003=active"},
		{"lock elsewhere", func(s *Status) { s.HBase.MasterLock = "hadoop003" }, `hbase: /hbase/master names "hadoop003" but the active hmaster is hadoop001`},
		{"backup not registered", func(s *Status) { s.HBase.Backups = nil }, "hbase: hmaster on hadoop003 is backup, not a registered backup"},
		{"regionserver missing", func(s *Status) { s.HBase.RegionServers = s.HBase.RegionServers[:2]; s.HBase.Meta = "hadoop001" },
			"hbase: 2 of 3 regionservers registered"},
		{"meta on a dead server", func(s *Status) { s.HBase.Meta = "hadoop009" }, "hbase:meta not on a live regionserver"},
		{"regions in transition", func(s *Status) { s.HBase.RegionsInTransition = 4 }, "hbase: 4 regions in transition"},
		{"broker missing", func(s *Status) { s.Kafka.Brokers = []int{1, 2} }, "kafka: 2 of 3 brokers registered [1 2]"},
		{"no controller", func(s *Status) { s.Kafka.Controller = 0 }, "kafka: no controller among the registered brokers"},
		{"under-replicated", func(s *Status) { s.Kafka.UnderReplicated = []string{"t/0"} }, "kafka: under-replicated partitions [t/0]"},
		{"leaderless", func(s *Status) { s.Kafka.Leaders["t/1"] = -1 }, "kafka: partition t/1 has no leader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := addonReady()
			tt.mod(&s)
			assert.ErrorContains(t, s.Ready(), tt.want)
		})
	}
}

func TestWithAddonsPlacesThem(t *testing.T) {
	o := defaultOptions()
	assert.Equal(t, topology.Guide(), o.withAddons(), "no add-on asked: the guide's topology unchanged")
	for _, opt := range []Option{WithKafka(), WithHBase(), WithTopology(topology.Guide())} {
		require.NoError(t, opt(&o))
	}
	tp := o.withAddons()
	assert.True(t, tp.HasHBase() && tp.HasKafka(), "options in any order, WithTopology last too")
	require.NoError(t, tp.Validate())
}
