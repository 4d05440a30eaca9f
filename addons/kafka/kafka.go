// Package kafka is the Apache Kafka add-on: a broker on every host, in
// ZooKeeper mode on the cluster's ensemble (under /kafka; Kafka 3.9, the
// last line that runs on ZooKeeper), replication factor 3 and
// min.insync.replicas=2, so an acks=all write is on two brokers. Start a
// cluster with it with harness.WithAddons("kafka") or `haharness up --with
// kafka`.
//
// The module (Module) holds its placement (broker ids in host order),
// kafka.properties, its image layer (the broker's jars from Maven Central),
// its Status section, the selectors kafka-controller and
// partition-leader(TOPIC,PARTITION), the controller lanes of a run's
// history and the workload of scenario files (acks=all records consumed
// exactly once, in order). NewClient is a franz-go client from the test
// process through the published ports.
package kafka

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

// Name is the add-on's name (WithAddons, --with, cluster.addons).
const Name = "kafka"

// Broker is the role of a Kafka broker.
const Broker topology.Role = "kafka"

// Port is the brokers' listener.
const Port = 9092

// Files and paths: the brokers read PropertiesFile, their broker.id from
// the host's BrokerIDFile, and log through Hadoop's log4j.properties (Kafka
// 3.9 logs through reload4j like Hadoop), so every broker's log is
// config.LogDir/hadoop-root-kafka-<host>.log.
const (
	PropertiesFile = "kafka.properties"
	BrokerIDFile   = "kafka-broker.id"
	// Chroot is the ZooKeeper path under which the brokers keep their
	// state (zookeeper.connect's chroot), beside Hadoop's znodes.
	Chroot = "/kafka"
	LogDir = config.DataRoot + "/kafka/data"
)

// SessionTimeoutMS is zookeeper.session.timeout.ms of the brokers: how
// long a killed controller keeps /controller. Kafka's default is 18000.
const SessionTimeoutMS = 6000

// FailoverBound is the longest a controller failover may take.
func FailoverBound() time.Duration { return SessionTimeoutMS*time.Millisecond + 20*time.Second }

// Replication is the replication factor of the brokers' default, internal
// and workload topics, and MinISR their min.insync.replicas: an acks=all
// write is acknowledged by at least two brokers.
const (
	Replication = 3
	MinISR      = 2
)

// DefaultVersion is the Kafka release the image carries: the newest 3.9.
const DefaultVersion = "3.9.2"

// Files are the add-on's scenario files (files/*.yaml).
//
//go:embed files/*.yaml
var Files embed.FS

// Module is the Kafka add-on.
func Module() addon.Module {
	return addon.Module{
		Name: Name, Title: "Kafka",
		Summary: "Apache Kafka brokers on every host, on the cluster's ZooKeeper, replication factor 3, min.insync.replicas 2",
		Roles: []addon.Role{{Role: Broker, Launcher: "kafka", Sub: "server", Class: "Kafka", Ports: []int{Port},
			HeapMiB: 384, HeapEnv: "KAFKA_SERVER_OPTS", HA: true}},
		Place:    Place,
		Validate: validate,
		Config: func(t topology.Topology) map[string]map[string]string {
			return map[string]map[string]string{PropertiesFile: properties(t)}
		},
		HostFiles: func(t topology.Topology, h string) map[string][]byte {
			if !t.Has(h, Broker) {
				return nil
			}
			return map[string][]byte{BrokerIDFile: []byte(fmt.Sprintf("%d\n", BrokerID(t, h)))}
		},
		Image: image(DefaultVersion),
		Start: func(ctx context.Context, c addon.Cluster) error {
			return c.StartDaemons(ctx, Broker, c.Topology().On(Broker)...)
		},
		Check:     func(ctx context.Context, c addon.Cluster) error { return Check(ctx, c, CheckTopic) },
		Status:    readStatus,
		Selectors: selectors(),
		Lanes:     lanes,
		Workload:  workload(),
		Scenarios: Files,
	}
}

// Place returns t with a broker on every host, unless t places Kafka
// already. Broker ids follow host order: the broker on the first Kafka
// host is broker 1. A copy: t is not changed.
func Place(t topology.Topology) topology.Topology {
	if len(t.On(Broker)) > 0 {
		return t
	}
	t = t.Clone()
	t.Roles[Broker] = slices.Clone(t.Hosts)
	return t
}

func validate(t topology.Topology) []string {
	if k := len(t.On(Broker)); k < 3 {
		return []string{fmt.Sprintf("Kafka needs at least 3 brokers (topics have replication factor 3 and min.insync.replicas=2); got %d", k)}
	}
	return nil
}

// BrokerID returns the broker.id of the broker on host h (0 if none).
func BrokerID(t topology.Topology, h string) int { return slices.Index(t.Roles[Broker], h) + 1 }

// BrokerHost returns the host of broker id, or "".
func BrokerHost(t topology.Topology, id int) string {
	if id < 1 || id > len(t.Roles[Broker]) {
		return ""
	}
	return t.Roles[Broker][id-1]
}
