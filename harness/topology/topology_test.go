package topology_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
)

// edit returns the guide's topology changed by f.
func edit(f func(t *topology.Topology)) topology.Topology {
	t := topology.Guide()
	f(&t)
	return t
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		topo topology.Topology
		want []string // substrings of the error; none for a valid topology
	}{
		{name: "guide", topo: topology.Guide()},
		{
			name: "five hosts",
			topo: edit(func(t *topology.Topology) {
				t.Hosts = []string{"a1", "a2", "a3", "a4", "a5"}
				t.Roles = map[topology.Role][]string{
					topology.ZooKeeper:       t.Hosts,
					topology.JournalNode:     {"a1", "a2", "a3"},
					topology.NameNode:        {"a1", "a2", "a3"},
					topology.ZKFC:            {"a1", "a2", "a3"},
					topology.DataNode:        {"a4"},
					topology.ResourceManager: {"a4", "a5"},
					topology.NodeManager:     {"a5"},
				}
			}),
		},
		{
			name: "four ZooKeepers",
			topo: edit(func(t *topology.Topology) {
				t.Hosts = append(t.Hosts, "hadoop004")
				t.Roles[topology.ZooKeeper] = t.Hosts
			}),
			want: []string{"ZooKeeper needs an odd number of servers, at least 3", "got 4"},
		},
		{
			name: "one ZooKeeper",
			topo: edit(func(t *topology.Topology) { t.Roles[topology.ZooKeeper] = []string{"hadoop001"} }),
			want: []string{"ZooKeeper needs an odd number of servers, at least 3", "got 1"},
		},
		{
			name: "two JournalNodes",
			topo: edit(func(t *topology.Topology) { t.Roles[topology.JournalNode] = []string{"hadoop001", "hadoop002"} }),
			want: []string{"odd number of JournalNodes, at least 3; got 2"},
		},
		{
			name: "single NameNode",
			topo: edit(func(t *topology.Topology) {
				t.Roles[topology.NameNode] = []string{"hadoop001"}
				t.Roles[topology.ZKFC] = []string{"hadoop001"}
			}),
			want: []string{"NameNode HA needs at least 2 NameNodes (nn1, nn2); got 1"},
		},
		{
			name: "NameNode without zkfc",
			topo: edit(func(t *topology.Topology) { t.Roles[topology.ZKFC] = []string{"hadoop001"} }),
			want: []string{`NameNode host "hadoop002" has no zkfc`},
		},
		{
			name: "zkfc without NameNode",
			topo: edit(func(t *topology.Topology) { t.Roles[topology.ZKFC] = []string{"hadoop001", "hadoop002", "hadoop003"} }),
			want: []string{`zkfc on "hadoop003" has no NameNode to watch`},
		},
		{
			name: "one ResourceManager",
			topo: edit(func(t *topology.Topology) { t.Roles[topology.ResourceManager] = []string{"hadoop002"} }),
			want: []string{"ResourceManager HA needs at least 2 ResourceManagers (rm1, rm2); got 1"},
		},
		{
			name: "duplicate host",
			topo: edit(func(t *topology.Topology) { t.Hosts = append(t.Hosts, "hadoop002") }),
			want: []string{`host "hadoop002" is listed twice`},
		},
		{
			name: "role on unknown host",
			topo: edit(func(t *topology.Topology) {
				t.Roles[topology.DataNode] = []string{"hadoop001", "hadoop009"}
			}),
			want: []string{`role datanode is placed on unknown host "hadoop009"`},
		},
		{
			name: "role twice on a host",
			topo: edit(func(t *topology.Topology) {
				t.Roles[topology.NodeManager] = []string{"hadoop001", "hadoop001"}
			}),
			want: []string{`role nodemanager is placed on host "hadoop001" twice`},
		},
		{
			name: "unknown role",
			topo: edit(func(t *topology.Topology) { t.Roles["historyserver"] = []string{"hadoop001"} }),
			want: []string{`unknown role "historyserver"`},
		},
		{
			name: "bad host name",
			topo: edit(func(t *topology.Topology) {
				t.Hosts = append(t.Hosts, "Hadoop_4")
			}),
			want: []string{`host name "Hadoop_4" is not a lower-case DNS label`},
		},
		{
			name: "no DataNode",
			topo: edit(func(t *topology.Topology) { delete(t.Roles, topology.DataNode) }),
			want: []string{"HDFS needs at least 1 DataNode; got 0"},
		},
		{
			name: "no NodeManager",
			topo: edit(func(t *topology.Topology) { t.Roles[topology.NodeManager] = nil }),
			want: []string{"YARN needs at least 1 NodeManager; got 0"},
		},
		{
			name: "bad nameservice",
			topo: edit(func(t *topology.Topology) { t.Nameservice = "My.Cluster" }),
			want: []string{`nameservice "My.Cluster" must be a lower-case DNS label`},
		},
		{
			name: "no hosts reports every problem",
			topo: topology.Topology{},
			want: []string{
				"no hosts",
				"ZooKeeper needs an odd number of servers, at least 3, for a majority to survive a failure; got 0",
				"JournalNodes, at least 3; got 0",
				"got 0",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.topo.Validate()
			if len(tt.want) == 0 {
				require.NoError(t, err, "Validate")
				return
			}
			require.Error(t, err, "Validate = nil, want error containing %q", tt.want)
			assert.ErrorIs(t, err, topology.ErrInvalid)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	g := topology.Guide()
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"NameNodeID hadoop001", g.NameNodeID("hadoop001"), "nn1"},
		{"NameNodeID hadoop002", g.NameNodeID("hadoop002"), "nn2"},
		{"NameNodeID hadoop003", g.NameNodeID("hadoop003"), ""},
		{"ResourceManagerID hadoop001", g.ResourceManagerID("hadoop001"), ""},
		{"ResourceManagerID hadoop002", g.ResourceManagerID("hadoop002"), "rm1"},
		{"ResourceManagerID hadoop003", g.ResourceManagerID("hadoop003"), "rm2"},
		{"ZooKeeperID hadoop001", g.ZooKeeperID("hadoop001"), 1},
		{"ZooKeeperID hadoop003", g.ZooKeeperID("hadoop003"), 3},
		{"ZooKeeperID unknown", g.ZooKeeperID("hadoop009"), 0},
		{"NameNodeHost nn1", g.NameNodeHost("nn1"), "hadoop001"},
		{"NameNodeHost nn2", g.NameNodeHost("nn2"), "hadoop002"},
		{"NameNodeHost nn3", g.NameNodeHost("nn3"), ""},
		{"NameNodeHost rm1", g.NameNodeHost("rm1"), ""},
		{"ResourceManagerHost rm1", g.ResourceManagerHost("rm1"), "hadoop002"},
		{"ResourceManagerHost rm2", g.ResourceManagerHost("rm2"), "hadoop003"},
		{"ResourceManagerHost nn1", g.ResourceManagerHost("nn1"), ""},
		{"Has hadoop003 namenode", g.Has("hadoop003", topology.NameNode), false},
		{"Has hadoop003 resourcemanager", g.Has("hadoop003", topology.ResourceManager), true},
		{"RolesOf hadoop001", g.RolesOf("hadoop001"), []topology.Role{topology.ZooKeeper, topology.JournalNode, topology.NameNode, topology.ZKFC, topology.DataNode, topology.NodeManager}},
		{"RolesOf unknown", g.RolesOf("hadoop009"), []topology.Role(nil)},
		{"Daemons count", len(g.Daemons()), 3 + 3 + 2 + 2 + 3 + 2 + 3},
		{"first daemon", g.Daemons()[0].String(), "hadoop001/zookeeper"},
		{"Short zkfc", topology.ZKFC.Short(), "DFSZKFailoverController"},
		{"Short unknown", topology.Role("other").Short(), "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
}

func TestIDsRoundTrip(t *testing.T) {
	g := topology.Guide()
	for _, h := range g.On(topology.NameNode) {
		assert.Equal(t, h, g.NameNodeHost(g.NameNodeID(h)), "NameNodeHost(NameNodeID(%s))", h)
	}
	for _, h := range g.On(topology.ResourceManager) {
		assert.Equal(t, h, g.ResourceManagerHost(g.ResourceManagerID(h)), "ResourceManagerHost(ResourceManagerID(%s))", h)
	}
}

func TestOnReturnsACopy(t *testing.T) {
	g := topology.Guide()
	nns := g.On(topology.NameNode)
	nns[0] = "changed"
	assert.Equal(t, "nn1", g.NameNodeID("hadoop001"), "changing On's result changed the topology")
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string // "" for a missing file
		want    topology.Topology
		wantErr string
	}{
		{
			name: "guide without ids gets defaults",
			content: `{
  "hosts": ["hadoop001", "hadoop002", "hadoop003"],
  "roles": {
    "zookeeper": ["hadoop001", "hadoop002", "hadoop003"],
    "journalnode": ["hadoop001", "hadoop002", "hadoop003"],
    "namenode": ["hadoop001", "hadoop002"],
    "zkfc": ["hadoop001", "hadoop002"],
    "datanode": ["hadoop001", "hadoop002", "hadoop003"],
    "resourcemanager": ["hadoop002", "hadoop003"],
    "nodemanager": ["hadoop001", "hadoop002", "hadoop003"]
  }
}`,
			want: topology.Guide(),
		},
		{
			name:    "explicit ids kept",
			content: `{"hosts": ["a"], "roles": {"datanode": ["a"]}, "nameservice": "ns1", "yarnClusterId": "y1"}`,
			want: topology.Topology{
				Hosts:         []string{"a"},
				Roles:         map[topology.Role][]string{topology.DataNode: {"a"}},
				Nameservice:   "ns1",
				YARNClusterID: "y1",
			},
		},
		{
			name:    "unknown field",
			content: `{"hosts": ["a"], "roles": {}, "nameservices": "ns1"}`,
			wantErr: `unknown field "nameservices"`,
		},
		{
			name:    "not json",
			content: `hosts: [a]`,
			wantErr: "parse topology",
		},
		{
			name:    "missing file",
			wantErr: "read topology: open",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("topology%d.json", i))
			if tt.content != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o644))
			}
			got, err := topology.Load(path)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr, "Load = %+v", got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got, "Load")
		})
	}
}

func TestRolesInStartOrder(t *testing.T) {
	want := []topology.Role{"zookeeper", "journalnode", "namenode", "zkfc", "datanode", "resourcemanager", "nodemanager"}
	assert.Equal(t, want, topology.Roles(), "Roles")
}

func ExampleGuide() {
	g := topology.Guide()
	fmt.Println("nameservice:", g.Nameservice, "yarn cluster:", g.YARNClusterID)
	for _, h := range g.Hosts {
		fmt.Printf("%s: %v\n", h, g.RolesOf(h))
	}
	// Output:
	// nameservice: mycluster yarn cluster: my-yarn-cluster
	// hadoop001: [zookeeper journalnode namenode zkfc datanode nodemanager]
	// hadoop002: [zookeeper journalnode namenode zkfc datanode resourcemanager nodemanager]
	// hadoop003: [zookeeper journalnode datanode resourcemanager nodemanager]
}

// An add-on's roles are whatever else a topology places: Validate takes
// them as known, AllRoles and Daemons list them after the guide's.
func TestExtraRoles(t *testing.T) {
	g := topology.Guide()
	g.Roles["widget"] = []string{"hadoop003", "hadoop001"}
	require.NoError(t, g.Validate("widget"))
	assert.ErrorContains(t, g.Validate(), `unknown role "widget"`, "a role no add-on brings")
	assert.Equal(t, append(topology.Roles(), "widget"), g.AllRoles())
	ds := g.Daemons()
	assert.Equal(t, []topology.Daemon{{Host: "hadoop003", Role: "widget"}, {Host: "hadoop001", Role: "widget"}}, ds[len(ds)-2:])
	assert.Equal(t, []topology.Role{"zookeeper", "journalnode", "datanode", "resourcemanager", "nodemanager", "widget"}, g.RolesOf("hadoop003"))
}
