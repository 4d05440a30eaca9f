package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/internal/poll"
)

// TestEngineConformance checks, on the engine found (DOCKER_HOST...), every
// engine feature the harness relies on, each in isolation, in seconds: a
// network with a fixed subnet, static addresses, ExtraHosts, the alias,
// published ports on the loopback address that forward to the container,
// files copied in before start, the host limits and capabilities (iptables
// with NET_ADMIN + NET_RAW), exec exit codes, pause and unpause (the
// cgroup freezer), stats, kill, start again, stop, copy out, and a second
// network on the same subnet refused as ErrConflict. It runs only when
// HAHARNESS_ENGINE_TEST_IMAGE names an image meeting images/CONTRACT.md
// (`make test-podman` passes the Hadoop image).
func TestEngineConformance(t *testing.T) {
	img := os.Getenv("HAHARNESS_ENGINE_TEST_IMAGE")
	if img == "" {
		t.Skip("set HAHARNESS_ENGINE_TEST_IMAGE to an image of images/CONTRACT.md to run it")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	e, err := Connect(ctx)
	require.NoError(t, err)
	in, err := e.Info(ctx)
	require.NoError(t, err)
	t.Logf("engine %s %s at %s (podman=%v), published ports at %s", in.OS, in.ServerVersion, in.Endpoint, in.Podman, in.PublishedHost)

	prefix := fmt.Sprintf("hhconf-%d", os.Getpid())
	labels := map[string]string{LabelManaged: "1", LabelCluster: prefix, LabelOwner: "detached"}
	netName, subnet := prefix, ""
	for n := 255; n >= 200 && subnet == ""; n-- {
		s := fmt.Sprintf("172.29.%d.0/24", n)
		if err := e.CreateNetwork(ctx, netName, s, labels); err == nil {
			subnet = s
		} else if !errors.Is(err, ErrConflict) {
			require.NoError(t, err)
		}
	}
	require.NotEmpty(t, subnet, "no free /24 in 172.29.200-255")
	base := strings.TrimSuffix(subnet, "0/24")
	ipA, ipB := base+"10", base+"11"
	names := []string{prefix + "-a", prefix + "-b"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		assert.NoError(t, e.Remove(ctx, names...))
		assert.NoError(t, e.RemoveNetwork(ctx, netName))
	})
	for i, h := range []string{"hosta", "hostb"} {
		hl := map[string]string{LabelHost: h}
		for k, v := range labels {
			hl[k] = v
		}
		require.NoError(t, e.CreateContainer(ctx, ContainerSpec{Name: names[i], Hostname: h, Image: img, Network: netName,
			IP: []string{ipA, ipB}[i], ExtraHosts: []string{"hosta:" + ipA, "hostb:" + ipB}, Labels: hl, Publish: []int{22, 8020},
			CapAdd: []string{"NET_ADMIN", "NET_RAW"}, Files: map[string][]byte{"etc/hh/run.sh": []byte("echo copied\n")}}))
	}
	require.NoError(t, e.Start(ctx, names...))
	a, b := names[0], names[1]

	sh := func(name, script string) Result {
		t.Helper()
		r, err := e.Exec(ctx, name, []string{"bash", "-c", script}, ExecOptions{})
		require.NoError(t, err, script)
		return r
	}
	assert.Equal(t, 3, sh(a, "exit 3").ExitCode, "exec exit code")
	assert.Equal(t, "copied", strings.TrimSpace(sh(a, "/etc/hh/run.sh").Stdout), "file copied in before start, .sh executable")
	assert.Equal(t, "hosta "+ipA, strings.TrimSpace(sh(a, "echo $(hostname) $(ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)").Stdout),
		"hostname and static address")
	assert.Contains(t, sh(a, "getent hosts hostb").Stdout, ipB, "ExtraHosts")
	assert.Equal(t, "16384 32768", strings.TrimSpace(sh(a, "echo $(ulimit -n) $(ulimit -u)").Stdout), "host ulimits")
	assert.Zero(t, sh(a, "ssh -o ConnectTimeout=5 hostb true").ExitCode, "ssh between hosts (sshfence)")

	// Published ports: listed, on the loopback address for a local
	// engine, and forwarded to the container's sshd.
	cs, err := e.Containers(ctx, LabelCluster+"="+prefix)
	require.NoError(t, err)
	require.Len(t, cs, 2)
	ports := map[string]int{}
	for _, c := range cs {
		assert.Equal(t, "running", c.State)
		require.NotZero(t, c.Ports[22], "%s publishes 22: %+v", c.Name, c.Ports)
		ports[c.Name] = c.Ports[22]
	}
	banner := func(name string) string {
		d := net.Dialer{Timeout: 3 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", e.PublishedAddr(ports[name]))
		if err != nil {
			return err.Error()
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
		s, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return err.Error()
		}
		return s
	}
	assert.True(t, strings.HasPrefix(banner(a), "SSH-"), "sshd banner through the published port %s", e.PublishedAddr(ports[a]))
	// A published port nothing listens on in the container: a userland
	// proxy (docker-proxy) accepts and hangs up, kernel forwarding
	// (Podman's netavark DNAT) is refused by the container itself. Either
	// way it says nothing about the forwarding until the server listens.
	if p := cs[0].Ports[8020]; assert.NotZero(t, p, "8020 published") {
		conn, err := net.DialTimeout("tcp", e.PublishedAddr(p), 3*time.Second)
		if err == nil {
			_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
			_, err = conn.Read(make([]byte, 1))
			conn.Close()
			t.Logf("published port without a listener: accepted, then %v (a userland proxy)", err)
		} else {
			t.Logf("published port without a listener: %v (kernel forwarding)", err)
		}
	}

	// iptables (partitions) with NET_ADMIN + NET_RAW.
	require.Zero(t, sh(a, "iptables -N HH-FAULT && iptables -I INPUT -j HH-FAULT && iptables -A HH-FAULT -s "+ipB+" -j DROP").ExitCode)
	assert.NotZero(t, sh(b, "nc -z -w 2 hosta 22").ExitCode, "iptables DROP in effect")
	require.Zero(t, sh(a, "iptables -F HH-FAULT").ExitCode)
	assert.Zero(t, sh(b, "nc -z -w 2 hosta 22").ExitCode, "flushed")
	if r := sh(a, "tc qdisc add dev eth0 root netem delay 1ms && tc qdisc del dev eth0 root"); r.ExitCode != 0 {
		t.Logf("no netem here (degrade falls back to iptables loss): %s", r.Combined())
	}

	// Pause and unpause (freeze-host).
	require.NoError(t, e.Pause(ctx, a))
	st, err := e.Inspect(ctx, a)
	require.NoError(t, err)
	assert.True(t, st.Paused, "paused: %+v", st)
	cs, err = e.Containers(ctx, LabelCluster+"="+prefix, LabelHost+"=hosta")
	require.NoError(t, err)
	require.Len(t, cs, 1)
	assert.Equal(t, "paused", cs[0].State)
	require.NoError(t, e.Unpause(ctx, a))
	assert.Zero(t, sh(a, "true").ExitCode, "exec after unpause")

	// Stats (peak memory of the cluster).
	mem, err := e.Usage(ctx, a, b)
	require.NoError(t, err)
	assert.NotZero(t, mem[a], "memory usage of %s", a)

	// Kill, start again (kill-host and its heal), stop (stop-host).
	require.NoError(t, e.Kill(ctx, b, "KILL"))
	st, err = e.Inspect(ctx, b)
	require.NoError(t, err)
	assert.False(t, st.Running)
	assert.Equal(t, "exited", st.Status)
	require.NoError(t, e.Start(ctx, b))
	cs, err = e.Containers(ctx, LabelCluster+"="+prefix, LabelHost+"=hostb")
	require.NoError(t, err)
	require.Len(t, cs, 1)
	ports[b] = cs[0].Ports[22]
	assert.Equal(t, ipB, strings.TrimSpace(sh(b, "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1").Stdout), "same address after restart")
	// As the harness does after starting a host again (Podman gives it a
	// new MAC address; see AnnounceCommand).
	res, err := e.Exec(ctx, b, AnnounceCommand, ExecOptions{})
	require.NoError(t, err)
	require.Zero(t, res.ExitCode, res.Combined())
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	require.NoError(t, poll.Until(wctx, "sshd through the published port "+e.PublishedAddr(ports[b])+" after restart", 200*time.Millisecond,
		func(context.Context) (bool, string, error) {
			s := banner(b)
			return strings.HasPrefix(s, "SSH-"), s, nil
		}))
	require.NoError(t, e.Stop(ctx, b, 10))
	st, err = e.Inspect(ctx, b)
	require.NoError(t, err)
	assert.Equal(t, "exited", st.Status)

	files, err := e.CopyFrom(ctx, a, "/etc/hh/run.sh")
	require.NoError(t, err)
	assert.Equal(t, "echo copied\n", string(files["run.sh"]))

	// A second network on the same subnet is a conflict the harness skips.
	err = e.CreateNetwork(ctx, prefix+"-dup", subnet, labels)
	if err == nil {
		_ = e.RemoveNetwork(ctx, prefix+"-dup")
	}
	assert.ErrorIs(t, err, ErrConflict)
}
