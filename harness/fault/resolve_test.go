package fault

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
)

// healthy is the guide's cluster at rest: nn1 (hadoop001) and rm1
// (hadoop002) active, hadoop002 leading ZooKeeper.
func healthy() Snapshot {
	return Snapshot{
		Topology:            topology.Guide(),
		Hosts:               map[string]string{"hadoop001": "running", "hadoop002": "running", "hadoop003": "running"},
		NameNodes:           map[string]string{"nn1": "active", "nn2": "standby"},
		NameNodeLock:        "nn1",
		ResourceManagers:    map[string]string{"rm1": "ACTIVE", "rm2": "STANDBY"},
		ResourceManagerLock: "rm1",
		ZooKeeper:           map[string]string{"hadoop001": "follower", "hadoop002": "leader", "hadoop003": "follower"},
	}
}

// widget is an add-on's selectors for the tests: widget-leader names the
// widget whose state is "lead", widget-of(N) the N-th widget host.
func widget() Extension {
	return Extension{Addon: "widget", Needs: "widget",
		Names:  map[Selector]string{"widget-leader": "the leading widget"},
		Prefix: "widget-of", Pattern: regexp.MustCompile(`^widget-of\(([0-9])\)$`), Usage: "widget-of(N)",
		Resolve: func(s Selector, snap Snapshot) ([]topology.Daemon, error) {
			states, _ := snap.Addons["widget"].(map[string]string)
			if s == "widget-leader" {
				return snap.Active(s, "widget", states, "", "lead", "leading widget")
			}
			n := int(s[len("widget-of(")] - '0')
			return []topology.Daemon{{Host: snap.Topology.On("widget")[n-1], Role: "widget"}}, nil
		}}
}

func withWidgets() Snapshot {
	s := healthy()
	s.Topology = s.Topology.Clone()
	s.Topology.Roles["widget"] = []string{"hadoop001", "hadoop003"}
	s.Addons = map[string]any{"widget": map[string]string{"hadoop001": "idle", "hadoop003": "lead"}}
	return s
}

// An add-on's selectors parse and resolve through its Extension; on a
// cluster without the add-on, or malformed, they are refused naming the fix.
func TestExtensionSelectors(t *testing.T) {
	ext := widget()
	ds, err := Resolve("widget-leader", withWidgets(), ext)
	require.NoError(t, err)
	assert.Equal(t, []string{"hadoop003/widget"}, names(ds))
	ds, err = Resolve("widget-of(1)", withWidgets(), ext)
	require.NoError(t, err)
	assert.Equal(t, []string{"hadoop001/widget"}, names(ds))
	assert.True(t, NeedsState("widget-of(1)", ext))
	assert.False(t, NeedsState("widget-of(1)"), "without the extension it is a host name")

	snap := withWidgets()
	snap.Hosts["hadoop003"] = "paused"
	_, err = Resolve("widget-leader", snap, ext)
	assert.ErrorContains(t, err, "resolve widget-leader: no leading widget: none is lead")

	_, err = Parse("widget-of(x)", withWidgets().Topology, ext)
	assert.ErrorContains(t, err, `target "widget-of(x)": want widget-of(N)`)
	_, err = Parse("widget-leader", topology.Guide(), ext)
	assert.ErrorContains(t, err, "needs the widget add-on, which this cluster does not run: start it with harness.WithAddons(\"widget\") or `--with widget`")
	assert.Equal(t, [][2]string{{"widget-leader", "the leading widget"}, {"widget-of(N)", "(widget)"}}, ext.Help())
}

// fiveHosts is a cluster of five hosts, each with ZooKeeper and a
// JournalNode; nn1 on h1 is active.
func fiveHosts() Snapshot {
	hs := []string{"h1", "h2", "h3", "h4", "h5"}
	s := Snapshot{
		Topology: topology.Topology{Hosts: hs, Roles: map[topology.Role][]string{
			topology.ZooKeeper:       hs,
			topology.JournalNode:     hs,
			topology.NameNode:        {"h1", "h2"},
			topology.ZKFC:            {"h1", "h2"},
			topology.DataNode:        hs,
			topology.ResourceManager: {"h2", "h3"},
			topology.NodeManager:     hs,
		}}.WithDefaults(),
		Hosts:        map[string]string{},
		NameNodes:    map[string]string{"nn1": "active", "nn2": "standby"},
		NameNodeLock: "nn1",
		ZooKeeper:    map[string]string{},
	}
	for _, h := range hs {
		s.Hosts[h] = "running"
		s.ZooKeeper[h] = "follower"
	}
	s.ZooKeeper["h3"] = "leader"
	return s
}

func TestFiveHostsIsValid(t *testing.T) {
	require.NoError(t, fiveHosts().Topology.Validate())
}

func TestResolve(t *testing.T) {
	failover := func(s *Snapshot) {
		s.NameNodes = map[string]string{"nn1": "standby", "nn2": "active"}
		s.NameNodeLock = "nn2"
	}
	bothActive := func(lock string) func(*Snapshot) {
		return func(s *Snapshot) {
			s.NameNodes = map[string]string{"nn1": "active", "nn2": "active"}
			s.NameNodeLock = lock
		}
	}
	bothRMActive := func(lock string) func(*Snapshot) {
		return func(s *Snapshot) {
			s.ResourceManagers = map[string]string{"rm1": "ACTIVE", "rm2": "ACTIVE"}
			s.ResourceManagerLock = lock
		}
	}
	host := func(h, state string) func(*Snapshot) { return func(s *Snapshot) { s.Hosts[h] = state } }
	noQuorum := func(s *Snapshot) {
		for h := range s.ZooKeeper {
			s.ZooKeeper[h] = "no-quorum"
		}
	}
	tests := []struct {
		name string
		snap func() Snapshot // default healthy
		mod  func(*Snapshot)
		sel  Selector
		want []string
		err  string
	}{
		// HOST, HOST/ROLE, all: the topology alone.
		{name: "host", sel: "hadoop002", want: []string{"hadoop002/"}},
		{name: "host exited", sel: "hadoop002", mod: host("hadoop002", "exited"), want: []string{"hadoop002/"}},
		{name: "daemon", sel: "hadoop001/namenode", want: []string{"hadoop001/namenode"}},
		{name: "daemon at host", sel: "namenode@hadoop002", want: []string{"hadoop002/namenode"}},
		{name: "daemon on a paused host", sel: "hadoop001/namenode", mod: host("hadoop001", "paused"), want: []string{"hadoop001/namenode"}},
		{name: "daemon on an exited host", sel: "hadoop003/zookeeper", mod: host("hadoop003", "exited"), want: []string{"hadoop003/zookeeper"}},
		{name: "daemon with no state read", sel: "hadoop003/journalnode", snap: func() Snapshot { return Snapshot{Topology: topology.Guide()} },
			want: []string{"hadoop003/journalnode"}},
		{name: "unknown host", sel: "hadoop009", err: `unknown target "hadoop009"`},
		{name: "unknown host with role", sel: "hadoop009/namenode", err: `unknown target "hadoop009/namenode"`},
		{name: "unknown role on host", sel: "hadoop003/namenode", err: `unknown daemon "hadoop003/namenode": hadoop003 runs`},
		{name: "no such role", sel: "hadoop001/widget", err: `unknown daemon "hadoop001/widget"`},
		{name: "all", sel: AllHosts, want: []string{"hadoop001/", "hadoop002/", "hadoop003/"}},
		{name: "all with hosts down", sel: AllHosts, mod: func(s *Snapshot) { s.Hosts["hadoop001"] = "paused"; s.Hosts["hadoop003"] = "exited" },
			want: []string{"hadoop001/", "hadoop002/", "hadoop003/"}},

		// active-namenode
		{name: "active nn", sel: ActiveNameNode, want: []string{"hadoop001/namenode"}},
		{name: "active nn after failover", sel: ActiveNameNode, mod: failover, want: []string{"hadoop002/namenode"}},
		{name: "active nn upper case", sel: ActiveNameNode, mod: func(s *Snapshot) { s.NameNodes["nn1"] = "ACTIVE" }, want: []string{"hadoop001/namenode"}},
		{name: "active nn standby down", sel: ActiveNameNode, mod: func(s *Snapshot) { s.NameNodes["nn2"] = "down"; s.Hosts["hadoop002"] = "exited" },
			want: []string{"hadoop001/namenode"}},
		{name: "active nn none", sel: ActiveNameNode, mod: func(s *Snapshot) { s.NameNodes["nn1"] = "standby"; s.NameNodeLock = "" },
			err: `resolve active-namenode: no active namenode: none is active (nn1=standby nn2=standby lock="")`},
		{name: "active nn none, one down", sel: ActiveNameNode, mod: func(s *Snapshot) { s.NameNodes["nn1"] = "down"; s.Hosts["hadoop001"] = "exited" },
			err: `resolve active-namenode: no active namenode: none is active (nn1=down (host hadoop001 exited) nn2=standby lock="nn1")`},
		{name: "active nn not read", sel: ActiveNameNode, mod: func(s *Snapshot) { s.NameNodes = nil },
			err: `none is active (nn1=unknown nn2=unknown lock="nn1")`},
		{name: "two active nn, lock names nn1", sel: ActiveNameNode, mod: bothActive("nn1"), want: []string{"hadoop001/namenode"}},
		{name: "two active nn, lock names nn2", sel: ActiveNameNode, mod: bothActive("nn2"), want: []string{"hadoop002/namenode"}},
		{name: "two active nn, no lock", sel: ActiveNameNode, mod: bothActive(""),
			err: `resolve active-namenode: no active namenode: nn1, nn2 claim active and the lock names none (nn1=active nn2=active lock="")`},
		{name: "two active nn, lock names another", sel: ActiveNameNode, mod: bothActive("nn3"),
			err: `nn1, nn2 claim active and the lock names "nn3", not one of them`},
		{name: "active nn on a paused host", sel: ActiveNameNode, mod: func(s *Snapshot) { bothActive("nn1")(s); s.Hosts["hadoop001"] = "paused" },
			want: []string{"hadoop002/namenode"}},
		{name: "only active nn on a paused host", sel: ActiveNameNode, mod: host("hadoop001", "paused"),
			err: `none is active (nn1=active (host hadoop001 paused) nn2=standby lock="nn1")`},

		// standby-namenode
		{name: "standby nn", sel: StandbyNameNode, want: []string{"hadoop002/namenode"}},
		{name: "standby nn after failover", sel: StandbyNameNode, mod: failover, want: []string{"hadoop001/namenode"}},
		{name: "standby nn both standby", sel: StandbyNameNode, mod: func(s *Snapshot) { s.NameNodes["nn1"] = "standby" }, want: []string{"hadoop001/namenode"}},
		{name: "standby nn none", sel: StandbyNameNode, mod: bothActive("nn1"),
			err: `resolve standby-namenode: no standby namenode: none is standby (nn1=active nn2=active lock="nn1")`},
		{name: "standby nn on an exited host", sel: StandbyNameNode, mod: host("hadoop002", "exited"),
			err: `none is standby (nn1=active nn2=standby (host hadoop002 exited) lock="nn1")`},

		// active-resourcemanager
		{name: "active rm", sel: ActiveResourceManager, want: []string{"hadoop002/resourcemanager"}},
		{name: "active rm lower case", sel: ActiveResourceManager, mod: func(s *Snapshot) { s.ResourceManagers["rm1"] = "active" },
			want: []string{"hadoop002/resourcemanager"}},
		{name: "active rm after failover", sel: ActiveResourceManager,
			mod: func(s *Snapshot) {
				s.ResourceManagers = map[string]string{"rm1": "down", "rm2": "ACTIVE"}
				s.ResourceManagerLock = "rm2"
			},
			want: []string{"hadoop003/resourcemanager"}},
		{name: "active rm none", sel: ActiveResourceManager, mod: func(s *Snapshot) { s.ResourceManagers["rm1"] = "STANDBY" },
			err: `resolve active-resourcemanager: no active resourcemanager: none is active (rm1=STANDBY rm2=STANDBY lock="rm1")`},
		{name: "two active rm, lock names rm2", sel: ActiveResourceManager, mod: bothRMActive("rm2"), want: []string{"hadoop003/resourcemanager"}},
		{name: "two active rm, no lock", sel: ActiveResourceManager, mod: bothRMActive(""),
			err: `resolve active-resourcemanager: no active resourcemanager: rm1, rm2 claim active and the lock names none (rm1=ACTIVE rm2=ACTIVE lock="")`},
		{name: "two active rm, lock names another", sel: ActiveResourceManager, mod: bothRMActive("rm7"),
			err: `rm1, rm2 claim active and the lock names "rm7", not one of them`},
		{name: "active rm on a paused host", sel: ActiveResourceManager, mod: func(s *Snapshot) { bothRMActive("rm1")(s); s.Hosts["hadoop002"] = "paused" },
			want: []string{"hadoop003/resourcemanager"}},

		// standby-resourcemanager
		{name: "standby rm", sel: StandbyResourceManager, want: []string{"hadoop003/resourcemanager"}},
		{name: "standby rm none", sel: StandbyResourceManager, mod: func(s *Snapshot) { s.ResourceManagers["rm2"] = "down" },
			err: `resolve standby-resourcemanager: no standby resourcemanager: none is standby (rm1=ACTIVE rm2=down lock="rm1")`},
		{name: "standby rm both standby", sel: StandbyResourceManager, mod: func(s *Snapshot) { s.ResourceManagers["rm1"] = "STANDBY" },
			want: []string{"hadoop002/resourcemanager"}},
		{name: "standby rm on a paused host", sel: StandbyResourceManager, mod: host("hadoop003", "paused"),
			err: `none is standby (rm1=ACTIVE rm2=STANDBY (host hadoop003 paused) lock="rm1")`},

		// zookeeper-leader
		{name: "zk leader", sel: ZooKeeperLeader, want: []string{"hadoop002/zookeeper"}},
		{name: "zk leader with a follower down", sel: ZooKeeperLeader, mod: func(s *Snapshot) { s.ZooKeeper["hadoop001"] = "down"; s.Hosts["hadoop001"] = "exited" },
			want: []string{"hadoop002/zookeeper"}},
		{name: "zk leader without quorum", sel: ZooKeeperLeader, mod: noQuorum,
			err: `resolve zookeeper-leader: no zookeeper leader: none is leader (hadoop001=no-quorum hadoop002=no-quorum hadoop003=no-quorum)`},
		{name: "zk two leaders", sel: ZooKeeperLeader, mod: func(s *Snapshot) { s.ZooKeeper["hadoop003"] = "leader" },
			err: `resolve zookeeper-leader: no zookeeper leader: hadoop002, hadoop003 claim leader and nothing breaks the tie`},
		{name: "zk leader on a paused host", sel: ZooKeeperLeader, mod: host("hadoop002", "paused"),
			err: `none is leader (hadoop001=follower hadoop002=leader (host hadoop002 paused) hadoop003=follower)`},

		// zookeeper-follower
		{name: "zk follower", sel: ZooKeeperFollower, want: []string{"hadoop001/zookeeper"}},
		{name: "zk follower, first on an exited host", sel: ZooKeeperFollower, mod: host("hadoop001", "exited"), want: []string{"hadoop003/zookeeper"}},
		{name: "zk follower, first down", sel: ZooKeeperFollower, mod: func(s *Snapshot) { s.ZooKeeper["hadoop001"] = "down" },
			want: []string{"hadoop003/zookeeper"}},
		{name: "zk follower without quorum", sel: ZooKeeperFollower, mod: noQuorum,
			err: `resolve zookeeper-follower: no zookeeper follower: none is follower (hadoop001=no-quorum`},

		// minorities and majorities of three: away from the active NameNode's
		// host (hadoop001) first.
		{name: "jn minority", sel: JournalNodeMinority, want: []string{"hadoop002/journalnode"}},
		{name: "jn majority", sel: JournalNodeMajority, want: []string{"hadoop002/journalnode", "hadoop003/journalnode"}},
		{name: "zk minority", sel: ZooKeeperMinority, want: []string{"hadoop002/zookeeper"}},
		{name: "zk majority", sel: ZooKeeperMajority, want: []string{"hadoop002/zookeeper", "hadoop003/zookeeper"}},
		{name: "jn minority after failover", sel: JournalNodeMinority, mod: failover, want: []string{"hadoop001/journalnode"}},
		{name: "jn majority after failover", sel: JournalNodeMajority, mod: failover, want: []string{"hadoop001/journalnode", "hadoop003/journalnode"}},
		{name: "zk majority after failover", sel: ZooKeeperMajority, mod: failover, want: []string{"hadoop001/zookeeper", "hadoop003/zookeeper"}},
		{name: "jn minority, two active nn, lock names nn2", sel: JournalNodeMinority, mod: bothActive("nn2"), want: []string{"hadoop001/journalnode"}},
		{name: "jn minority, no active nn", sel: JournalNodeMinority, mod: bothActive(""), want: []string{"hadoop001/journalnode"}},
		{name: "jn majority, no active nn", sel: JournalNodeMajority, mod: func(s *Snapshot) { s.NameNodes = nil },
			want: []string{"hadoop001/journalnode", "hadoop002/journalnode"}},
		{name: "jn minority, a host exited", sel: JournalNodeMinority, mod: host("hadoop002", "exited"), want: []string{"hadoop003/journalnode"}},
		{name: "jn majority, a host paused", sel: JournalNodeMajority, mod: host("hadoop002", "paused"),
			want: []string{"hadoop003/journalnode", "hadoop002/journalnode"}},
		{name: "zk minority, a server down", sel: ZooKeeperMinority, mod: func(s *Snapshot) { s.ZooKeeper["hadoop002"] = "down" },
			want: []string{"hadoop003/zookeeper"}},
		{name: "zk minority without quorum", sel: ZooKeeperMinority, mod: noQuorum, want: []string{"hadoop002/zookeeper"}},
		{name: "jn minority, no state read", sel: JournalNodeMinority, snap: func() Snapshot { return Snapshot{Topology: topology.Guide()} },
			want: []string{"hadoop001/journalnode"}},

		// minorities and majorities of five: two and three.
		{name: "5 jn minority", snap: fiveHosts, sel: JournalNodeMinority, want: []string{"h2/journalnode", "h3/journalnode"}},
		{name: "5 jn majority", snap: fiveHosts, sel: JournalNodeMajority, want: []string{"h2/journalnode", "h3/journalnode", "h4/journalnode"}},
		{name: "5 zk minority", snap: fiveHosts, sel: ZooKeeperMinority, want: []string{"h2/zookeeper", "h3/zookeeper"}},
		{name: "5 zk majority", snap: fiveHosts, sel: ZooKeeperMajority, want: []string{"h2/zookeeper", "h3/zookeeper", "h4/zookeeper"}},
		{name: "5 jn minority after failover", snap: fiveHosts, sel: JournalNodeMinority,
			mod: failover, want: []string{"h1/journalnode", "h3/journalnode"}},
		{name: "5 jn majority, a host paused", snap: fiveHosts, sel: JournalNodeMajority, mod: host("h3", "paused"),
			want: []string{"h2/journalnode", "h4/journalnode", "h5/journalnode"}},
		{name: "5 zk minority, two down", snap: fiveHosts, sel: ZooKeeperMinority,
			mod:  func(s *Snapshot) { s.ZooKeeper["h2"] = "down"; s.Hosts["h4"] = "exited" },
			want: []string{"h3/zookeeper", "h5/zookeeper"}},
		// Away from the active first outranks live first.
		{name: "5 jn minority, all others down", snap: fiveHosts, sel: JournalNodeMinority,
			mod: func(s *Snapshot) {
				for _, h := range []string{"h2", "h3", "h4", "h5"} {
					s.Hosts[h] = "exited"
				}
			},
			want: []string{"h2/journalnode", "h3/journalnode"}},
		{name: "5 zk leader", snap: fiveHosts, sel: ZooKeeperLeader, want: []string{"h3/zookeeper"}},

		{name: "no journalnodes", sel: JournalNodeMajority,
			snap: func() Snapshot {
				return Snapshot{Topology: topology.Topology{Hosts: []string{"a"}, Roles: map[topology.Role][]string{}}}
			},
			err: "resolve journalnode-majority: the topology has no journalnode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := healthy()
			if tc.snap != nil {
				snap = tc.snap()
			}
			if tc.mod != nil {
				tc.mod(&snap)
			}
			ds, err := Resolve(tc.sel, snap)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				assert.Nil(t, ds)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, names(ds))
		})
	}
}

// Every named selector resolves on a healthy cluster, and fails with a
// message naming it when nothing was read.
func TestResolveEveryNamed(t *testing.T) {
	for _, s := range Named() {
		ds, err := Resolve(s, healthy())
		require.NoError(t, err, s)
		assert.NotEmpty(t, ds, s)
		_, err = Resolve(s, Snapshot{Topology: healthy().Topology})
		if err != nil {
			assert.Regexp(t, "^resolve "+string(s)+": no [a-z]", err.Error())
		}
	}
}

func TestNeedsState(t *testing.T) {
	for _, s := range Named() {
		assert.Equal(t, s != AllHosts, NeedsState(s), s)
	}
	for _, s := range []Selector{"hadoop001", "hadoop001/namenode", "namenode@hadoop002", "nonsense", ""} {
		assert.False(t, NeedsState(s), s)
	}
}
