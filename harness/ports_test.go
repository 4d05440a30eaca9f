package harness

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
)

// guideEngine is a fake engine holding cluster "x" of the guide's topology,
// hadoop001 running with published ports 40000+port%1000, the others as given.
func guideEngine(t *testing.T, states map[string]string) *fakeEngine {
	t.Helper()
	topo := topology.Guide()
	raw, err := json.Marshal(topo)
	require.NoError(t, err)
	f := &fakeEngine{}
	for i, h := range topo.Hosts {
		state := "running"
		if s, ok := states[h]; ok {
			state = s
		}
		ports := map[int]int{}
		if state == "running" {
			for _, p := range publishedPorts(topo, h) {
				ports[p] = 40000 + 100*i + p%100
			}
		}
		f.containers = append(f.containers, docker.Container{Name: containerName("x", h), State: state, Ports: ports,
			Labels: map[string]string{docker.LabelCluster: "x", docker.LabelHost: h, labelIP: "172.29.7." + itoa(10+i),
				labelTopology: base64.RawURLEncoding.EncodeToString(raw), docker.LabelOwner: ownerDetached}})
	}
	f.networks = []docker.Network{{Name: networkName("x"), Labels: map[string]string{docker.LabelCluster: "x"}, Subnets: []string{"172.29.7.0/24"}}}
	return f
}

func TestPublishedPortsCoverEveryClientPortOfTheHost(t *testing.T) {
	topo := topology.Guide()
	assert.Equal(t, []int{config.PortSSH, config.PortZooKeeper, config.PortZKFC, config.PortNameNodeRPC, config.PortNMWeb,
		config.PortJournalHTTP, config.PortJournalRPC, config.PortDataNodeHTTP, config.PortDataNodeData, config.PortDataNodeIPC,
		config.PortNameNodeHTTP}, publishedPorts(topo, "hadoop001"))
	assert.Contains(t, publishedPorts(topo, "hadoop003"), config.PortRMWeb)
	assert.Contains(t, publishedPorts(topo, "hadoop003"), config.PortRMClient)
	assert.NotContains(t, publishedPorts(topo, "hadoop003"), config.PortNameNodeRPC)
}

func TestAttachMapsClusterAddressesToPublishedPorts(t *testing.T) {
	f := guideEngine(t, map[string]string{"hadoop003": "exited"})
	c, err := attach(context.Background(), f, "x", slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	// By the guide's host name and by cluster address (as a NameNode names a DataNode).
	assert.Equal(t, "127.0.0.1:40020", c.Addr("hadoop001", config.PortNameNodeRPC))
	got, err := c.published("hadoop001:8020")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:40020", got)
	got, err = c.published("172.29.7.11:9866")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:40166", got)
	// Addresses outside the cluster pass through.
	got, err = c.published("example.org:443")
	require.NoError(t, err)
	assert.Equal(t, "example.org:443", got)
	// A host that never ran publishes nothing: a clear error, and Addr
	// falls back to the in-network address.
	_, err = c.published("hadoop003:2181")
	require.ErrorContains(t, err, "hadoop003 does not publish port 2181")
	assert.Equal(t, "hadoop003:2181", c.Addr("hadoop003", 2181))
}

func TestRefreshFollowsPortsOfARestartedHost(t *testing.T) {
	f := guideEngine(t, nil)
	c, err := attach(context.Background(), f, "x", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:40070", c.Addr("hadoop001", config.PortNameNodeHTTP))

	// Stopped: the engine lists no ports; the last ones are kept.
	f.containers[0].State, f.containers[0].Ports = "exited", map[int]int{}
	views, err := c.refresh(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "exited", views["hadoop001"].State)
	assert.Equal(t, "127.0.0.1:40070", c.Addr("hadoop001", config.PortNameNodeHTTP))

	// Started again on new host ports: one listing moves every address.
	f.containers[0].State, f.containers[0].Ports = "running", map[int]int{config.PortNameNodeHTTP: 45555}
	_, err = c.refresh(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:45555", c.Addr("hadoop001", config.PortNameNodeHTTP))
}

func TestCheckAllAliveNamesTheExitedDaemonWithOnePsPerRunningHost(t *testing.T) {
	f := guideEngine(t, map[string]string{"hadoop003": "paused"})
	c, err := attach(context.Background(), f, "x", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	ps := psOutput
	f.execs = map[string]docker.Result{
		"hh-x-hadoop001 bash -c ps -eo pid=,stat=,args=": ps("zookeeper", "journalnode", "namenode", "zkfc", "datanode", "nodemanager"),
		// hadoop002's NameNode is gone.
		"hh-x-hadoop002 bash -c ps -eo pid=,stat=,args=": ps("zookeeper", "journalnode", "zkfc", "datanode", "resourcemanager", "nodemanager"),
	}
	f.calls = nil
	hosts := map[string]string{"hadoop001": "running", "hadoop002": "running", "hadoop003": "paused"}
	err = c.checkAllAlive(context.Background(), hosts)
	require.ErrorContains(t, err, "namenode on hadoop002 exited")
	var execs int
	for _, call := range f.calls {
		if len(call) > 4 && call[:4] == "exec" {
			execs++
		}
	}
	assert.Equal(t, 2, execs, "one ps per running host, none on the paused one: %v", f.calls)

	f.execs["hh-x-hadoop002 bash -c ps -eo pid=,stat=,args="] = ps("zookeeper", "journalnode", "namenode", "zkfc", "datanode", "resourcemanager", "nodemanager")
	require.NoError(t, c.checkAllAlive(context.Background(), hosts))
}

// reachableCluster is cluster "x" whose hosts' port 22 is published at the
// given loopback ports.
func reachableCluster(t *testing.T, sshPorts ...int) *Cluster {
	t.Helper()
	f := guideEngine(t, nil)
	for i := range f.containers {
		f.containers[i].Ports = map[int]int{config.PortSSH: sshPorts[i%len(sshPorts)]}
	}
	c, err := attach(context.Background(), f, "x", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return c
}

func listen(t *testing.T, serve func(net.Conn)) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			serve(conn)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func TestCheckReachableReadsEverySSHBanner(t *testing.T) {
	port := listen(t, func(c net.Conn) { _, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n")); c.Close() })
	require.NoError(t, reachableCluster(t, port).checkReachable(context.Background()))
}

func TestCheckReachableSaysWhenPublishedPortsCannotBeReached(t *testing.T) {
	// A port nothing listens on (connection refused), as when a test process
	// dials the wrong address for an engine in a VM or on another machine.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	start := time.Now()
	err = reachableCluster(t, closed).checkReachable(context.Background())
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second, "the error must come within seconds")
	assert.ErrorContains(t, err, "cannot connect to 127.0.0.1:"+itoa(closed))
	assert.ErrorContains(t, err, "hadoop001's port 22")
	assert.ErrorContains(t, err, "TESTCONTAINERS_HOST_OVERRIDE")
}

func TestCheckReachableSaysWhenThePublishedPortLeadsNowhere(t *testing.T) {
	// The port accepts and hangs up: an engine's port proxy that cannot
	// forward to the container.
	port := listen(t, func(c net.Conn) { c.Close() })
	restore := reachTimeout
	reachTimeout = time.Second
	t.Cleanup(func() { reachTimeout = restore })
	err := reachableCluster(t, port).checkReachable(context.Background())
	require.Error(t, err)
	assert.ErrorContains(t, err, "does not forward them to the container")
}

// TestStatusAsksTheEngineOnce counts the engine calls of one status read
// and of one not-ready WaitReady poll (a status read, then the liveness
// check): one container listing, plus one ps per running host. The probes
// themselves go to the daemons, not to the engine.
func TestStatusAsksTheEngineOnce(t *testing.T) {
	f := guideEngine(t, nil)
	c, err := attach(context.Background(), f, "x", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	f.calls = nil
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, _ := c.Status(ctx, StatusOptions{}) // nothing listens on the fake ports: every daemon is "down"
	assert.Equal(t, []string{"list containers [io.haharness.cluster=x]"}, f.calls, "one status read")
	assert.Equal(t, map[string]string{"hadoop001": "running", "hadoop002": "running", "hadoop003": "running"}, st.Hosts)

	f.execs = map[string]docker.Result{}
	for _, h := range c.topo.Hosts {
		var procs []string
		for _, r := range c.topo.RolesOf(h) {
			procs = append(procs, string(r))
		}
		f.execs[c.Container(h)+" bash -c ps -eo pid=,stat=,args="] = psOutput(procs...)
	}
	f.calls = nil
	require.NoError(t, c.checkAllAlive(context.Background(), st.Hosts))
	assert.Len(t, f.calls, 3, "nothing but the three ps: %v", f.calls)
	execs := 0
	for _, call := range f.calls {
		if strings.HasPrefix(call, "exec") && strings.Contains(call, "ps -eo") {
			execs++
		}
	}
	assert.Equal(t, 3, execs, "the liveness check of a not-ready poll: one ps per running host: %v", f.calls)
}

// psOutput is what ps prints on a host running the daemons procs.
func psOutput(procs ...string) docker.Result {
	out := ""
	for i, p := range procs {
		out += itoa(100+i) + " Sl /usr/lib/jvm/java-17/bin/java -Dproc_" + p + " -Xmx128m\n"
	}
	return docker.Result{Stdout: out}
}

func TestAHostKilledForMemoryStopsTheWaitWithErrOutOfMemory(t *testing.T) {
	f := guideEngine(t, map[string]string{"hadoop003": "exited"})
	c, err := attach(context.Background(), f, "x", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	f.execs = map[string]docker.Result{}
	for _, h := range []string{"hadoop001", "hadoop002"} {
		var procs []string
		for _, r := range c.topo.RolesOf(h) {
			procs = append(procs, string(r))
		}
		f.execs[c.Container(h)+" bash -c ps -eo pid=,stat=,args="] = psOutput(procs...)
	}
	hosts := map[string]string{"hadoop001": "running", "hadoop002": "running", "hadoop003": "exited"}
	// Stopped by a fault: not an error of its own.
	require.NoError(t, c.checkAllAlive(context.Background(), hosts))
	// Killed by the kernel for memory: a typed error naming the host and the fix.
	f.oomKilled = map[string]bool{"hh-x-hadoop003": true}
	err = c.checkAllAlive(context.Background(), hosts)
	require.ErrorIs(t, err, docker.ErrOutOfMemory)
	assert.ErrorContains(t, err, "hadoop003")
	assert.ErrorContains(t, err, "give the engine more memory")
}

func TestCheckReachableWaitsForSSHDInsideTheHostFirst(t *testing.T) {
	// Until sshd listens inside a host, an engine that forwards ports in
	// the kernel refuses connections: the check waits for sshd (through
	// exec) before it reads banners, so that refusal is not taken as "the
	// published ports cannot be reached".
	port := listen(t, func(c net.Conn) { _, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n")); c.Close() })
	c := reachableCluster(t, port)
	f := c.engine.(*fakeEngine)
	probes := 0
	f.execFn = func(key string) docker.Result {
		if !strings.Contains(key, "/dev/tcp/127.0.0.1/22") {
			return docker.Result{}
		}
		probes++
		if probes < 4 {
			return docker.Result{ExitCode: 1, Stderr: "connect: Connection refused"}
		}
		return docker.Result{}
	}
	require.NoError(t, c.checkReachable(context.Background()))
	assert.GreaterOrEqual(t, probes, 4, "the check waited for sshd inside the host")
}

func TestAHostThatFailsToStartIsCreatedAgain(t *testing.T) {
	// Podman picks published host ports at create time; another process can
	// take one before the start. A new container gets new ports.
	f := &fakeEngine{startFailures: map[string]int{"hh-y-hadoop002": 1}}
	c := newCluster("y", topology.Guide(), f, slog.New(slog.DiscardHandler))
	spec := docker.ContainerSpec{Name: "hh-y-hadoop002", Hostname: "hadoop002"}
	require.NoError(t, f.CreateContainer(context.Background(), spec))
	f.calls = nil
	require.NoError(t, c.startHost(context.Background(), spec))
	assert.Equal(t, []string{"start [hh-y-hadoop002]", "remove [hh-y-hadoop002]", "create container hh-y-hadoop002", "list containers []", "start [hh-y-hadoop002]"}, f.calls)

	// It gives up after three attempts, with the engine's error.
	f.startFailures = map[string]int{"hh-y-hadoop002": 5}
	err := c.startHost(context.Background(), spec)
	require.ErrorContains(t, err, "start host hadoop002")
	require.ErrorContains(t, err, "address already in use")
}

// "No route to host" while a new bridge comes up is no verdict: the banner
// that follows is read; only at the deadline does it become the error.
func TestCheckReachableWaitsOutNoRouteToHost(t *testing.T) {
	port := listen(t, func(c net.Conn) { _, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n")); c.Close() })
	unreachable := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}
	calls := 0
	restore := readBanner
	t.Cleanup(func() { readBanner = restore })
	readBanner = func(ctx context.Context, addr string) (string, error) {
		calls++
		if calls <= 3 {
			return "", unreachable
		}
		return dialBanner(ctx, addr)
	}
	require.NoError(t, reachableCluster(t, port).checkReachable(context.Background()))
	assert.Greater(t, calls, 3, "the unreachable answers were retried")

	restoreTimeout := reachTimeout
	reachTimeout = time.Second
	t.Cleanup(func() { reachTimeout = restoreTimeout })
	readBanner = func(context.Context, string) (string, error) { return "", unreachable }
	err := reachableCluster(t, port).checkReachable(context.Background())
	require.Error(t, err)
	assert.ErrorContains(t, err, "cannot connect to 127.0.0.1:"+itoa(port))
	assert.ErrorIs(t, err, syscall.EHOSTUNREACH)
}

func TestSharedPortsNamesTheLaterOfTwoHostsGivenOnePort(t *testing.T) {
	mine := map[string]docker.ContainerSpec{"hh-y-hadoop001": {}, "hh-y-hadoop002": {}, "hh-y-hadoop003": {}}
	cs := []docker.Container{
		{Name: "hh-y-hadoop002", Ports: map[int]int{22: 40001, 8020: 40002}},
		{Name: "hh-y-hadoop001", Ports: map[int]int{22: 40003, 9870: 40002}},
		{Name: "hh-y-hadoop003", Ports: map[int]int{22: 40004, 2181: 40009}},
		{Name: "someone-else", Ports: map[int]int{80: 40004}},
	}
	// hadoop003 shares with a stranger's container, hadoop002 with hadoop001.
	assert.Equal(t, map[string]int{"hh-y-hadoop002": 40002, "hh-y-hadoop003": 40004}, sharedPorts(cs, mine))
	// No ports listed (Docker before a start): nothing to do.
	assert.Empty(t, sharedPorts([]docker.Container{{Name: "hh-y-hadoop001"}, {Name: "hh-y-hadoop002"}}, mine))
}

func TestHostsGivenOnePortAreCreatedAgainBeforeAnyStarts(t *testing.T) {
	// As Podman does: ports are chosen at create, and the first two
	// containers get the same one.
	next := []map[int]int{{22: 40001, 8020: 40100}, {22: 40002, 9870: 40100}, {22: 40003, 9870: 40200}}
	f := &fakeEngine{}
	f.createPorts = func(string) map[int]int { p := next[0]; next = next[1:]; return p }
	c := newCluster("y", topology.Guide(), f, slog.New(slog.DiscardHandler))
	specs := []docker.ContainerSpec{{Name: "hh-y-hadoop001", Hostname: "hadoop001"}, {Name: "hh-y-hadoop002", Hostname: "hadoop002"}}
	for _, s := range specs {
		require.NoError(t, f.CreateContainer(context.Background(), s))
	}
	f.calls = nil
	require.NoError(t, c.separatePorts(context.Background(), specs))
	assert.Equal(t, []string{"list containers []", "remove [hh-y-hadoop002]", "create container hh-y-hadoop002", "list containers []"}, f.calls)
	cs, err := f.Containers(context.Background())
	require.NoError(t, err)
	assert.Empty(t, sharedPorts(cs, map[string]docker.ContainerSpec{"hh-y-hadoop001": {}, "hh-y-hadoop002": {}}))

	// An engine that keeps handing out a taken port is given up on, saying so.
	f.createPorts = func(string) map[int]int { return map[int]int{22: 40001} }
	require.NoError(t, f.Remove(context.Background(), "hh-y-hadoop002"))
	require.NoError(t, f.CreateContainer(context.Background(), specs[1]))
	require.ErrorContains(t, c.separatePorts(context.Background(), specs), "still share published host ports")
}
