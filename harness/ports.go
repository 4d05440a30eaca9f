package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
	"github.com/haharness/haharness/internal/poll"
)

// Every connection from this process to the cluster goes through ports the
// hosts publish on the engine's host (127.0.0.1 for a local engine), never
// to a container address: on Docker Desktop, Colima, Podman machines and
// remote engines those are not routable. Host ports are ephemeral, so two
// clusters never collide, and a host gets new ones when it restarts: the
// map is refreshed from one container listing (refresh) whenever the
// cluster's state is read.

// publishedPorts are the container ports host h publishes: every client
// port of its roles, and sshd's (the reachability check).
func publishedPorts(t topology.Topology, h string) []int {
	ports := []int{config.PortSSH}
	for _, r := range t.RolesOf(h) {
		ports = append(ports, config.ClientPorts(r)...)
		if a, ok := addonRole(r); ok {
			ports = append(ports, a.Ports...)
		}
	}
	slices.Sort(ports)
	return slices.Compact(ports)
}

// hostView is one host container as the engine lists it.
type hostView struct {
	State string      // running, paused, exited, created... or "missing"
	Ports map[int]int // container port → published port (running hosts only)
}

// refresh lists the cluster's containers (one Engine API call), updates the
// published-port map, and returns each host's view.
func (c *Cluster) refresh(ctx context.Context) (map[string]hostView, error) {
	cs, err := c.engine.Containers(ctx, docker.LabelCluster+"="+c.name)
	if err != nil {
		return nil, err
	}
	return c.absorb(cs), nil
}

// absorb takes a listing of the cluster's containers into the port map and
// returns each host's view.
func (c *Cluster) absorb(cs []docker.Container) map[string]hostView {
	views := map[string]hostView{}
	for _, h := range c.topo.Hosts {
		views[h] = hostView{State: "missing"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ports == nil {
		c.ports = map[string]map[int]int{}
	}
	for _, ct := range cs {
		h := ct.Labels[docker.LabelHost]
		if _, ok := views[h]; !ok {
			continue
		}
		views[h] = hostView{State: ct.State, Ports: ct.Ports}
		// A stopped container lists no ports: keep the last ones known.
		if len(ct.Ports) > 0 {
			c.ports[h] = maps.Clone(ct.Ports)
			c.authenticateWeb(h, ct.Ports)
		}
	}
	return views
}

// authenticateWeb registers the add-ons' web authentication
// (addon.Module.WebAuth) for host h's published ports.
func (c *Cluster) authenticateWeb(h string, ports map[int]int) {
	for _, m := range modules(c.topo) {
		if m.WebAuth == nil {
			continue
		}
		fn := m.WebAuth(c, h)
		for _, hp := range ports {
			observe.Authenticate(net.JoinHostPort(c.pubHost, strconv.Itoa(hp)), fn)
		}
	}
}

// HostStates returns each host container's engine state (running, paused,
// exited...; "missing" when its container is gone), from one listing.
func (c *Cluster) HostStates(ctx context.Context) (map[string]string, error) {
	views, err := c.refresh(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for h, v := range views {
		out[h] = v.State
	}
	return out, nil
}

// Addr returns the address at which this process reaches a port of host h:
// the published port on the engine's host (127.0.0.1:49154). Before the
// port is known (the host never ran) it returns h:port, the address inside
// the cluster network.
func (c *Cluster) Addr(h string, port int) string {
	c.mu.Lock()
	p := c.ports[h][port]
	c.mu.Unlock()
	if p == 0 {
		return net.JoinHostPort(h, strconv.Itoa(port))
	}
	return net.JoinHostPort(c.pubHost, strconv.Itoa(p))
}

// DialContext dials an address of the cluster from this process: a host
// name of the topology (hadoop001:8020) or a host's address on the cluster
// network (172.29.7.11:9866, as NameNodes name DataNodes) is sent to the
// port that host publishes. Other addresses are dialled as they are. It is
// the dial function of the HDFS and ZooKeeper clients the harness makes;
// use it for your own clients of the cluster.
func (c *Cluster) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	target, err := c.published(addr)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 3 * time.Second}
	conn, err := d.DialContext(ctx, network, target)
	if err != nil && target != addr {
		return nil, fmt.Errorf("dial %s (published at %s): %w", addr, target, err)
	}
	return conn, err
}

// published maps a cluster address to the published address it is reached at.
func (c *Cluster) published(addr string) (string, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", fmt.Errorf("dial %s: bad port", addr)
	}
	h := c.hostOf(host)
	if h == "" {
		return addr, nil
	}
	c.mu.Lock()
	p := c.ports[h][port]
	c.mu.Unlock()
	if p == 0 {
		return "", fmt.Errorf("dial %s: %s does not publish port %d (is the host running? `haharness status`)", addr, h, port)
	}
	return net.JoinHostPort(c.pubHost, strconv.Itoa(p)), nil
}

// hostOf returns the topology host a name or cluster address denotes, or "".
func (c *Cluster) hostOf(nameOrIP string) string {
	if slices.Contains(c.topo.Hosts, nameOrIP) {
		return nameOrIP
	}
	// A fully qualified form of a host name (hadoop001.example) is not used.
	for h, ip := range c.ips {
		if ip == nameOrIP {
			return h
		}
	}
	return ""
}

// reachTimeout bounds checkReachable: sshd answers within a second or two
// of the host's start.
var reachTimeout = 20 * time.Second

// checkReachable proves, within seconds, that this process reaches the
// hosts through their published ports: it reads each host's sshd banner
// through its published port 22. When that fails the error names the
// address and the likely cause, instead of every later probe reporting
// healthy daemons as down until a deadline.
func (c *Cluster) checkReachable(ctx context.Context) error {
	if _, err := c.refresh(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	for _, h := range c.topo.Hosts {
		addr := c.Addr(h, config.PortSSH)
		if _, _, err := net.SplitHostPort(addr); err != nil || strings.HasPrefix(addr, h+":") {
			return fmt.Errorf("%s publishes no port 22: the engine did not publish the host's ports", h)
		}
		cannotConnect := func(err error) error {
			return fmt.Errorf("cannot connect to %s, where the engine%s published %s's port 22: %w: "+
				"if the engine runs in a VM or on another machine, set TESTCONTAINERS_HOST_OVERRIDE to the address "+
				"where its published ports are reachable", addr, prefixSpace(c.endpoint), h, err)
		}
		// First sshd must listen inside the host: an engine that forwards
		// published ports in the kernel (Podman's netavark DNAT, no
		// userland proxy) answers "connection refused" from the container
		// itself until then, which is no verdict on the forwarding.
		err := poll.Until(ctx, "sshd listening inside "+h, 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
			res, err := c.engine.Exec(ctx, c.Container(h), []string{"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/22"}, docker.ExecOptions{})
			if err != nil {
				return false, "", poll.Permanent(err)
			}
			return res.ExitCode == 0, "not yet", nil
		})
		if err != nil {
			return fmt.Errorf("%s: sshd does not listen on port 22 inside the host: %w", h, err)
		}
		var lastErr error
		lastDialFailed := false
		err = poll.Until(ctx, "sshd banner of "+h+" through "+addr, 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
			banner, err := readBanner(ctx, addr)
			if err == nil && strings.HasPrefix(banner, "SSH-") {
				return true, banner, nil
			}
			var oe *net.OpError
			lastErr, lastDialFailed = err, errors.As(err, &oe) && oe.Op == "dial"
			// "No route to host" is how a host whose bridge or neighbour
			// entry is not up yet answers (seen on Podman's first network
			// after its service started: timeouts, then EHOSTUNREACH, then
			// the banner): keep trying until the deadline. Refused means
			// nothing forwards the port: at once.
			unreachable := errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
			if lastDialFailed && !oe.Timeout() && !unreachable && ctx.Err() == nil {
				return false, "", poll.Permanent(cannotConnect(err))
			}
			return false, fmt.Sprintf("no banner from %s yet (%v)", addr, err), nil
		})
		switch {
		case err == nil:
		case lastDialFailed:
			if lastErr != nil && !strings.Contains(err.Error(), "cannot connect") {
				return cannotConnect(lastErr)
			}
			return err
		default:
			return fmt.Errorf("reach %s through its published ports: %w (last error: %v): the engine accepts connections on "+
				"the published port but does not forward them to the container", h, err, lastErr)
		}
	}
	return nil
}

// readBanner reads the first line a server sends (dialBanner; unit tests
// replace it).
var readBanner = dialBanner

// dialBanner reads the first line a server sends. Its own 2 s timeouts, not
// the caller's deadline, bound it, so a dial timeout always means the
// address did not answer.
func dialBanner(ctx context.Context, addr string) (string, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(context.WithoutCancel(ctx), "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	return bufio.NewReader(conn).ReadString('\n')
}

func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}
