package addontest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
)

func TestWithHosts(t *testing.T) {
	assert.Equal(t, topology.Guide(), WithHosts(3), "three hosts are the guide's")
	five := WithHosts(5)
	assert.Equal(t, []string{"hadoop001", "hadoop002", "hadoop003", "hadoop004", "hadoop005"}, five.Hosts)
	assert.Subset(t, five.On(topology.DataNode), []string{"hadoop004", "hadoop005"})
	assert.Subset(t, five.On(topology.NodeManager), []string{"hadoop004", "hadoop005"})
	assert.Equal(t, topology.Guide().On(topology.NameNode), five.On(topology.NameNode), "the extra hosts run workers only")
}

func TestNames(t *testing.T) {
	assert.Equal(t, []string{"h1/namenode", "h2/datanode"},
		Names([]topology.Daemon{{Host: "h1", Role: topology.NameNode}, {Host: "h2", Role: topology.DataNode}}))
	assert.Empty(t, Names(nil))
}

func TestJSONFields(t *testing.T) {
	type params struct {
		Table      string `json:"table,omitempty"`
		IntervalMS int    `json:"intervalMs"`
	}
	assert.Equal(t, []string{"table", "intervalMs"}, JSONFields(params{}))
	assert.Equal(t, []string{"table", "intervalMs"}, JSONFields(&params{}), "a pointer is its struct")
}

func TestWorkloadSchemaMatches(t *testing.T) {
	type params struct {
		Topic string `json:"topic"`
	}
	props := WorkloadSchemaMatches(t, `{"type": "object", "additionalProperties": false, "properties": {"topic": {"type": "string"}}}`, params{})
	assert.Equal(t, map[string]map[string]any{"topic": {"type": "string"}}, props)
}

func TestCluster(t *testing.T) {
	c := &Cluster{Topo: topology.Guide()}
	assert.Equal(t, topology.Guide(), c.Topology())
	assert.Equal(t, "hadoop001:9092", c.Addr("hadoop001", 9092))
	_, err := c.DialContext(t.Context(), "tcp", "hadoop001:9092")
	require.Error(t, err)
	_, err = c.DialContext(t.Context(), "tcp", "hadoop002:9092")
	require.Error(t, err)
	assert.Equal(t, int32(2), c.Dials(), "every dial counts")
	_, err = c.Shell(t.Context(), "hadoop001", "true")
	assert.Error(t, err)
	_, err = c.ReadFile(t.Context(), "hadoop001", "/etc/hosts")
	assert.Error(t, err)
	_, err = c.ZooKeeper(t.Context())
	assert.Error(t, err)
	assert.Error(t, c.StartDaemons(t.Context(), topology.DataNode, "hadoop001"))
	assert.NoError(t, c.Alive(t.Context(), topology.DataNode, "hadoop001"))
}
