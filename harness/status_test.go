package harness

import (
	"reflect"
	"strings"
	"testing"

	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/topology"
)

func readyStatus() Status {
	return Status{
		NameNodes: []NameNodeState{
			{ID: "nn1", Host: "hadoop001", JMX: "active", HAAdmin: "active", LiveDataNodes: 3},
			{ID: "nn2", Host: "hadoop002", JMX: "standby", HAAdmin: "standby", LiveDataNodes: 3},
		},
		NameNodeLock: "nn1",
		ResourceManagers: []ResourceManagerState{
			{ID: "rm1", Host: "hadoop002", REST: "ACTIVE", RMAdmin: "active"},
			{ID: "rm2", Host: "hadoop003", REST: "STANDBY", RMAdmin: "standby"},
		},
		ResourceManagerLock: "rm1",
		NodeManagersRunning: 3, NodeManagers: 3, DataNodes: 3,
		ZooKeeper: []ZooKeeperState{{"hadoop001", "follower"}, {"hadoop002", "leader"}, {"hadoop003", "follower"}},
	}
}

func TestStatusReady(t *testing.T) {
	if err := readyStatus().Ready(); err != nil {
		t.Fatalf("ready status rejected: %v", err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Status)
		want   string
	}{
		{"two active namenodes", func(s *Status) { s.NameNodes[1].JMX = "active" }, "no single active namenode"},
		{"no active namenode", func(s *Status) { s.NameNodes[0].JMX = "standby" }, "no single active namenode"},
		{"haadmin disagrees", func(s *Status) { s.NameNodes[1].HAAdmin = "active" }, "haadmin says active but jmx says standby"},
		{"lock names the other", func(s *Status) { s.NameNodeLock = "nn2" }, "zookeeper lock names"},
		{"no lock", func(s *Status) { s.NameNodeLock = "" }, "zookeeper lock names"},
		{"safe mode", func(s *Status) { s.NameNodes[0].SafeMode = true }, "safe mode"},
		{"datanode missing", func(s *Status) { s.NameNodes[0].LiveDataNodes = 2 }, "sees 2 live datanodes, want 3"},
		{"namenode down", func(s *Status) { s.NameNodes[1].JMX = "down" }, "nn2 jmx says down, want standby"},
		{"two active rms", func(s *Status) { s.ResourceManagers[1].REST = "ACTIVE" }, "no single active resourcemanager"},
		{"rmadmin disagrees", func(s *Status) { s.ResourceManagers[0].RMAdmin = "standby" }, "rmadmin says standby"},
		{"yarn lock", func(s *Status) { s.ResourceManagerLock = "rm2" }, "yarn lock names"},
		{"nodemanager lost", func(s *Status) { s.NodeManagersRunning = 2 }, "2 of 3 nodemanagers RUNNING"},
		{"two zookeeper leaders", func(s *Status) { s.ZooKeeper[0].Mode = "leader" }, "zookeeper:"},
		{"zookeeper down", func(s *Status) { s.ZooKeeper[2].Mode = "down" }, "zookeeper:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := readyStatus()
			tc.mutate(&s)
			err := s.Ready()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Ready() = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseProcesses(t *testing.T) {
	ps := `    1 Ss   /usr/bin/tini -- /opt/hadoop/sbin/entrypoint.sh
   57 Sl   /usr/lib/jvm/default-java-17/bin/java -Dproc_namenode -Djava.net.preferIPv4Stack=true org.apache.hadoop.hdfs.server.namenode.NameNode
   99 Tl   /usr/lib/jvm/default-java-17/bin/java -Dproc_zkfc -Xmx96m org.apache.hadoop.hdfs.tools.DFSZKFailoverController
  120 S    bash -c pgrep -f -- '-Dproc_namenode( |$)'
`
	got := parseProcesses("hadoop001", ps, topology.Roles())
	if len(got) != 2 {
		t.Fatalf("got %+v, want namenode and zkfc", got)
	}
	if got[0].Role != "namenode" || got[0].PID != 57 || got[0].Frozen || got[0].Class != "NameNode" {
		t.Errorf("namenode: %+v", got[0])
	}
	if got[1].Role != "zkfc" || !got[1].Frozen || got[1].Class != "DFSZKFailoverController" {
		t.Errorf("zkfc: %+v", got[1])
	}
}

func TestOverlaps(t *testing.T) {
	used := []string{"172.17.0.0/16", "172.29.5.0/24"}
	for subnet, want := range map[string]bool{"172.29.5.0/24": true, "172.29.6.0/24": false, "172.17.3.0/24": true} {
		if got := overlaps(subnet, used); got != want {
			t.Errorf("overlaps(%s) = %v, want %v", subnet, got, want)
		}
	}
}

func TestStatusHAGroups(t *testing.T) {
	s := readyStatus()
	s.ResourceManagers[1].REST = ha.Down
	for _, tc := range []struct {
		role topology.Role
		want ha.Group
	}{
		{topology.NameNode, ha.Group{Role: topology.NameNode, Lock: "nn1", Members: []ha.Member{
			{ID: "nn1", Host: "hadoop001", State: ha.Active}, {ID: "nn2", Host: "hadoop002", State: ha.Standby}}}},
		// The REST words normalised: ACTIVE is ha.Active.
		{topology.ResourceManager, ha.Group{Role: topology.ResourceManager, Lock: "rm1", Members: []ha.Member{
			{ID: "rm1", Host: "hadoop002", State: ha.Active}, {ID: "rm2", Host: "hadoop003", State: ha.Down}}}},
		{topology.ZooKeeper, ha.Group{Role: topology.ZooKeeper}},
	} {
		if got := s.HA(tc.role); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("HA(%s) = %+v, want %+v", tc.role, got, tc.want)
		}
	}
	if got := s.ActiveResourceManager(); got != "rm1" {
		t.Errorf("ActiveResourceManager() = %q, want rm1", got)
	}
	want := "namenodes[nn1=active nn2=standby lock=nn1] resourcemanagers[rm1=active rm2=down lock=rm1] nodemanagers=3/3 " +
		"zookeeper[hadoop001=follower hadoop002=leader hadoop003=follower]"
	if got := s.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if err := s.Ready(); err == nil || !strings.Contains(err.Error(), "rm2 says down, want standby") {
		t.Errorf("Ready() = %v, want rm2's state named", err)
	}
}
