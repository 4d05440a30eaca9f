package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// labelFilters turns "k=v" or "k" strings into an Engine API label filter.
func labelFilters(filters []string) client.Filters {
	f := client.Filters{}
	for _, l := range filters {
		f.Add("label", l)
	}
	return f
}

// Network is a network found by label.
type Network struct {
	Name    string
	Labels  map[string]string
	Subnets []string
}

// CreateNetwork creates a bridge network with the given subnet. A subnet
// that overlaps another network's is ErrConflict. So is, for an engine in
// this process's network namespace, a subnet that overlaps an address of
// this machine's interfaces: another engine's bridge (dockerd's and Podman's
// networks side by side), which engines do not check against each other;
// two routes to one subnet would send published ports' traffic to the wrong
// bridge.
func (e *Engine) CreateNetwork(ctx context.Context, name, subnet string, labels map[string]string) error {
	pfx, err := netip.ParsePrefix(subnet)
	if err != nil {
		return fmt.Errorf("create network %s: subnet %q: %w", name, subnet, err)
	}
	if e.localNetNS {
		if iface, addr, ok := localAddrIn(pfx); ok {
			return fmt.Errorf("create network %s: %w: subnet %s overlaps %s on %s, a network of this machine (another engine's?)",
				name, ErrConflict, subnet, addr, iface)
		}
	}
	_, err = e.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver: "bridge", Labels: labels,
		IPAM: &network.IPAM{Driver: "default", Config: []network.IPAMConfig{{Subnet: pfx}}},
	})
	return wrap(err, "create network", name)
}

// Networks lists networks carrying label filters ("k=v" or "k").
func (e *Engine) Networks(ctx context.Context, filters ...string) ([]Network, error) {
	res, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: labelFilters(filters)})
	if err != nil {
		return nil, wrap(err, "list", "networks")
	}
	var out []Network
	for _, n := range res.Items {
		nw := Network{Name: n.Name, Labels: n.Labels}
		for _, c := range n.IPAM.Config {
			if c.Subnet.IsValid() {
				nw.Subnets = append(nw.Subnets, c.Subnet.String())
			}
		}
		out = append(out, nw)
	}
	return out, nil
}

// RemoveNetwork removes a network; a missing one is not an error. Containers
// still attached to it (a user's own, joined to a cluster) are disconnected
// first, since the engine refuses to remove a network in use.
func (e *Engine) RemoveNetwork(ctx context.Context, name string) error {
	in, err := e.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	if err = wrap(err, "inspect network", name); errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	for id := range in.Network.Containers {
		_, err := e.cli.NetworkDisconnect(ctx, name, client.NetworkDisconnectOptions{Container: id, Force: true})
		if err = wrap(err, "disconnect "+id+" from network", name); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	_, err = e.cli.NetworkRemove(ctx, name, client.NetworkRemoveOptions{})
	if err = wrap(err, "remove network", name); errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// ContainerSpec describes a container to create.
type ContainerSpec struct {
	Name, Hostname, Image, Network, IP string
	// ExtraHosts are "name:ip" entries written to /etc/hosts.
	ExtraHosts []string
	Labels     map[string]string
	// Publish are container TCP ports published at an ephemeral host port,
	// on the loopback address for a local engine.
	Publish []int
	CapAdd  []string
	Env     []string
	// Files are written into the container before it starts (path
	// relative to / → contents; *.sh files are executable).
	Files map[string][]byte
}

// Limits every host container gets. Engines' defaults differ and some are
// refused by the machine (Podman's nproc and nofile limits above what an
// unprivileged engine may set fail with "error setting rlimit"); these
// moderate ones work everywhere and suit Hadoop daemons.
var hostUlimits = []*container.Ulimit{
	{Name: "nofile", Soft: 16384, Hard: 16384},
	{Name: "nproc", Soft: 32768, Hard: 32768},
}

// CreateContainer creates a container, copies its files in, and leaves it
// created (not started).
func (e *Engine) CreateContainer(ctx context.Context, s ContainerSpec) error {
	stop := 5
	exposed := network.PortSet{}
	bindings := network.PortMap{}
	for _, p := range s.Publish {
		port, ok := network.PortFrom(uint16(p), network.TCP)
		if !ok {
			return fmt.Errorf("create container %s: bad port %d", s.Name, p)
		}
		exposed[port] = struct{}{}
		bindings[port] = []network.PortBinding{{HostIP: e.bind}}
	}
	ip, err := netip.ParseAddr(s.IP)
	if err != nil {
		return fmt.Errorf("create container %s: address %q: %w", s.Name, s.IP, err)
	}
	_, err = e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: s.Name,
		Config: &container.Config{Image: s.Image, Hostname: s.Hostname, Labels: s.Labels, Env: s.Env,
			ExposedPorts: exposed, StopTimeout: &stop},
		HostConfig: &container.HostConfig{
			NetworkMode: container.NetworkMode(s.Network), PortBindings: bindings, ExtraHosts: s.ExtraHosts,
			CapAdd: s.CapAdd, Tmpfs: map[string]string{"/run": "exec"},
			Resources: container.Resources{Ulimits: hostUlimits},
		},
		NetworkingConfig: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			// The alias lets other containers on the network (a user's own)
			// resolve the host by name through the engine's DNS.
			s.Network: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: ip}, Aliases: []string{s.Hostname}},
		}},
	})
	if err != nil {
		return wrap(err, "create container", s.Name)
	}
	if len(s.Files) > 0 {
		return e.CopyTo(ctx, s.Name, "/", s.Files)
	}
	return nil
}

// Container is one container found by label: its state and published ports.
type Container struct {
	Name   string
	Labels map[string]string
	// State is created, running, paused, restarting, exited or dead.
	State string
	// Ports maps a container TCP port to its published host port.
	Ports map[int]int
}

// Running is true when the container runs and is not paused.
func (c Container) Running() bool { return c.State == "running" }

// Containers lists every container (any state) carrying label filters, in
// one Engine API call.
func (e *Engine) Containers(ctx context.Context, filters ...string) ([]Container, error) {
	res, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labelFilters(filters)})
	if err != nil {
		return nil, wrap(err, "list", "containers")
	}
	var out []Container
	for _, s := range res.Items {
		c := Container{Labels: s.Labels, State: string(s.State), Ports: map[int]int{}}
		if len(s.Names) > 0 {
			c.Name = strings.TrimPrefix(s.Names[0], "/")
		}
		for _, p := range s.Ports {
			if p.PublicPort != 0 && (p.Type == "" || p.Type == "tcp") && (!p.IP.IsValid() || p.IP.Is4() || p.IP.IsUnspecified()) {
				c.Ports[int(p.PrivatePort)] = int(p.PublicPort)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// Start starts containers.
func (e *Engine) Start(ctx context.Context, names ...string) error {
	for _, n := range names {
		if _, err := e.cli.ContainerStart(ctx, n, client.ContainerStartOptions{}); err != nil {
			return wrap(err, "start", n)
		}
	}
	return nil
}

// AnnounceCommand, run in a container just started again, makes the engine
// host learn the container's address anew. Podman (netavark) gives a
// restarted container a new MAC address under its old IP address, while the
// engine host's neighbour (ARP) entry keeps the old MAC until it expires:
// the published ports, forwarded in the host's kernel to that address, go
// nowhere meanwhile (seen for more than 20 s on Podman 4.3). One packet to
// the network's gateway (the engine host's bridge) makes the container
// resolve it by ARP, and that request updates the engine host's entry. It
// needs bash, ip (iproute2) and nc, as the image contract does.
var AnnounceCommand = []string{"bash", "-c",
	`gw=$(ip -4 route show default | awk '{print $3; exit}'); [ -z "$gw" ] || nc -z -w 1 "$gw" 22 >/dev/null 2>&1; exit 0`}

// Stop stops a container gracefully (SIGTERM, then SIGKILL after timeoutSec).
func (e *Engine) Stop(ctx context.Context, name string, timeoutSec int) error {
	_, err := e.cli.ContainerStop(ctx, name, client.ContainerStopOptions{Timeout: &timeoutSec})
	return wrap(err, "stop", name)
}

// Kill sends signal (e.g. KILL) to a container's main process.
func (e *Engine) Kill(ctx context.Context, name, signal string) error {
	_, err := e.cli.ContainerKill(ctx, name, client.ContainerKillOptions{Signal: signal})
	return wrap(err, "kill", name)
}

// Pause freezes every process of a container (cgroup freezer).
func (e *Engine) Pause(ctx context.Context, name string) error {
	_, err := e.cli.ContainerPause(ctx, name, client.ContainerPauseOptions{})
	return wrap(err, "pause", name)
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(ctx context.Context, name string) error {
	_, err := e.cli.ContainerUnpause(ctx, name, client.ContainerUnpauseOptions{})
	return wrap(err, "unpause", name)
}

// Remove force-removes containers with their anonymous volumes; missing
// ones are skipped.
func (e *Engine) Remove(ctx context.Context, names ...string) error {
	var errs []error
	for _, n := range names {
		_, err := e.cli.ContainerRemove(ctx, n, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err = wrap(err, "remove", n); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// State is a container's engine state.
type State struct {
	Status    string // created, running, paused, restarting, exited, dead
	Running   bool
	Paused    bool
	OOMKilled bool
	ExitCode  int
}

// Inspect returns a container's state.
func (e *Engine) Inspect(ctx context.Context, name string) (State, error) {
	res, err := e.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return State{}, wrap(err, "inspect", name)
	}
	st := res.Container.State
	if st == nil {
		return State{}, fmt.Errorf("inspect %s: no state", name)
	}
	return State{Status: string(st.Status), Running: st.Running, Paused: st.Paused, OOMKilled: st.OOMKilled, ExitCode: st.ExitCode}, nil
}

// CopyTo writes files (path relative to dir → contents) into a container,
// created or running, under dir.
func (e *Engine) CopyTo(ctx context.Context, name, dir string, files map[string][]byte) error {
	tarball, err := tarFiles(files)
	if err != nil {
		return err
	}
	_, err = e.cli.CopyToContainer(ctx, name, client.CopyToContainerOptions{DestinationPath: dir, Content: bytes.NewReader(tarball)})
	return wrap(err, "copy into", name+":"+dir)
}

// CopyFrom returns the regular files under path in a container (running or
// not), keyed by their path inside the archive (path's base name first).
func (e *Engine) CopyFrom(ctx context.Context, name, path string) (map[string][]byte, error) {
	res, err := e.cli.CopyFromContainer(ctx, name, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		return nil, wrap(err, "copy from", name+":"+path)
	}
	defer res.Content.Close()
	return Untar(res.Content)
}

// Usage returns what each running container uses: its memory now, in
// bytes, without the page cache (as `docker stats` reports it), and the CPU
// time its processes used since it started.
func (e *Engine) Usage(ctx context.Context, names ...string) (map[string]Usage, error) {
	out := map[string]Usage{}
	for _, n := range names {
		res, err := e.cli.ContainerStats(ctx, n, client.ContainerStatsOptions{Stream: false, IncludePreviousSample: false})
		if err != nil {
			return nil, wrap(err, "stats of", n)
		}
		var s container.StatsResponse
		err = json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&s)
		res.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("stats of %s: %w", n, err)
		}
		out[n] = Usage{MemoryBytes: memoryUsed(s.MemoryStats), CPU: time.Duration(s.CPUStats.CPUUsage.TotalUsage)}
	}
	return out, nil
}

// Usage is what a container uses: memory now, CPU time since it started.
type Usage struct {
	MemoryBytes uint64
	CPU         time.Duration
}

// memoryUsed is usage minus inactive file pages (cgroup v2) or cache (v1).
func memoryUsed(m container.MemoryStats) uint64 {
	cache := m.Stats["inactive_file"]
	if v, ok := m.Stats["total_inactive_file"]; ok {
		cache = v
	}
	if cache > m.Usage {
		return m.Usage
	}
	return m.Usage - cache
}

// localAddrIn returns an interface of this network namespace with an
// address in pfx.
func localAddrIn(pfx netip.Prefix) (iface string, addr netip.Addr, ok bool) {
	ifs, err := net.Interfaces()
	if err != nil {
		return "", netip.Addr{}, false
	}
	for _, in := range ifs {
		addrs, err := in.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil && (pfx.Contains(p.Addr()) || p.Masked().Contains(pfx.Addr())) {
				return in.Name, p.Addr(), true
			}
		}
	}
	return "", netip.Addr{}, false
}
