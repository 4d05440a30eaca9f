package harness

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
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

func TestSnapshotsOfSaysWhichAreStale(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	snap := func(id, tag, base string, created int) docker.Image {
		im := docker.Image{ID: id, Labels: map[string]string{LabelSnapshot: "k-" + id, LabelSnapshotBase: base},
			Created: day(created), Size: 700 << 20}
		if tag != "" {
			im.Tags = []string{tag}
		} else {
			im.Tags = []string{"<none>:<none>"}
		}
		return im
	}
	got := snapshotsOf([]docker.Image{
		{ID: "sha256:base1", Tags: []string{"haharness/hadoop:3.5.0-a"}, Size: 699 << 20},
		{ID: "sha256:other", Tags: []string{"debian:bookworm"}},
		snap("sha256:s1", SnapshotRepo+":one", "sha256:base1", 1),
		snap("sha256:s2", SnapshotRepo+":two", "base1", 3),         // the engine gave the base ID without its prefix
		snap("sha256:s3", SnapshotRepo+":three", "sha256:gone", 2), // made on an image that was removed
		snap("sha256:s4", "", "sha256:base1", 4),                   // lost its tag to a newer save of its key
	})
	require.Len(t, got, 4, "only images with a snapshot key are snapshots")
	byRef := map[string]Snapshot{}
	for _, s := range got {
		byRef[s.Ref] = s
	}
	assert.Equal(t, []string{"sha256:s4", SnapshotRepo + ":two", SnapshotRepo + ":three", SnapshotRepo + ":one"},
		[]string{got[0].Ref, got[1].Ref, got[2].Ref, got[3].Ref}, "newest first; an untagged one by its ID")
	assert.False(t, byRef[SnapshotRepo+":one"].Stale)
	assert.False(t, byRef[SnapshotRepo+":two"].Stale)
	assert.True(t, byRef[SnapshotRepo+":three"].Stale, "its image is gone")
	assert.True(t, byRef["sha256:s4"].Stale, "untagged: no start finds it")
	assert.InDelta(t, 1.0, byRef[SnapshotRepo+":one"].SizeMiB, 0.01, "its own layer: the image less its base")
}
