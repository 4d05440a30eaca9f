package e2e

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/harness/topology"
)

// TestGuideCluster brings up the guide's preset with the whole init
// sequence (WithFreshInit: every guide step run and checked) and checks, on the real
// daemons: HA ready (as defined by harness.Status.Ready, cross-checked with
// haadmin/rmadmin and the ZooKeeper locks), nothing in HDFS yet, a file
// written from this process through hdfs://mycluster reads back with three
// replicas on DataNodes, a MapReduce pi job succeeds on YARN, and after Stop
// and Restart (no format) the file is still there.
func TestGuideCluster(t *testing.T) {
	tier(t, tierQuick)
	// The init sequence itself is under test: no warm start.
	c := harnesstest.Start(t, harness.WithFreshInit())
	ctx := t.Context()
	var steps []string
	for _, s := range c.Steps() {
		t.Logf("step %-45s %v", s.Name, s.Duration.Round(time.Millisecond))
		steps = append(steps, s.Name)
	}
	for _, want := range []string{"start zookeeper ensemble", "start journalnodes", "format nn1", "start nn1",
		"bootstrap standby namenodes", "format zkfc znode", "start datanodes", "start standby namenodes and zkfcs",
		"start resourcemanagers and nodemanagers", "wait for HA ready"} {
		if !slices.Contains(steps, want) {
			t.Errorf("init step %q not run; steps: %v", want, steps)
		}
	}
	if slices.Contains(steps, "restore snapshot") {
		t.Errorf("WithFreshInit restored a snapshot; steps: %v", steps)
	}

	st, err := c.Status(ctx, harness.StatusOptions{CLI: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Ready(); err != nil {
		t.Fatalf("not HA ready after Start: %v", err)
	}
	t.Logf("status: %s", st)
	for _, n := range st.NameNodes {
		if n.HAAdmin != n.JMX {
			t.Errorf("%s: haadmin=%q jmx=%q", n.ID, n.HAAdmin, n.JMX)
		}
	}

	// jps view: every daemon of the topology runs on its host.
	for _, h := range c.Topology().Hosts {
		ps, err := c.Processes(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		got := map[topology.Role]bool{}
		for _, p := range ps {
			got[p.Role] = true
		}
		for _, r := range c.Topology().RolesOf(h) {
			if !got[r] {
				t.Errorf("%s: %s not running (jps: %+v)", h, r, ps)
			}
		}
	}

	uis, err := c.WebUIs(ctx)
	if err != nil || len(uis) == 0 {
		t.Fatalf("web UIs: %v %v", uis, err)
	}
	for _, u := range uis {
		if !strings.HasPrefix(u.URL, "http://127.0.0.1:") {
			t.Errorf("UI %s/%s not on loopback: %s", u.Host, u.Role, u.URL)
		}
	}

	// Write through hdfs://mycluster from the test process.
	fs, err := c.HDFS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	// Start writes nothing to HDFS: Reset, which deletes every entry of /
	// to give the next test HDFS as Start left it, relies on it.
	if top, err := fs.ReadDir("/"); err != nil || len(top) > 0 {
		var names []string
		for _, fi := range top {
			names = append(names, fi.Name())
		}
		t.Errorf("HDFS right after Start: %v %v; want an empty root (harness.Cluster.Reset deletes every entry of /)", names, err)
	}
	want := bytes.Repeat([]byte("haharness guide cluster\n"), 4096)
	if err := harness.WriteFile(ctx, fs, "/e2e/guide.txt", want); err != nil {
		t.Fatal(err)
	}
	assertFile(t, c, "/e2e/guide.txt", want)
	// The blocks really are on DataNodes, with the configured replication.
	res, err := c.Shell(ctx, "hadoop001", "hdfs fsck /e2e/guide.txt -files -blocks -locations")
	if err != nil || !strings.Contains(res.Stdout, "HEALTHY") || !strings.Contains(res.Stdout, "repl=3") {
		t.Fatalf("fsck: %v\n%s", err, res.Combined())
	}

	// A MapReduce example job on YARN.
	res, err = c.Shell(ctx, "hadoop001", fmt.Sprintf("yarn jar %s pi 2 20", config.ExamplesJar))
	if err != nil || res.ExitCode != 0 || !strings.Contains(res.Stdout, "Estimated value of Pi is") {
		t.Fatalf("pi job: exit %d %v\n%s", res.ExitCode, err, lastLines(res.Combined(), 40))
	}
	t.Logf("pi job: %s", lastLines(res.Stdout, 1))

	// Second start (the guide's §7): no format, data kept.
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Steps() {
		t.Logf("second start: step %-45s %v", s.Name, s.Duration.Round(time.Millisecond))
	}
	assertFile(t, c, "/e2e/guide.txt", want)
}

func assertFile(t *testing.T, c *harness.Cluster, path string, want []byte) {
	t.Helper()
	fs, err := c.HDFS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	r, err := fs.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: read %d bytes, want %d identical bytes", path, len(got), len(want))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
