package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/internal/unroutable"
	"github.com/haharness/haharness/scenarios"
)

// TestUnroutableContainerAddresses runs the harness as it runs on Docker
// Desktop, Colima, Podman machines and remote engines: the test process
// cannot reach any container address (package unroutable rejects its
// packets to them). Bring-up, status, ZooKeeper inspection, the HDFS client
// through a NameNode failover and the scenario report must all work
// through published ports.
//
// Under `make e2e` the whole suite already runs blocked; run alone (go test
// ./e2e -run Unroutable), the test re-runs itself in a blocked process.
func TestUnroutableContainerAddresses(t *testing.T) {
	tier(t, tierQuick)
	if !unroutable.Active() {
		rerunBlocked(t)
		return
	}
	c := shared.Get(t)
	ctx := t.Context()

	// The block is in effect: a container address cannot be reached, so
	// everything below went through published ports.
	d := net.Dialer{Timeout: 3 * time.Second}
	direct := net.JoinHostPort(c.IP("hadoop001"), "22")
	if conn, err := d.DialContext(ctx, "tcp", direct); err == nil {
		conn.Close()
		t.Fatalf("dialled %s directly: container addresses are reachable, the test proves nothing", direct)
	}
	banner, err := bufio.NewReader(mustDial(t, c.Addr("hadoop001", config.PortSSH))).ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(banner, "SSH-"), "sshd through its published port said %q", banner)

	// Status: HA ready, cross-checked with the admin commands.
	st, err := c.WaitReady(ctx)
	require.NoError(t, err)
	active := st.ActiveNameNode()
	require.NotEmpty(t, active)

	// A web UI answers at its published URL.
	uis, err := c.WebUIs(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, uis)
	resp, err := http.Get(uis[0].URL)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "GET %s", uis[0].URL)

	// ZooKeeper inspection: the election lock names the active NameNode.
	zk, err := c.ZooKeeper(ctx)
	require.NoError(t, err)
	lock, err := observe.NameNodeLock(zk, c.Topology().Nameservice)
	zk.Close()
	require.NoError(t, err)
	assert.Equal(t, active, lock.NameNodeID)

	// A file written with replication 3 from this process: the client
	// reaches each DataNode, which the NameNode names by container address,
	// through its published data-transfer port.
	fs, err := c.HDFS(ctx)
	require.NoError(t, err)
	payload := []byte(strings.Repeat("unroutable ", 1000))
	require.NoError(t, harness.WriteFile(ctx, fs, "/unroutable/before", payload))
	fs.Close()
	fsck, err := c.Shell(ctx, "hadoop001", "hdfs fsck /unroutable/before 2>/dev/null")
	require.NoError(t, err)
	require.Contains(t, fsck.Stdout, "Average block replication:\t3.0", "fsck:\n%s", fsck.Stdout)

	// The HDFS client through a NameNode failover, recorded into a report.
	sc, err := scenarios.Lookup("kill-active-namenode")
	require.NoError(t, err)
	res, err := scenarios.Run(ctx, c, sc, 7, harnesstest.Logger(t))
	require.NoError(t, err)
	require.NoError(t, res.Failed(), "timeline:\n%s", res.Timeline())
	require.NotEmpty(t, res.Failovers, "no failover recorded")
	assert.Positive(t, res.Acked, "no write acknowledged across the failover")
	dir := t.TempDir()
	require.NoError(t, res.Save(dir))
	report, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "kill-active-namenode")

	// The file written before the failover reads back through the new active.
	fs, err = c.HDFS(ctx)
	require.NoError(t, err)
	defer fs.Close()
	got, err := fs.ReadFile("/unroutable/before")
	require.NoError(t, err)
	assert.Equal(t, payload, got)
}

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	return conn
}

// rerunBlocked runs the calling test again in a process that cannot reach
// container addresses, streaming its output.
func rerunBlocked(t *testing.T) {
	t.Helper()
	harnesstest.RequireDocker(t)
	remove, err := unroutable.Install()
	if err != nil {
		if os.Getenv("HAHARNESS_REQUIRE_DOCKER") != "" {
			t.Fatalf("cannot block container addresses: %v", err)
		}
		t.Skipf("cannot block container addresses here (%v): run `make e2e` as root", err)
	}
	t.Cleanup(func() { require.NoError(t, remove()) })
	cmd := unroutable.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=20m")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		// Collect what a killed child may have left.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, _ = harness.GC(ctx, false)
		t.Fatalf("%s in a process that cannot reach container addresses: %v", t.Name(), err)
	}
}
