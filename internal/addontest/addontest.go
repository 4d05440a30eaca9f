// Package addontest holds the checks every add-on module's unit tests make
// of their own module (an addon.Module under addons/): its shape, its
// placement, its scenario files, its selectors, its workload section and
// its Status section. Each helper takes only what the module's test hands
// it (its Module(), its fixtures, its tables), so a test calls it with its
// own module and keeps what is particular to the module in its own file.
//
// Layering: it stands on harness/addon and what that stands on, and on the
// pure scenario file format (scenarios/spec); never on the list that
// registers the modules nor on the scenario runner, so a module's in-package
// tests may import it. The registered add-ons' views (the catalogue, the
// spec add-ons) come in as arguments.
package addontest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
)

// WithHosts is the guide's topology with n hosts, those beyond the third
// each a DataNode and a NodeManager (a scenario file's extraHosts).
func WithHosts(n int) topology.Topology {
	t := topology.Guide()
	for i := 4; i <= n; i++ {
		h := fmt.Sprintf("hadoop%03d", i)
		t.Hosts = append(t.Hosts, h)
		t.Roles[topology.DataNode] = append(t.Roles[topology.DataNode], h)
		t.Roles[topology.NodeManager] = append(t.Roles[topology.NodeManager], h)
	}
	return t
}

// Names are the daemons as HOST/ROLE, in their order.
func Names(ds []topology.Daemon) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

// Cluster is a cluster with topology Topo that nothing can reach: it dials
// nothing (and counts the dials), runs nothing and starts nothing. A
// module's test embeds it to answer some calls itself.
type Cluster struct {
	Topo topology.Topology
	// Conf is what Config returns.
	Conf  config.Files
	dials atomic.Int32
}

var _ addon.Cluster = (*Cluster)(nil)

func (c *Cluster) Topology() topology.Topology { return c.Topo }

func (c *Cluster) Addr(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func (c *Cluster) DialContext(context.Context, string, string) (net.Conn, error) {
	c.dials.Add(1)
	return nil, errors.New("no network in a unit test")
}

func (c *Cluster) Shell(context.Context, string, string) (docker.Result, error) {
	return docker.Result{}, errors.New("no hosts in a unit test")
}

// Config is the cluster's Conf (nil unless a test sets it).
func (c *Cluster) Config() config.Files { return c.Conf }

func (c *Cluster) ReadFile(context.Context, string, string) ([]byte, error) {
	return nil, errors.New("no hosts in a unit test")
}

func (c *Cluster) ZooKeeper(context.Context) (*zk.Conn, error) {
	return nil, errors.New("no ZooKeeper in a unit test")
}

func (c *Cluster) StartDaemons(context.Context, topology.Role, ...string) error {
	return errors.New("no daemons in a unit test")
}

func (c *Cluster) Alive(context.Context, topology.Role, ...string) error { return nil }

// Dials is how many times something dialled the cluster.
func (c *Cluster) Dials() int32 { return c.dials.Load() }
