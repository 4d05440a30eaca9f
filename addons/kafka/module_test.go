package kafka

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
)

// withBrokers is the guide's topology grown to fit, with brokers on hosts.
func withBrokers(hosts ...string) topology.Topology {
	t := addontest.WithHosts(5)
	t.Roles[Broker] = hosts
	return t
}

// Place puts a broker on every host, on a copy, once (was
// topology.TestAddons's Kafka part).
func TestPlace(t *testing.T) {
	addontest.Placement(t, Module(), []addontest.PlaceCase{
		{Name: "the guide's", Topo: topology.Guide(), On: map[topology.Role][]string{Broker: {"hadoop001", "hadoop002", "hadoop003"}}},
		{Name: "five hosts", Topo: addontest.WithHosts(5), On: map[topology.Role][]string{Broker: {"hadoop001", "hadoop002", "hadoop003", "hadoop004", "hadoop005"}}},
		{Name: "placed already", Topo: withBrokers("hadoop002", "hadoop004", "hadoop005"), On: map[topology.Role][]string{Broker: {"hadoop002", "hadoop004", "hadoop005"}}},
		{Name: "no hosts", Topo: topology.Topology{}, On: map[topology.Role][]string{Broker: nil}},
	})
}

// Broker ids follow the placement's order, from 1 (was topology.TestAddons's
// KafkaBrokerID and KafkaBrokerHost).
func TestBrokerIDs(t *testing.T) {
	guide := Place(topology.Guide())
	shuffled := withBrokers("hadoop003", "hadoop001", "hadoop005")
	tests := []struct {
		name string
		topo topology.Topology
		host string
		id   int
	}{
		{"first", guide, "hadoop001", 1},
		{"second", guide, "hadoop002", 2},
		{"third", guide, "hadoop003", 3},
		{"placement order", shuffled, "hadoop003", 1},
		{"placement order, last", shuffled, "hadoop005", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.id, BrokerID(tt.topo, tt.host))
			assert.Equal(t, tt.host, BrokerHost(tt.topo, tt.id))
		})
	}
	assert.Zero(t, BrokerID(shuffled, "hadoop002"), "a host without a broker")
	assert.Zero(t, BrokerID(guide, "hadoop009"), "an unknown host")
	for _, id := range []int{-1, 0, 4} {
		assert.Empty(t, BrokerHost(guide, id), "broker %d", id)
	}
	assert.Equal(t, []string{"hadoop003:9092", "hadoop001:9092", "hadoop005:9092"}, Seeds(shuffled), "the clients' seeds")
}

// Validate is the module's rule for a topology that runs Kafka, and the
// catalogue makes Kafka's role known (was topology.TestAddons's Kafka
// part).
func TestValidate(t *testing.T) {
	addontest.Validate(t, Module(), []addontest.ValidateCase{
		{Name: "placed on the guide's", Topo: Place(topology.Guide())},
		{Name: "placed on five hosts", Topo: Place(addontest.WithHosts(5))},
		{Name: "three of five hosts", Topo: withBrokers("hadoop001", "hadoop003", "hadoop005")},
		{Name: "without Kafka", Topo: topology.Guide()},
		{Name: "two brokers", Topo: withBrokers("hadoop001", "hadoop002"),
			Want: []string{"Kafka needs at least 3 brokers (topics have replication factor 3 and min.insync.replicas=2); got 2"}},
	})
	assert.ErrorContains(t, Place(topology.Guide()).Validate(), `unknown role "kafka"`, "Kafka's role is known through the module only")
}

// kafka.properties puts the brokers under /kafka on the cluster's
// ensemble, with replication 3 and min.insync.replicas 2 (was config's
// rendering of the Kafka files).
func TestConfig(t *testing.T) {
	g := Place(topology.Guide())
	props := addontest.Config(t, Module(), g, PropertiesFile)[PropertiesFile]
	assert.Equal(t, config.ZooKeeperQuorum(g)+Chroot, props["zookeeper.connect"])
	addontest.Properties(t, props, [][2]string{
		{"zookeeper.connect", "hadoop001:2181,hadoop002:2181,hadoop003:2181/kafka"},
		{"zookeeper.session.timeout.ms", "6000"},
		{"listeners", "PLAINTEXT://:9092"},
		{"log.dirs", config.DataRoot + "/kafka/data"},
		{"default.replication.factor", "3"},
		{"min.insync.replicas", "2"},
		{"offsets.topic.replication.factor", "3"},
		{"transaction.state.log.replication.factor", "3"},
		{"transaction.state.log.min.isr", "2"},
		{"unclean.leader.election.enable", "false"},
		{"controlled.shutdown.enable", "true"},
	})
	assert.NotContains(t, props, "broker.id", "each broker reads its id from its host's file")
}

// Replication is 3 and min.insync.replicas 2, fewer on a smaller cluster.
func TestConfigReplication(t *testing.T) {
	tests := []struct {
		brokers []string
		rf, isr string
	}{
		{[]string{"hadoop001"}, "1", "1"},
		{[]string{"hadoop001", "hadoop002"}, "2", "2"},
		{[]string{"hadoop001", "hadoop002", "hadoop003"}, "3", "2"},
		{[]string{"hadoop001", "hadoop002", "hadoop003", "hadoop004", "hadoop005"}, "3", "2"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(len(tt.brokers)), func(t *testing.T) {
			props := Module().Config(withBrokers(tt.brokers...))[PropertiesFile]
			for _, k := range []string{"default.replication.factor", "offsets.topic.replication.factor", "transaction.state.log.replication.factor"} {
				assert.Equal(t, tt.rf, props[k], k)
			}
			for _, k := range []string{"min.insync.replicas", "transaction.state.log.min.isr"} {
				assert.Equal(t, tt.isr, props[k], k)
			}
		})
	}
}

// Every broker host gets its broker id file, and no other host.
func TestHostFiles(t *testing.T) {
	m := Module()
	tp := withBrokers("hadoop002", "hadoop004", "hadoop005")
	tests := []struct {
		host string
		want map[string][]byte
	}{
		{"hadoop001", nil},
		{"hadoop002", map[string][]byte{BrokerIDFile: []byte("1\n")}},
		{"hadoop004", map[string][]byte{BrokerIDFile: []byte("2\n")}},
		{"hadoop005", map[string][]byte{BrokerIDFile: []byte("3\n")}},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			assert.Equal(t, tt.want, m.HostFiles(tp, tt.host))
		})
	}
	assert.Equal(t, map[string][]byte{BrokerIDFile: []byte("3\n")}, m.HostFiles(Place(topology.Guide()), "hadoop003"))
}

// The module's file renders beside Hadoop's as Java properties, and users
// may override its keys.
func TestConfigRenders(t *testing.T) {
	files, a := addontest.Render(t, Module(), config.Overrides{PropertiesFile: {"num.partitions": "6", "num.io.threads": ""}})
	out := string(files[PropertiesFile])
	assert.Contains(t, out, "\nzookeeper.connect=hadoop001:2181,hadoop002:2181,hadoop003:2181/kafka\n")
	assert.Contains(t, out, "\nmin.insync.replicas=2\n")
	assert.Contains(t, out, "\nnum.partitions=6\n", "an override replaces a key")
	assert.NotContains(t, out, "num.io.threads", "an empty override removes a key")
	assert.Equal(t, "3", a.Files[PropertiesFile]["num.partitions"], "an override changed the module's own map")
}

// The module's parts the core reads.
func TestModule(t *testing.T) {
	m := Module()
	addontest.ModuleShape(t, m, Name, "Start", "Status", "HostFiles", "Lanes", "Workload", "Scenarios")
	require.Len(t, m.Roles, 1)
	b := m.Roles[0]
	assert.Equal(t, Broker, b.Role)
	assert.Equal(t, []int{Port}, b.Ports)
	assert.Equal(t, "kafka", b.Launcher)
	assert.Equal(t, "server", b.Sub)
	assert.Equal(t, "Kafka", b.Class)
	assert.Equal(t, "KAFKA_SERVER_OPTS", b.HeapEnv)
	assert.Nil(t, b.Probe, "the controller's lanes come from ZooKeeper (Lanes), not a probe")
	assert.Empty(t, m.Keep, "Kafka keeps nothing in HDFS")
	assert.Equal(t, 26*time.Second, FailoverBound())
}

// The image layer carries the default release's jars.
func TestImage(t *testing.T) {
	l := addontest.Image(t, Module(), DefaultVersion, "libs")
	assert.Contains(t, l.Install, "/opt/kafka/libs/")
}
