package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
)

// The workload section's schema is JSON and names exactly the fields of
// WorkloadParams.
func TestWorkloadSchemaMatchesParams(t *testing.T) {
	props := addontest.WorkloadSchemaMatches(t, Module().Workload.Schema, WorkloadParams{})
	assert.Equal(t, "^[A-Za-z0-9._-]{1,249}$", props["topic"]["pattern"], "the topic names partition-leader(TOPIC,N) accepts")
}

// noCluster is a cluster with topology t that nothing can reach; it counts
// the dials.
func noCluster(t topology.Topology) *addontest.Cluster { return &addontest.Cluster{Topo: t} }

// A section the workload cannot run with is refused before it reaches a
// broker. (Started, it needs brokers: the e2e tests run it.)
func TestWorkloadRefused(t *testing.T) {
	addontest.WorkloadRefused(t, Module(), noCluster,
		func(t *testing.T, c *addontest.Cluster) { assert.Zero(t, c.Dials(), "nothing dialled") },
		[]addontest.RefusedCase{
			{Name: "not JSON of the section", Topo: Place(topology.Guide()), Params: `{"partitions": "x"}`, Err: "kafka workload: json: cannot unmarshal"},
			{Name: "no Kafka", Topo: topology.Guide(), Params: "{}", Err: "kafka: this cluster does not run the Kafka add-on"},
			{Name: "no Kafka, defaults", Topo: topology.Guide(), Params: "", Err: "kafka: this cluster does not run the Kafka add-on"},
		})
}

// A client is only made for a cluster that runs Kafka, seeded with every
// broker.
func TestNewClient(t *testing.T) {
	_, err := NewClient(noCluster(topology.Guide()))
	assert.ErrorContains(t, err, "start it with harness.WithAddons(\"kafka\") or `--with kafka`")
	cl, err := NewClient(noCluster(Place(topology.Guide())))
	require.NoError(t, err, "making a client dials nothing")
	cl.Close()
}
