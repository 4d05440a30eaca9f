package harness

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/images"
	"github.com/haharness/haharness/internal/docker"
)

// Cluster is a running (or stopped) haharness cluster. Its methods are safe
// for concurrent use.
type Cluster struct {
	name    string
	topo    topology.Topology
	engine  engine
	image   string
	release images.Release
	subnet  string
	ips     map[string]string
	conf    config.Files
	// pubHost is where this process reaches published ports; endpoint
	// names the engine in messages.
	pubHost, endpoint string
	log               *slog.Logger
	owner             string
	// failureDir receives artifacts when Start fails.
	failureDir string
	// key is the snapshot key of the cluster's configuration (baseID the
	// ID of its image); warm is true when its hosts run the snapshot image.
	key, baseID string
	warm        bool

	mu sync.Mutex
	// ports maps host → container port → published port (ports.go).
	ports  map[string]map[int]int
	steps  []Step
	events *Events
	active []*Injection
	nextID int
	// quarantine holds the NameNodes the nameservice clients skip
	// (clients.go).
	quarantine quarantine
}

// Step is one init step and how long it took.
type Step struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration"`
}

// Start validates the options, builds any missing image, creates the
// cluster's network and host containers, runs the guide's init sequence with
// every step checked, and returns once the cluster is HA ready (see
// Status.Ready). Bad input returns an error before anything is created. If a
// step fails, the error names it and quotes the daemon's last log lines, and
// everything created is removed.
func Start(ctx context.Context, opts ...Option) (*Cluster, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	c, err := prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.readyTimeout)
	defer cancel()
	if err := c.create(ctx); err != nil {
		return nil, c.abort(err)
	}
	if err := c.initialize(ctx, o); err != nil {
		return nil, c.abort(err)
	}
	if err := c.markStarted(ctx); err != nil {
		return nil, c.abort(err)
	}
	return c, nil
}

// prepare checks everything that can be checked before creating anything.
func prepare(ctx context.Context, o options) (*Cluster, error) {
	o.topo = o.withAddons()
	if err := registry().Validate(o.topo); err != nil {
		return nil, err
	}
	copts := config.Options{Fencing: o.fencing, Overrides: o.overrides, Addons: configAddons(o.topo)}
	if err := copts.Validate(); err != nil {
		return nil, err
	}
	rel, err := images.Lookup(o.hadoopVersion)
	if err != nil && o.image == "" {
		return nil, err
	}
	conf, err := config.Render(o.topo, copts)
	if err != nil {
		return nil, err
	}
	if o.memCheck {
		if err := checkMemory(o.topo); err != nil {
			return nil, err
		}
	}
	eng := o.engine
	if eng == nil {
		if eng, err = connectEngine(ctx); err != nil {
			return nil, err
		}
	}
	collectOrphans(ctx, eng, o.log)
	if existing, err := eng.Containers(ctx, docker.LabelCluster+"="+o.name); err != nil {
		return nil, err
	} else if len(existing) > 0 {
		return nil, fmt.Errorf("cluster %q already exists (%d containers): pick another name, or remove it with `haharness down --name %s`",
			o.name, len(existing), o.name)
	}
	c := newCluster(o.name, o.topo, eng, o.log)
	c.release, c.conf, c.owner, c.failureDir = rel, conf, o.owner, o.failureDir
	image, err := o.ensureImage(ctx, eng, rel, c.log)
	if err != nil {
		return nil, err
	}
	c.image = image
	if err := c.findSnapshot(ctx, o); err != nil {
		return nil, err
	}
	return c, nil
}

// findSnapshot computes the cluster's snapshot key and, unless o asks for a
// fresh init, makes the hosts run the snapshot image when there is one.
func (c *Cluster) findSnapshot(ctx context.Context, o options) error {
	de, ok := c.engine.(*docker.Engine)
	if !ok {
		return nil // a unit test's fake engine has no images
	}
	id, ok, err := de.ImageID(ctx, c.image)
	if err != nil || !ok {
		return fmt.Errorf("image %s: %w", c.image, cmp.Or(err, docker.ErrNotFound))
	}
	c.baseID = id
	c.key = SnapshotKey(id, c.topo, c.conf)
	if o.fresh {
		return nil
	}
	if _, ok, err := de.ImageID(ctx, snapshotRef(c.key)); err != nil {
		return err
	} else if ok {
		c.image, c.warm = snapshotRef(c.key), true
		c.log.Info("warm start from a snapshot", "image", c.image)
	}
	return nil
}

// initialize brings the created hosts to HA ready: the guide's init
// sequence (saving a snapshot unless o asks for a fresh init), or, from a
// snapshot, its state restored and every daemon started (§7).
func (c *Cluster) initialize(ctx context.Context, o options) error {
	if c.warm {
		c.resetSteps()
		if err := c.step(ctx, "restore snapshot", c.restoreSnapshot); err != nil {
			return err
		}
		return c.resume(ctx, true)
	}
	var snap *snapshotter
	if de, ok := c.engine.(*docker.Engine); ok && !o.fresh && c.key != "" {
		snap = &snapshotter{c: c, e: de, baseID: c.baseID, tars: map[string][]byte{}}
	}
	defer snap.wait()
	return c.bootstrap(ctx, snap)
}

// clusterID is the HDFS cluster ID nn1 is formatted with: the same for
// every cluster of one configuration, as a warm start keeps the snapshot's.
func (c *Cluster) clusterID() string {
	if c.key == "" {
		return "CID-haharness-" + c.name
	}
	return "CID-haharness-" + c.key
}

// ensureImage returns the image the hosts run: the user's (checked against
// images/CONTRACT.md) or the release's, built or pulled if missing.
func (o options) ensureImage(ctx context.Context, eng engine, rel images.Release, log *slog.Logger) (string, error) {
	de, ok := eng.(*docker.Engine)
	if !ok {
		return o.image, nil // a unit test's fake engine has no images
	}
	if o.image != "" {
		return o.image, images.CheckContract(ctx, de, o.image)
	}
	if len(modules(o.withAddons())) > 0 {
		// One add-on image carries every registered add-on's layer.
		return (&images.Builder{Engine: de, Log: log}).EnsureAddons(ctx, rel, registry().Images())
	}
	return (&images.Builder{Engine: de, Log: log}).Ensure(ctx, rel)
}

// newCluster is a handle on cluster name, before or after it exists.
func newCluster(name string, t topology.Topology, eng engine, log *slog.Logger) *Cluster {
	c := &Cluster{name: name, topo: t, engine: eng, log: log.With("cluster", name), events: newEvents(),
		ips: map[string]string{}, ports: map[string]map[int]int{}, pubHost: eng.PublishedHost()}
	if e, ok := eng.(*docker.Engine); ok {
		c.endpoint = e.Endpoint()
	}
	return c
}

func checkMemory(t topology.Topology) error {
	need := estimateMemoryMiB(t)
	avail, err := memAvailableMiB()
	if err != nil {
		return nil // not Linux or no /proc: nothing to check against
	}
	if avail < need {
		return fmt.Errorf("not enough memory: the topology's %d daemons need about %d MiB and %d MiB is available: "+
			"stop other clusters (`haharness ls`, `haharness down`), use fewer hosts, or pass WithoutMemoryCheck",
			len(t.Daemons()), need, avail)
	}
	return nil
}

func memAvailableMiB() (int, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb / 1024, err
		}
	}
	return 0, errors.New("no MemAvailable in /proc/meminfo")
}

// Name returns the cluster's name.
func (c *Cluster) Name() string { return c.name }

// Topology returns the cluster's hosts and roles.
func (c *Cluster) Topology() topology.Topology { return c.topo }

// Image returns the image the hosts run.
func (c *Cluster) Image() string { return c.image }

// Config returns the rendered configuration files every host has in
// /opt/hadoop/etc/hadoop.
func (c *Cluster) Config() config.Files { return c.conf }

// Steps returns the init steps run by Start (or the last Restart) with their durations.
func (c *Cluster) Steps() []Step {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.steps)
}

// Container returns the container name of host h.
func (c *Cluster) Container(h string) string { return containerName(c.name, h) }

func containerName(cluster, host string) string { return "hh-" + cluster + "-" + host }
func networkName(cluster string) string         { return "hh-" + cluster }

// IP returns host h's address on the cluster network. Only containers on
// that network reach it; this process uses Addr or DialContext.
func (c *Cluster) IP(h string) string { return c.ips[h] }

// Network returns the name of the cluster's network. Attach your own
// containers to it (with testcontainers-go:
// network.WithNetworkName([]string{"myapp"}, c.Network())) and they reach
// every daemon by the guide's host names (hadoop001:8020, hdfs://mycluster
// with the cluster's Config()), as the hosts reach each other.
func (c *Cluster) Network() string { return networkName(c.name) }

// create makes the network and the host containers and copies the config in.
func (c *Cluster) create(ctx context.Context) error {
	// The creator is this process whoever owns the cluster: until the
	// start completes (markStarted), a detached cluster whose creator is
	// gone is a half-started one that gc collects.
	labels := map[string]string{docker.LabelManaged: "1", docker.LabelCluster: c.name, docker.LabelOwner: c.owner,
		labelCreator: processOwner()}
	if c.owner != ownerDetached {
		// Owned by this process: let the reaper remove it when the process
		// dies, where one runs; label-based gc covers the rest.
		reap, note := c.engine.ReaperLabels(ctx)
		if note != "" {
			c.log.Info("no reaper: `haharness gc` removes what a killed process leaves", "why", note)
		}
		for k, v := range reap {
			labels[k] = v
		}
	}
	if err := c.createNetwork(ctx, labels); err != nil {
		return err
	}
	topoJSON, err := json.Marshal(c.topo)
	if err != nil {
		return err
	}
	var hosts []string
	for _, h := range c.topo.Hosts {
		hosts = append(hosts, h+":"+c.ips[h])
	}
	var specs []docker.ContainerSpec
	for _, h := range c.topo.Hosts {
		hl := map[string]string{docker.LabelHost: h, labelTopology: base64.RawURLEncoding.EncodeToString(topoJSON), labelImage: c.image, labelIP: c.ips[h]}
		for k, v := range labels {
			hl[k] = v
		}
		files := map[string][]byte{}
		for name, b := range c.conf {
			files[strings.TrimPrefix(config.ConfDir, "/")+"/"+name] = b
		}
		if c.topo.Has(h, topology.ZooKeeper) {
			files[strings.TrimPrefix(config.ZooKeeperDir, "/")+"/myid"] = config.MyID(c.topo, h)
		}
		for _, m := range c.Addons() {
			if m.HostFiles != nil {
				for name, b := range m.HostFiles(c.topo, h) {
					files[strings.TrimPrefix(config.ConfDir, "/")+"/"+name] = b
				}
			}
		}
		spec := docker.ContainerSpec{
			Name: c.Container(h), Hostname: h, Image: c.image, Network: networkName(c.name), IP: c.ips[h],
			ExtraHosts: hosts, Labels: hl, Publish: publishedPorts(c.topo, h), Files: files,
			// iptables (partitions) needs NET_RAW besides NET_ADMIN; Podman
			// does not grant NET_RAW by default.
			CapAdd: []string{"NET_ADMIN", "NET_RAW"},
		}
		if err := c.engine.CreateContainer(ctx, spec); err != nil {
			return fmt.Errorf("create host %s: %w", h, err)
		}
		specs = append(specs, spec)
	}
	if err := c.separatePorts(ctx, specs); err != nil {
		return err
	}
	for _, spec := range specs {
		if err := c.startHost(ctx, spec); err != nil {
			return err
		}
	}
	return c.checkReachable(ctx)
}

// startHost starts a created host container. Some engines (Podman) choose
// the host ports of published ports when the container is created, so
// another process (another engine's cluster) may take one before the
// start; a container created anew gets new ports, so a failed start is
// retried twice that way.
func (c *Cluster) startHost(ctx context.Context, spec docker.ContainerSpec) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = c.engine.Start(ctx, spec.Name); err == nil {
			return nil
		}
		if attempt == 3 || errors.Is(err, docker.ErrEngine) || ctx.Err() != nil {
			return fmt.Errorf("start host %s: %w", spec.Hostname, err)
		}
		c.log.Warn("host did not start: creating its container again", "host", spec.Hostname, "attempt", attempt, "err", err)
		if rerr := c.engine.Remove(ctx, spec.Name); rerr != nil {
			return fmt.Errorf("start host %s: %w (and removing it failed: %w)", spec.Hostname, err, rerr)
		}
		if cerr := c.engine.CreateContainer(ctx, spec); cerr != nil {
			return fmt.Errorf("start host %s: %w (and creating it again failed: %w)", spec.Hostname, err, cerr)
		}
		if serr := c.separatePorts(ctx, []docker.ContainerSpec{spec}); serr != nil {
			return fmt.Errorf("start host %s: %w (and %w)", spec.Hostname, err, serr)
		}
	}
}

// separatePorts makes sure no host container about to start shares a
// published host port with another container. Podman chooses host ports
// when a container is created, among those free at that moment, without
// counting the ports of containers created and not yet started: two hosts
// of one cluster can be given the same port. The second start then fails
// ("address already in use"), and netavark's clean-up of that failed start
// removes the first host's masquerade rule for the port along with its own:
// the first host's port answers nothing from then on (Podman 4.3: a
// NameNode that never answered its probe, in a CI run). So, before the
// hosts start, a host that shares a port with any other container is
// created again, with new ports. Docker chooses ports at start and lists
// none before, so there this is one listing and nothing else.
func (c *Cluster) separatePorts(ctx context.Context, specs []docker.ContainerSpec) error {
	byName := map[string]docker.ContainerSpec{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	for attempt := 1; ; attempt++ {
		cs, err := c.engine.Containers(ctx)
		if err != nil {
			return fmt.Errorf("check host ports: %w", err)
		}
		clash := sharedPorts(cs, byName)
		if len(clash) == 0 {
			return nil
		}
		if attempt > 5 {
			return fmt.Errorf("hosts still share published host ports with other containers after %d re-creations: %v", attempt-1, clash)
		}
		for name, port := range clash {
			s := byName[name]
			c.log.Warn("host was given a host port another container has: creating its container again", "host", s.Hostname, "port", port)
			if err := c.engine.Remove(ctx, name); err != nil {
				return fmt.Errorf("create host %s again: %w", s.Hostname, err)
			}
			if err := c.engine.CreateContainer(ctx, s); err != nil {
				return fmt.Errorf("create host %s again: %w", s.Hostname, err)
			}
		}
	}
}

// sharedPorts names the containers of mine (by name) that publish a host
// port some other container publishes too, with one such port each: the
// others' ports count first, then mine in name order, so of two of mine
// sharing a port only the later one is named.
func sharedPorts(cs []docker.Container, mine map[string]docker.ContainerSpec) map[string]int {
	taken := map[int]bool{}
	var own []docker.Container
	for _, ct := range cs {
		if _, ok := mine[ct.Name]; ok {
			own = append(own, ct)
			continue
		}
		for _, hp := range ct.Ports {
			taken[hp] = true
		}
	}
	slices.SortFunc(own, func(a, b docker.Container) int { return strings.Compare(a.Name, b.Name) })
	clash := map[string]int{}
	for _, ct := range own {
		ports := slices.Sorted(maps.Values(ct.Ports))
		for _, hp := range ports {
			if taken[hp] {
				clash[ct.Name] = hp
				break
			}
		}
		if _, ok := clash[ct.Name]; ok {
			continue
		}
		for _, hp := range ports {
			taken[hp] = true
		}
	}
	return clash
}

// createNetwork picks a free /24 in 172.29.0.0/16, starting at one derived
// from the cluster name, and gives host i the address .(10+i).
func (c *Cluster) createNetwork(ctx context.Context, labels map[string]string) error {
	nets, err := c.engine.Networks(ctx)
	if err != nil {
		return err
	}
	var used []string
	for _, n := range nets {
		used = append(used, n.Subnets...)
	}
	h := fnv.New32a()
	h.Write([]byte(c.name))
	first := int(h.Sum32() % 256)
	var lastErr error
	for i := range 256 {
		n := (first + i) % 256
		subnet := fmt.Sprintf("172.29.%d.0/24", n)
		if overlaps(subnet, used) {
			continue
		}
		if err := c.engine.CreateNetwork(ctx, networkName(c.name), subnet, labels); err != nil {
			lastErr = err
			if errors.Is(err, docker.ErrConflict) { // taken meanwhile, or overlapping a network we cannot see
				continue
			}
			return fmt.Errorf("create network: %w", err)
		}
		c.subnet = subnet
		c.ips = map[string]string{}
		for j, host := range c.topo.Hosts {
			c.ips[host] = fmt.Sprintf("172.29.%d.%d", n, 10+j)
		}
		return nil
	}
	return fmt.Errorf("create network: no free /24 in 172.29.0.0/16: remove old networks (`haharness gc --all`): %v", lastErr)
}

func overlaps(subnet string, used []string) bool {
	_, a, _ := net.ParseCIDR(subnet)
	for _, u := range used {
		_, b, err := net.ParseCIDR(u)
		if err != nil {
			continue
		}
		if a.Contains(b.IP) || b.Contains(a.IP) {
			return true
		}
	}
	return false
}

// abort removes everything after a failed start and returns err.
func (c *Cluster) abort(err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if c.failureDir != "" {
		if derr := c.DumpArtifacts(ctx, c.failureDir); derr != nil {
			c.log.Warn("artifacts partly saved", "dir", c.failureDir, "err", derr)
		}
		err = fmt.Errorf("%w\n(artifacts in %s)", err, c.failureDir)
	}
	if derr := c.Destroy(ctx); derr != nil {
		return errors.Join(err, fmt.Errorf("clean up after failed start: %w", derr))
	}
	return err
}

// Destroy removes the cluster's containers and network. It is idempotent
// and safe on a partly created cluster.
func (c *Cluster) Destroy(ctx context.Context) error {
	if c == nil {
		return nil
	}
	return removeCluster(ctx, c.engine, c.name)
}

func removeCluster(ctx context.Context, eng engine, name string) error {
	cs, err := eng.Containers(ctx, docker.LabelCluster+"="+name)
	if err != nil {
		return err
	}
	var names []string
	for _, l := range cs {
		names = append(names, l.Name)
	}
	errs := []error{eng.Remove(ctx, names...)}
	nets, err := eng.Networks(ctx, docker.LabelCluster+"="+name)
	errs = append(errs, err)
	for _, n := range nets {
		errs = append(errs, eng.RemoveNetwork(ctx, n.Name))
	}
	return errors.Join(errs...)
}

// estimateMemoryMiB is config.EstimateMemoryMiB with t's add-ons.
func estimateMemoryMiB(t topology.Topology) int {
	heaps, clients := addonMemory(t)
	return config.EstimateMemoryMiB(t, heaps, clients)
}
