package harness

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
)

const (
	ownerDetached = "detached"
	labelTopology = "io.haharness.topology"
	labelImage    = "io.haharness.image"
	labelIP       = "io.haharness.ip"
	// labelCreator is the process that created the cluster, detached or not.
	labelCreator = "io.haharness.creator"
	// startedMarker is a file every host of a cluster gets once Start
	// completed (labels cannot change after creation).
	startedMarker = "/etc/haharness/started"
)

// markStarted records on every host that the start completed, so a
// detached cluster no longer needs its creator to be alive.
func (c *Cluster) markStarted(ctx context.Context) error {
	for _, h := range c.topo.Hosts {
		if _, err := c.mustShell(ctx, h, "mkdir -p /etc/haharness && date -u +%FT%TZ > "+startedMarker); err != nil {
			return fmt.Errorf("mark %s started: %w", h, err)
		}
	}
	return nil
}

// completed reports whether the cluster's start completed, by the marker on
// one of its hosts. When the engine cannot say, it answers true: gc must
// not remove a cluster it is unsure of.
func completed(ctx context.Context, eng engine, container string) bool {
	_, err := eng.CopyFrom(ctx, container, startedMarker)
	return !errors.Is(err, docker.ErrNotFound)
}

// processOwner identifies this process as "pid:start-time" so gc can tell a
// live owner from a dead one even after pid reuse.
func processOwner() string {
	pid := os.Getpid()
	return fmt.Sprintf("%d:%s", pid, procStart(pid))
}

func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "?"
	}
	// Field 22 (starttime) counts after the ")" that closes the command name.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		f := strings.Fields(s[i+1:])
		if len(f) > 19 {
			return f[19]
		}
	}
	return "?"
}

// ownerAlive reports whether the process an owner label names still runs.
func ownerAlive(owner string) bool {
	if owner == ownerDetached {
		return true
	}
	pidStr, start, ok := strings.Cut(owner, ":")
	pid, err := strconv.Atoi(pidStr)
	if !ok || err != nil {
		return false
	}
	return procStart(pid) == start && start != "?"
}

// ClusterInfo describes a cluster found on the engine.
type ClusterInfo struct {
	Name     string `json:"name"`
	Owner    string `json:"owner"`
	Orphaned bool   `json:"orphaned"`
	// Incomplete is set for a cluster whose start never completed and
	// whose creator is gone (a killed `haharness up`); it is orphaned too.
	Incomplete bool `json:"incomplete,omitempty"`
	Hosts      int  `json:"hosts"`
}

// List returns the haharness clusters on the engine. A cluster is orphaned
// when the process that owns it is gone, or, detached, when the process that
// created it died before its start completed.
func List(ctx context.Context) ([]ClusterInfo, error) {
	eng, err := connectEngine(ctx)
	if err != nil {
		return nil, err
	}
	return list(ctx, eng)
}

func list(ctx context.Context, eng engine) ([]ClusterInfo, error) {
	byName := map[string]*ClusterInfo{}
	creator := map[string]string{}
	container := map[string]string{}
	add := func(labels map[string]string, host string) {
		name := labels[docker.LabelCluster]
		ci := byName[name]
		if ci == nil {
			ci = &ClusterInfo{Name: name, Owner: labels[docker.LabelOwner]}
			ci.Orphaned = !ownerAlive(ci.Owner)
			byName[name] = ci
		}
		if c := labels[labelCreator]; c != "" {
			creator[name] = c
		}
		if host != "" {
			ci.Hosts++
			container[name] = host
		}
	}
	cs, err := eng.Containers(ctx, docker.LabelCluster)
	if err != nil {
		return nil, err
	}
	for _, l := range cs {
		add(l.Labels, l.Name)
	}
	nets, err := eng.Networks(ctx, docker.LabelCluster)
	if err != nil {
		return nil, err
	}
	for _, l := range nets {
		add(l.Labels, "")
	}
	var out []ClusterInfo
	for _, ci := range byName {
		// A detached cluster whose creator died: did its start complete?
		if c := creator[ci.Name]; ci.Owner == ownerDetached && c != "" && !ownerAlive(c) &&
			(container[ci.Name] == "" || !completed(ctx, eng, container[ci.Name])) {
			ci.Orphaned, ci.Incomplete = true, true
		}
		out = append(out, *ci)
	}
	slices.SortFunc(out, func(a, b ClusterInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// GC removes clusters whose creating process is gone (a test killed with
// SIGKILL, a crashed run), or every haharness cluster when all is true. It
// returns the names removed.
func GC(ctx context.Context, all bool) ([]string, error) {
	eng, err := connectEngine(ctx)
	if err != nil {
		return nil, err
	}
	return gc(ctx, eng, all)
}

func gc(ctx context.Context, eng engine, all bool) ([]string, error) {
	list, err := list(ctx, eng)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, ci := range list {
		if !all && !ci.Orphaned {
			continue
		}
		if err := removeCluster(ctx, eng, ci.Name); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", ci.Name, err))
			continue
		}
		removed = append(removed, ci.Name)
	}
	return removed, errors.Join(errs...)
}

var orphansOnce sync.Once

// collectOrphans removes, once per process, the clusters of processes that
// died without removing them (a test binary killed by go test's timeout or a
// panic, a SIGKILLed `haharness up`): the next Start collects them, as
// `haharness gc` does. Failures are only logged.
func collectOrphans(ctx context.Context, eng engine, log *slog.Logger) {
	orphansOnce.Do(func() {
		removed, err := gc(ctx, eng, false)
		if len(removed) > 0 {
			log.Info("removed clusters of processes that are gone", "clusters", removed)
		}
		if err != nil {
			log.Warn("could not remove every orphaned cluster: run `haharness gc`", "err", err)
		}
	})
}

// RemoveOwned removes every cluster this process owns (not the detached
// ones) and returns their names: for a process about to die without
// running its cleanups, such as a test binary at go test's -timeout.
func RemoveOwned(ctx context.Context) ([]string, error) {
	eng, err := connectEngine(ctx)
	if err != nil {
		return nil, err
	}
	list, err := list(ctx, eng)
	if err != nil {
		return nil, err
	}
	me := processOwner()
	var removed []string
	var errs []error
	for _, ci := range list {
		if ci.Owner != me {
			continue
		}
		if err := removeCluster(ctx, eng, ci.Name); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", ci.Name, err))
			continue
		}
		removed = append(removed, ci.Name)
	}
	return removed, errors.Join(errs...)
}

// Remove deletes the named cluster's containers and network.
func Remove(ctx context.Context, name string) error {
	eng, err := connectEngine(ctx)
	if err != nil {
		return err
	}
	return removeCluster(ctx, eng, name)
}

// ErrNoCluster is returned by Attach when no cluster has the name.
var ErrNoCluster = errors.New("no such cluster")

// Attach returns a handle on a cluster created earlier (by another process,
// such as `haharness up`). It reads the topology, addresses and image from
// the engine's labels and the config from a host.
func Attach(ctx context.Context, name string, log *slog.Logger) (*Cluster, error) {
	eng, err := connectEngine(ctx)
	if err != nil {
		return nil, err
	}
	return attach(ctx, eng, name, log)
}

func attach(ctx context.Context, eng engine, name string, log *slog.Logger) (*Cluster, error) {
	nets, err := eng.Networks(ctx, docker.LabelCluster+"="+name)
	if err != nil {
		return nil, err
	}
	if len(nets) == 0 {
		return nil, fmt.Errorf("%w %q: start one with `haharness up --name %s`, or see `haharness ls`", ErrNoCluster, name, name)
	}
	cs, err := eng.Containers(ctx, docker.LabelCluster+"="+name)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w %q: its network exists but no host does: remove it with `haharness down --name %s`", ErrNoCluster, name, name)
	}
	var topo topology.Topology
	// The label is base64 so that label listings never have to quote JSON.
	raw, err := base64.RawURLEncoding.DecodeString(cs[0].Labels[labelTopology])
	if err != nil {
		return nil, fmt.Errorf("attach %s: decode topology label: %w", name, err)
	}
	if err := json.Unmarshal(raw, &topo); err != nil {
		return nil, fmt.Errorf("attach %s: read topology label: %w", name, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := newCluster(name, topo, eng, log)
	c.image, c.owner = cs[0].Labels[labelImage], cs[0].Labels[docker.LabelOwner]
	for _, l := range cs {
		c.ips[l.Labels[docker.LabelHost]] = l.Labels[labelIP]
	}
	c.absorb(cs)
	if files, err := eng.CopyFrom(ctx, c.Container(topo.Hosts[0]), config.ConfDir); err == nil {
		c.conf = config.Files{}
		for p, b := range files {
			c.conf[p[strings.LastIndexByte(p, '/')+1:]] = b
		}
	}
	return c, nil
}
