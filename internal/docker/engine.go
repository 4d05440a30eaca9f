// Package docker is haharness's only adapter to the container engine. It
// speaks the Docker Engine API (github.com/moby/moby/client) and finds the
// engine the way testcontainers-go does (tc.host in
// ~/.testcontainers.properties, DOCKER_HOST, the default socket, docker.host,
// then the rootless Docker sockets, in testcontainers-go's order; Podman
// through DOCKER_HOST or its Docker-compatible socket), so haharness runs
// wherever testcontainers-go runs: a native dockerd, Docker Desktop, Colima,
// Podman, a remote DOCKER_HOST.
//
// Connect also decides, before testcontainers-go reads its configuration
// (once per process), whether the reaper (Ryuk) can run: where its image is
// neither on the engine nor pullable, it sets TESTCONTAINERS_RYUK_DISABLED=true
// for the process, so the caller's own testcontainers-go containers start
// too (reaperprobe.go).
//
// It offers networks with fixed subnets, containers with static addresses
// and published ports, exec, copy in and out, signals, pause, stats, image
// builds, an image's copy to another engine (Peer, CopyImageTo: save here,
// load there) and volumes, and finding everything haharness created by its
// labels. Errors are typed (ErrNotFound, ErrConflict, ErrEngine,
// ErrOutOfMemory), from the API's error kinds, never from message text.
//
// It knows nothing about Hadoop. Layering: imports no project package except
// internal/poll; it is the only package that imports testcontainers-go or
// the Engine API client.
package docker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Label keys put on every network and container haharness creates.
const (
	LabelManaged = "io.haharness"         // always "1"
	LabelCluster = "io.haharness.cluster" // cluster name
	LabelOwner   = "io.haharness.owner"   // "pid:start-time" of the creating process, or "detached"
	LabelHost    = "io.haharness.host"    // host name inside the cluster
)

// Typed errors. Engine methods wrap them, so callers use errors.Is.
var (
	// ErrEngine: no engine answers (none found, or it does not respond).
	ErrEngine = errors.New("docker engine unreachable")
	// ErrNotFound: the container, network, image or volume does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the name is taken, or the object is in a state that
	// forbids the operation (a network whose subnet overlaps another).
	ErrConflict = errors.New("conflict")
	// ErrOutOfMemory: the kernel killed a container's process for memory.
	ErrOutOfMemory = errors.New("out of memory")
)

// wrap turns an Engine API error into one of the typed errors, keeping the
// original text: what is done (op) and on what (obj) come first.
func wrap(err error, op, obj string) error {
	if err == nil {
		return nil
	}
	kind := classify(err)
	if kind == nil {
		return fmt.Errorf("%s %s: %w", op, obj, err)
	}
	return fmt.Errorf("%s %s: %w: %w", op, obj, kind, err)
}

func classify(err error) error {
	switch {
	case cerrdefs.IsNotFound(err):
		return ErrNotFound
	case cerrdefs.IsConflict(err), cerrdefs.IsAlreadyExists(err), cerrdefs.IsPermissionDenied(err):
		return ErrConflict
	case client.IsErrConnectionFailed(err), cerrdefs.IsUnavailable(err):
		return ErrEngine
	}
	return nil
}

// Engine is a connection to one container engine.
type Engine struct {
	cli      client.APIClient
	provider *testcontainers.DockerProvider
	// host is where published ports are reached from this process.
	host string
	// bind is the address ports are published on, on the engine's host.
	bind netip.Addr
	// endpoint is the engine's address, for messages.
	endpoint string
	// localNetNS: the engine runs in this process's network namespace, so
	// its bridges and routes are this namespace's (CreateNetwork).
	localNetNS bool

	requests   atomic.Int64
	reaperOnce sync.Once
	reaper     reaperState
}

var (
	sharedMu sync.Mutex
	shared   *Engine
)

// Connect returns the engine of this process, found as testcontainers-go
// finds it, and checks that it answers. The connection is shared by every
// caller in the process; a failed attempt is retried by the next call.
//
// The first call, if it comes before the process's first testcontainers-go
// call, settles the reaper for the whole process: unless the user set
// TESTCONTAINERS_RYUK_DISABLED or ryuk.disabled, or SkipReaperProbe was
// called, it checks (with the Engine API client alone, on the engine
// testcontainers-go will find) that the reaper image is on the engine or
// pulls it (30 s at most); when it cannot be pulled it sets
// TESTCONTAINERS_RYUK_DISABLED=true and logs why (slog, Info, once).
func Connect(ctx context.Context) (*Engine, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		return shared, nil
	}
	e, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	shared = e
	return e, nil
}

const engineHelp = "start Docker or Podman (scripts/setup.sh does it on Debian as root), or point DOCKER_HOST " +
	"or ~/.testcontainers.properties (docker.host, tc.host) at a running engine"

func connect(ctx context.Context) (e *Engine, err error) {
	defer func() {
		// testcontainers-go panics on some malformed configurations.
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("%w: %v: %s", ErrEngine, r, engineHelp)
		}
	}()
	// Before testcontainers-go's first call: that reads (and caches for the
	// process) its configuration, TESTCONTAINERS_RYUK_DISABLED with it.
	probeReaper(ctx)
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return nil, fmt.Errorf("%w: %v: %s", ErrEngine, err, engineHelp)
	}
	e = &Engine{provider: p}
	// The same discovery, with a hook that counts (and with
	// HAHARNESS_TRACE_ENGINE=1 prints) every Engine API request.
	cli, err := testcontainers.NewDockerClientWithOpts(ctx, client.WithHTTPRequestHook(e.countRequest))
	if err != nil {
		return nil, fmt.Errorf("%w: %v: %s", ErrEngine, err, engineHelp)
	}
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return nil, fmt.Errorf("%w: %s: %v: %s", ErrEngine, cli.DaemonHost(), err, engineHelp)
	}
	host, err := p.DaemonHost(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: where are published ports reachable: %v", ErrEngine, err)
	}
	e.cli, e.endpoint = cli, cli.DaemonHost()
	e.localNetNS = e.sharesNetworkNamespace(ctx)
	if _, set := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !set && host != "localhost" && e.localNetNS {
		// testcontainers-go guesses the gateway when this process runs in
		// a container; but when the engine itself runs in this process's
		// network namespace (an engine started inside a sandbox or CI
		// container), its published loopback ports are right here.
		host = "localhost"
	}
	e.host, e.bind = publishAddrs(host)
	return e, nil
}

// sharesNetworkNamespace reports whether the engine runs in this process's
// network namespace: a local socket whose serving process (its peer
// credentials) has this process's network namespace; or, when that cannot
// be told, a gateway of one of the engine's networks (docker0's 172.17.0.1)
// is an address of this namespace's interfaces. Podman's gateways alone do
// not tell: netavark creates a network's bridge (podman0, 10.88.0.1) only
// while a container uses it.
func (e *Engine) sharesNetworkNamespace(ctx context.Context) bool {
	u, err := url.Parse(e.endpoint)
	if err != nil || u.Scheme != "unix" {
		return false
	}
	if same, known := sameNetNSAsPeer(u.Path); known {
		return same
	}
	local := map[netip.Addr]bool{}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			local[p.Addr()] = true
		}
	}
	nets, err := e.cli.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return false
	}
	for _, n := range nets.Items {
		for _, c := range n.IPAM.Config {
			gw := c.Gateway
			if !gw.IsValid() && c.Subnet.IsValid() {
				gw = c.Subnet.Masked().Addr().Next() // the engine's default when none is listed
			}
			if gw.IsValid() && local[gw] {
				return true
			}
		}
	}
	return false
}

// publishAddrs decides where ports are published and dialled. A local
// engine (a unix socket, Docker Desktop, Colima, Podman) publishes on the
// loopback address only, so a cluster is never exposed to the network; a
// remote engine (tcp://other-host) must publish on every address so this
// process can reach them at that host.
func publishAddrs(daemonHost string) (dial string, bind netip.Addr) {
	if daemonHost == "" || daemonHost == "localhost" {
		return "127.0.0.1", netip.MustParseAddr("127.0.0.1")
	}
	if ip, err := netip.ParseAddr(daemonHost); err == nil && ip.IsLoopback() {
		return ip.String(), ip
	}
	return daemonHost, netip.IPv4Unspecified()
}

var traceEngine = os.Getenv("HAHARNESS_TRACE_ENGINE") == "1"

func (e *Engine) countRequest(r *http.Request) error {
	e.requests.Add(1)
	if traceEngine {
		fmt.Fprintf(os.Stderr, "engine: %s %s\n", r.Method, r.URL.Path)
	}
	return nil
}

// Requests is the number of Engine API requests made so far.
func (e *Engine) Requests() int64 { return e.requests.Load() }

// QuietLibraryLogs silences testcontainers-go's own log lines (its banner
// on connect), for programs that print their own, such as the CLI.
func QuietLibraryLogs() { tclog.SetDefault(tclog.NewNoopLogger()) }

// Endpoint is the engine's address (unix:///var/run/docker.sock, tcp://...).
func (e *Engine) Endpoint() string { return e.endpoint }

// PublishedHost is the address at which this process reaches the ports
// containers publish: 127.0.0.1 for a local engine, the engine's host name
// for a remote one (TESTCONTAINERS_HOST_OVERRIDE overrides it).
func (e *Engine) PublishedHost() string { return e.host }

// PublishedAddr is host:port of a published port.
func (e *Engine) PublishedAddr(port int) string {
	return net.JoinHostPort(e.host, fmt.Sprint(port))
}

// Ping checks that the engine answers.
func (e *Engine) Ping(ctx context.Context) error {
	if _, err := e.cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("%w: %s: %v: %s", ErrEngine, e.endpoint, err, engineHelp)
	}
	return nil
}

// Info describes the engine, for `haharness engine` and logs.
type Info struct {
	Endpoint      string `json:"endpoint"`
	ServerVersion string `json:"serverVersion"`
	APIVersion    string `json:"apiVersion"`
	OS            string `json:"os"`
	// Podman is true when the engine is Podman's Docker-compatible service.
	Podman        bool   `json:"podman"`
	PublishedHost string `json:"publishedHost"`
	MemTotalMiB   int64  `json:"memTotalMiB"`
	CPUs          int    `json:"cpus"`
}

// Info asks the engine what it is.
func (e *Engine) Info(ctx context.Context) (Info, error) {
	v, err := e.cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return Info{}, wrap(err, "version of", e.endpoint)
	}
	in, err := e.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return Info{}, wrap(err, "info of", e.endpoint)
	}
	podman := false
	for _, c := range v.Components {
		podman = podman || strings.Contains(strings.ToLower(c.Name), "podman")
	}
	return Info{Endpoint: e.endpoint, ServerVersion: v.Version, APIVersion: e.cli.ClientVersion(), OS: in.Info.OperatingSystem,
		Podman: podman, PublishedHost: e.host, MemTotalMiB: in.Info.MemTotal >> 20, CPUs: in.Info.NCPU}, nil
}
