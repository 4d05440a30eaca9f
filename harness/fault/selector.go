package fault

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/haharness/haharness/harness/topology"
)

// Selector names fault targets. It is resolved when the fault is injected,
// against the cluster's state at that moment:
//
//	active-namenode, standby-namenode
//	active-resourcemanager, standby-resourcemanager
//	zookeeper-leader, zookeeper-follower
//	journalnode-minority, journalnode-majority (JournalNodes not on the active
//	  NameNode's host first, so the active's own JournalNode is taken last)
//	zookeeper-majority, zookeeper-minority (likewise)
//	active-hmaster, backup-hmaster (the HBase add-on)
//	regionserver-with-meta (the RegionServer serving hbase:meta)
//	kafka-controller (the Kafka add-on's controller broker)
//	partition-leader(TOPIC,PARTITION) (that partition's leader broker)
//	all              every host
//	HOST             a whole host, e.g. hadoop001
//	HOST/ROLE        one daemon, e.g. hadoop001/namenode
//	ROLE@HOST is accepted too (namenode@hadoop001).
type Selector string

// Named selectors.
const (
	ActiveNameNode         Selector = "active-namenode"
	StandbyNameNode        Selector = "standby-namenode"
	ActiveResourceManager  Selector = "active-resourcemanager"
	StandbyResourceManager Selector = "standby-resourcemanager"
	ZooKeeperLeader        Selector = "zookeeper-leader"
	ZooKeeperFollower      Selector = "zookeeper-follower"
	JournalNodeMinority    Selector = "journalnode-minority"
	JournalNodeMajority    Selector = "journalnode-majority"
	ZooKeeperMinority      Selector = "zookeeper-minority"
	ZooKeeperMajority      Selector = "zookeeper-majority"
	ActiveHMaster          Selector = "active-hmaster"
	BackupHMaster          Selector = "backup-hmaster"
	RegionServerWithMeta   Selector = "regionserver-with-meta"
	KafkaController        Selector = "kafka-controller"
	// AllHosts is every host of the cluster.
	AllHosts Selector = "all"
)

// PartitionLeader names the leader broker of a Kafka topic's partition:
// partition-leader(TOPIC,PARTITION).
func PartitionLeader(topic string, partition int) Selector {
	return Selector(fmt.Sprintf("%s(%s,%d)", partitionLeaderPrefix, topic, partition))
}

const partitionLeaderPrefix = "partition-leader"

var partitionLeaderRE = regexp.MustCompile(`^partition-leader\(([A-Za-z0-9._-]{1,249}),\s*([0-9]{1,9})\)$`)

// Named lists the named selectors.
func Named() []Selector {
	return []Selector{ActiveNameNode, StandbyNameNode, ActiveResourceManager, StandbyResourceManager,
		ZooKeeperLeader, ZooKeeperFollower, JournalNodeMinority, JournalNodeMajority, ZooKeeperMinority, ZooKeeperMajority,
		ActiveHMaster, BackupHMaster, RegionServerWithMeta, KafkaController, AllHosts}
}

// addonOf returns the add-on a named selector needs ("" none).
func addonOf(n Selector) string {
	switch n {
	case ActiveHMaster, BackupHMaster, RegionServerWithMeta:
		return "hbase"
	case KafkaController:
		return "kafka"
	}
	return ""
}

func needAddon(s Selector, addon string, t topology.Topology) error {
	if (addon == "hbase" && !t.HasHBase()) || (addon == "kafka" && !t.HasKafka()) {
		return fmt.Errorf("target %q needs the %s add-on, which this cluster does not run: start it with harness.With%s() or `--with %s`",
			s, addon, map[string]string{"hbase": "HBase", "kafka": "Kafka"}[addon], addon)
	}
	return nil
}

// Parsed is a selector split into its parts.
type Parsed struct {
	// Named is set for a named selector.
	Named Selector
	// Host and Role are set for HOST or HOST/ROLE.
	Host string
	Role topology.Role
	// Topic and Partition are set for partition-leader(TOPIC,PARTITION)
	// (Named is then "partition-leader").
	Topic     string
	Partition int
}

// Parse checks a selector against a topology and splits it.
func Parse(s Selector, t topology.Topology) (Parsed, error) {
	for _, n := range Named() {
		if s == n {
			if err := needAddon(s, addonOf(n), t); err != nil {
				return Parsed{}, err
			}
			return Parsed{Named: n}, nil
		}
	}
	str := string(s)
	if strings.HasPrefix(str, partitionLeaderPrefix) {
		m := partitionLeaderRE.FindStringSubmatch(str)
		if m == nil {
			return Parsed{}, fmt.Errorf("target %q: want partition-leader(TOPIC,PARTITION), e.g. partition-leader(orders,0)", s)
		}
		if err := needAddon(s, "kafka", t); err != nil {
			return Parsed{}, err
		}
		p, _ := strconv.Atoi(m[2])
		return Parsed{Named: partitionLeaderPrefix, Topic: m[1], Partition: p}, nil
	}
	host, role := str, ""
	if h, r, ok := strings.Cut(str, "/"); ok {
		host, role = h, r
	} else if r, h, ok := strings.Cut(str, "@"); ok {
		host, role = h, r
	}
	known := false
	for _, h := range t.Hosts {
		known = known || h == host
	}
	if !known {
		return Parsed{}, fmt.Errorf("unknown target %q: use a host (%s), HOST/ROLE, or one of %v", s, strings.Join(t.Hosts, ", "), Named())
	}
	if role == "" {
		return Parsed{Host: host}, nil
	}
	r := topology.Role(role)
	if !t.Has(host, r) {
		return Parsed{}, fmt.Errorf("unknown daemon %q: %s runs %v", s, host, t.RolesOf(host))
	}
	return Parsed{Host: host, Role: r}, nil
}

// Majority returns how many of n members make a majority.
func Majority(n int) int { return n/2 + 1 }
