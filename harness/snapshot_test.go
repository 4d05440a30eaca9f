package harness

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/docker"
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

func TestSnapshotCaptureThatFailsGivesUpTheSnapshotNotTheStart(t *testing.T) {
	f := &fakeEngine{execFn: func(key string) docker.Result {
		if strings.Contains(key, "tar -cSf") && strings.Contains(key, "journalnode") && strings.HasPrefix(key, "hh-s-hadoop002 ") {
			return docker.Result{ExitCode: 2, Stderr: "tar: data/journalnode/data: Cannot open"}
		}
		return docker.Result{Stdout: "TAR"}
	}}
	c := newCluster("s", topology.Guide(), f, slog.New(slog.DiscardHandler))
	s := &snapshotter{c: c, tars: map[string][]byte{}}
	require.NoError(t, s.capture(t.Context(), "zookeeper", topology.ZooKeeper))
	assert.False(t, s.failed)
	assert.Len(t, s.tars, 3, "one ZooKeeper part per host")
	assert.Equal(t, []byte("TAR"), s.tars["hadoop001-zookeeper.tar"])
	require.NoError(t, s.capture(t.Context(), "hdfs", topology.JournalNode, topology.NameNode),
		"a part that cannot be captured does not fail the start")
	assert.True(t, s.failed)
	s.build()
	assert.Nil(t, s.done, "nothing is built once a part is missing")
	s.wait() // returns at once

	var nothing *snapshotter // a fresh init saves nothing
	require.NoError(t, nothing.capture(t.Context(), "hdfs", topology.NameNode))
	nothing.build()
	nothing.wait()
}
