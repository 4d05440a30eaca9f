package scenarios

import (
	"strings"
	"time"

	"github.com/haharness/haharness/harness/config"
)

// All returns every scenario, in a stable order. Their steps live by the
// daemon they hit: namenode.go, resourcemanager.go, journalnode.go,
// zookeeper.go, and chaos.go for random-chaos.
func All() []Scenario {
	return []Scenario{
		{
			Name:           "kill-active-namenode",
			Description:    "SIGKILL the active NameNode's JVM (its ZKFC lives on): the standby takes over; restart the old one as standby.",
			ExpectFailover: true,
			Steps:          killActiveNameNode,
		},
		{
			Name:           "kill-active-namenode-host",
			Description:    "Kill the active NameNode's whole host (power loss): ZooKeeper session expiry, fencing falls back to shell(/bin/true), the standby takes over.",
			ExpectFailover: true,
			Steps:          killActiveNameNodeHost,
		},
		{
			Name:           "freeze-active-namenode",
			Description:    "Freeze the active NameNode's JVM (SIGSTOP, a long GC pause) past the ZooKeeper session timeout, then resume it: the guide's brain-split case. The old active must not commit a write.",
			ExpectFailover: true,
			Steps:          freezeActiveNameNode,
		},
		{
			Name: "freeze-active-namenode-shell-fencing",
			Description: "The brain-split case with fencing shell(/bin/true) only, so nothing kills the frozen JVM: " +
				"on resume only the JournalNodes' epochs stand between the old active and a second writer. " +
				"Seen here: the resumed JVM reports itself active for a few hundred ms, then exits at its first edit; " +
				"the check allows such a stale claim up to the QJM write timeout + 5 s, and a write sent to it must fail.",
			ExpectFailover:   true,
			StaleActiveBound: time.Duration(config.Timing.JournalWriteTimeoutMS+5000) * time.Millisecond,
			Fencing:          config.FenceShell,
			Steps:            freezeActiveNameNode,
		},
		{
			Name:           "partition-active-namenode-from-zookeeper",
			Description:    "Cut the active NameNode's host from the ZooKeeper majority (ports 2181/2888/3888 only; JournalNodes still reachable), then heal.",
			ExpectFailover: true,
			Steps:          partitionActiveFromZooKeeper,
		},
		{
			Name:        "kill-active-resourcemanager-during-job",
			Description: "Kill the active ResourceManager while a MapReduce job runs: the standby takes over and the job finishes (work-preserving recovery).",
			Steps:       killActiveResourceManagerDuringJob,
		},
		{
			Name:        "journalnode-minority-loss",
			Description: "Kill a JournalNode minority: writes go on.",
			Steps:       journalNodeMinority,
		},
		{
			Name: "journalnode-majority-loss",
			Description: "Kill a JournalNode majority: writes stop and nothing acknowledged is lost; after heal the cluster recovers. " +
				"Both NameNodes exit; on restart the new active must fence the old one, and sshfence can hang there " +
				"(JSch waits forever on its nc check), so this scenario fences with shell(/bin/true).",
			Fencing: config.FenceShell,
			Steps:   journalNodeMajority,
		},
		{
			Name:        "kill-zookeeper-leader",
			Description: "Kill the ZooKeeper leader: the ensemble elects a new one and HDFS HA is unaffected (no failover, writes go on).",
			Steps:       killZooKeeperLeader,
		},
		{
			Name:        "zookeeper-quorum-loss",
			Description: "Kill a ZooKeeper majority: no failover can happen, the active NameNode keeps serving writes; heal restores the ensemble.",
			Steps:       zooKeeperQuorumLoss,
		},
		{
			Name:        "random-chaos",
			Description: "A seeded schedule of faults (kills, freezes, partitions, degraded links) with the workload running; the same seed replays the same schedule.",
			Steps:       randomChaos,
		},
	}
}

// firstLine is the first line of s, at most 200 bytes of it.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
