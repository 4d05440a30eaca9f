package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

func TestSnapshotKeyChangesWithWhatDecidesTheInit(t *testing.T) {
	guide := topology.Guide()
	render := func(t *testing.T, topo topology.Topology, o config.Options) config.Files {
		t.Helper()
		if o.Overrides == nil {
			o.Overrides = config.Overrides{}
		}
		conf, err := config.Render(topo, o)
		require.NoError(t, err)
		return conf
	}
	base := SnapshotKey("sha256:aaa", guide, render(t, guide, config.Options{Fencing: config.FenceSSHThenShell}))
	assert.Len(t, base, 16)
	assert.Equal(t, base, SnapshotKey("sha256:aaa", guide, render(t, guide, config.Options{Fencing: config.FenceSSHThenShell})),
		"the same configuration has the same key")

	bigger := topology.Guide()
	bigger.Hosts = append(bigger.Hosts, "hadoop004")
	bigger.Roles[topology.DataNode] = append(bigger.Roles[topology.DataNode], "hadoop004")
	bigger.Roles[topology.NodeManager] = append(bigger.Roles[topology.NodeManager], "hadoop004")
	bigger = bigger.WithDefaults()
	require.NoError(t, bigger.Validate())
	for name, key := range map[string]string{
		"another image":    SnapshotKey("sha256:bbb", guide, render(t, guide, config.Options{Fencing: config.FenceSSHThenShell})),
		"another fencing":  SnapshotKey("sha256:aaa", guide, render(t, guide, config.Options{Fencing: config.FenceShell})),
		"another topology": SnapshotKey("sha256:aaa", bigger, render(t, bigger, config.Options{Fencing: config.FenceSSHThenShell})),
		"an override": SnapshotKey("sha256:aaa", guide, render(t, guide, config.Options{Fencing: config.FenceSSHThenShell,
			Overrides: config.Overrides{"hdfs-site.xml": {"dfs.replication": "2"}}})),
	} {
		assert.NotEqual(t, base, key, "%s must make another snapshot", name)
	}
}

func TestStateDirsFollowTheRolesOfEachHost(t *testing.T) {
	g := topology.Guide()
	assert.Equal(t, []string{"home/hadoop/zookeeper/data", "home/hadoop/journalnode/data", "home/hadoop/namenode/data"}, stateDirs(g, "hadoop001"))
	assert.Equal(t, []string{"home/hadoop/zookeeper/data", "home/hadoop/journalnode/data"}, stateDirs(g, "hadoop003"),
		"hadoop003 runs no NameNode")
	assert.Equal(t, []string{"home/hadoop/zookeeper/data"}, stateDirs(g, "hadoop001", topology.ZooKeeper))
	assert.Equal(t, []string{"home/hadoop/journalnode/data", "home/hadoop/namenode/data"}, stateDirs(g, "hadoop002", topology.JournalNode, topology.NameNode))
	assert.Empty(t, stateDirs(g, "hadoop003", topology.NameNode))
}
