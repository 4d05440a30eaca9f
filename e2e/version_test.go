package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/images"
	"github.com/haharness/haharness/internal/docker"
	"github.com/haharness/haharness/scenarios"
)

// TestHadoop34 starts the guide's cluster on the newest Hadoop 3.4.x that
// images.Releases knows (3.4.3, the newest on Maven Central; the second
// supported line besides the default 3.5) and checks, on the real daemons:
// the image and the JVMs really are that release and its ZooKeeper, every
// daemon logs through log4j to its .log (no stray SLF4J binding), HA is
// ready with exactly one active NameNode and one active ResourceManager, a
// file written from this process through hdfs://mycluster reads back, a
// MapReduce pi job succeeds on YARN, killing the active NameNode makes the
// other one active with the file still readable and writes going on, and
// Heal brings the cluster back to HA ready. It then removes the cluster and
// checks that no container or network of it is left.
func TestHadoop34(t *testing.T) {
	tier(t, tierLong) // a second image to build and a cold start: past go test's default timeout with the rest
	rel, err := images.Lookup(newest34(t))
	require.NoError(t, err)
	c := harnesstest.Start(t, harness.WithHadoopVersion(rel.Hadoop))
	ctx := t.Context()
	t.Logf("started on %s: steps %v", c.Image(), stepNames(c))

	// The release really running: the image's labels (a warm start's
	// snapshot image inherits them), the jars' own version, and the
	// ZooKeeper servers' version.
	eng, err := docker.Connect(ctx)
	require.NoError(t, err)
	labels, ok, err := eng.ImageLabels(ctx, c.Image())
	require.NoError(t, err)
	require.True(t, ok, "image %s on the engine", c.Image())
	require.Equal(t, rel.Hadoop, labels[images.LabelHadoop], "image %s", c.Image())
	require.Equal(t, rel.ZooKeeper, labels[images.LabelZooKeeper], "image %s", c.Image())
	res, err := c.Shell(ctx, "hadoop001", "hadoop version")
	require.NoError(t, err)
	require.Zero(t, res.ExitCode, res.Combined())
	require.Equal(t, "Hadoop "+rel.Hadoop, firstLine(res.Stdout), "hadoop version:\n%s", res.Combined())
	for _, h := range c.Topology().On(topology.ZooKeeper) {
		res, err := c.Shell(ctx, h, fmt.Sprintf("echo srvr | nc -q 2 localhost %d", config.PortZooKeeper))
		require.NoError(t, err)
		require.Contains(t, res.Stdout, "Zookeeper version: "+rel.ZooKeeper+"-", "ZooKeeper on %s:\n%s", h, res.Combined())
	}

	// The daemons log through log4j (reload4j) to their .log files, as the
	// harness reads them: no other SLF4J binding (ZooKeeper 3.8.4's
	// logback) took over and sent everything to the .out files.
	for _, h := range c.Topology().Hosts {
		var logs []string
		for _, r := range c.Topology().RolesOf(h) {
			logs = append(logs, harness.LogPath(h, r))
		}
		res, err := c.Shell(ctx, h, fmt.Sprintf(`for f in %s; do [ -s "$f" ] || echo "empty or missing: $f"; done; `+
			`grep -l 'ch.qos.logback' %s/*.out; true`, strings.Join(logs, " "), config.LogDir))
		require.NoError(t, err)
		require.Empty(t, strings.TrimSpace(res.Combined()), "%s: every daemon logs to its .log, none through logback", h)
	}

	// HA ready, with exactly one active of each role.
	st, err := c.Status(ctx, harness.StatusOptions{CLI: true})
	require.NoError(t, err)
	require.NoError(t, st.Ready(), "HA ready on Hadoop %s: %s", rel.Hadoop, st)
	// Each is "" unless exactly one daemon of its role is active.
	from := st.ActiveNameNode()
	require.NotEmpty(t, from, "exactly one active NameNode: %s", st)
	require.NotEmpty(t, st.ActiveResourceManager(), "exactly one active ResourceManager: %s", st)

	// HDFS from this process.
	fs, err := c.HDFS(ctx)
	require.NoError(t, err)
	defer fs.Close()
	want := bytes.Repeat([]byte("haharness on hadoop "+rel.Hadoop+"\n"), 4096)
	require.NoError(t, harness.WriteFile(ctx, fs, "/e2e/version.txt", want))
	assertFile(t, c, "/e2e/version.txt", want)

	// A MapReduce example job on YARN.
	res, err = c.Shell(ctx, "hadoop001", fmt.Sprintf("yarn jar %s pi 2 20", config.ExamplesJar))
	require.NoError(t, err)
	require.Zero(t, res.ExitCode, "pi job:\n%s", lastLines(res.Combined(), 40))
	require.Contains(t, res.Stdout, "Estimated value of Pi is", "pi job:\n%s", lastLines(res.Combined(), 40))
	t.Logf("pi job: %s", lastLines(res.Stdout, 1))

	// Kill the active NameNode: the other one takes over.
	since := time.Now()
	in, err := c.Inject(ctx, fault.KillDaemon{Target: fault.ActiveNameNode})
	require.NoError(t, err)
	require.Equal(t, []string{c.Topology().NameNodeHost(from) + "/namenode"}, in.Targets, "the fault hit the active %s", from)
	waitCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	to, took, err := scenarios.WaitFailover(waitCtx, c, topology.NameNode, from, since)
	cancel()
	require.NoError(t, err, "failover away from the killed %s", from)
	require.NotEqual(t, from, to)
	t.Logf("failover %s -> %s in %v", from, to, took.Round(time.Millisecond))
	assertFile(t, c, "/e2e/version.txt", want)
	// A new client: the old one's connection to the killed NameNode is
	// gone (harness.Cluster.HDFS: make a new client after a failover).
	fs2, err := c.HDFS(ctx)
	require.NoError(t, err)
	defer fs2.Close()
	after := []byte("written after the failover to " + to + "\n")
	require.NoError(t, harness.WriteFile(ctx, fs2, "/e2e/after-failover.txt", after))
	assertFile(t, c, "/e2e/after-failover.txt", after)

	healCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	rep, err := c.Heal(healCtx)
	require.NoError(t, err, "heal after killing %s", from)
	t.Logf("heal: %+v", rep)
	st, err = c.Status(ctx, harness.StatusOptions{})
	require.NoError(t, err)
	require.NoError(t, st.Ready(), "HA ready after heal: %s", st)

	// Nothing of the cluster is left once it is removed (harnesstest's
	// cleanup removes it again, a no-op).
	require.NoError(t, c.Destroy(ctx))
	requireNothingLeft(t, c.Name(), "TestHadoop34")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}
