// Package topology is the vocabulary of a haharness cluster: the daemon roles,
// the hosts that run them, the guide's three-host preset, and validation.
//
// It is pure (standard library only) and sits below every other package, so
// config rendering, observation, faults and scenarios can all name hosts and
// roles without importing the harness facade.
package topology

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Role is one kind of daemon.
type Role string

// The roles of an HA Hadoop cluster, in start order.
const (
	ZooKeeper       Role = "zookeeper"
	JournalNode     Role = "journalnode"
	NameNode        Role = "namenode"
	ZKFC            Role = "zkfc"
	DataNode        Role = "datanode"
	ResourceManager Role = "resourcemanager"
	NodeManager     Role = "nodemanager"
)

// Roles lists the guide's roles in start order. The add-ons' roles
// (addon.Module.Roles) are any others a topology places: AllRoles lists
// them too.
func Roles() []Role {
	return []Role{ZooKeeper, JournalNode, NameNode, ZKFC, DataNode, ResourceManager, NodeManager}
}

// AllRoles lists the roles t places: the guide's in start order, then the
// add-ons' sorted by name.
func (t Topology) AllRoles() []Role {
	out := slices.Clone(Roles())
	var extra []Role
	for r, hosts := range t.Roles {
		if len(hosts) > 0 && !slices.Contains(out, r) {
			extra = append(extra, r)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// Short is the name jps prints for the role's main class.
func (r Role) Short() string {
	switch r {
	case ZooKeeper:
		return "QuorumPeerMain"
	case JournalNode:
		return "JournalNode"
	case NameNode:
		return "NameNode"
	case ZKFC:
		return "DFSZKFailoverController"
	case DataNode:
		return "DataNode"
	case ResourceManager:
		return "ResourceManager"
	case NodeManager:
		return "NodeManager"
	}
	return string(r)
}

// Topology places roles on hosts. The order of hosts under a role gives the
// ids: the first NameNode host is nn1, the second nn2; the first
// ResourceManager host is rm1; the first ZooKeeper host has myid 1.
type Topology struct {
	// Hosts are the container host names, e.g. hadoop001.
	Hosts []string `json:"hosts"`
	// Roles maps each role to the hosts that run it.
	Roles map[Role][]string `json:"roles"`
	// Nameservice is the HDFS nameservice id (dfs.nameservices). Default mycluster.
	Nameservice string `json:"nameservice,omitempty"`
	// YARNClusterID is yarn.resourcemanager.cluster-id. Default my-yarn-cluster.
	YARNClusterID string `json:"yarnClusterId,omitempty"`
}

// Guide returns the reference guide's plan: three hosts, ZooKeeper and a
// JournalNode on each, nn1 on hadoop001 and nn2 on hadoop002 (each with a
// ZKFC), DataNodes and NodeManagers everywhere, rm1 on hadoop002 and rm2 on
// hadoop003.
func Guide() Topology {
	all := []string{"hadoop001", "hadoop002", "hadoop003"}
	return Topology{
		Hosts: all,
		Roles: map[Role][]string{
			ZooKeeper:       all,
			JournalNode:     all,
			NameNode:        {"hadoop001", "hadoop002"},
			ZKFC:            {"hadoop001", "hadoop002"},
			DataNode:        all,
			ResourceManager: {"hadoop002", "hadoop003"},
			NodeManager:     all,
		},
		Nameservice:   "mycluster",
		YARNClusterID: "my-yarn-cluster",
	}
}

func (t Topology) clone() Topology {
	c := t
	c.Hosts = slices.Clone(t.Hosts)
	c.Roles = make(map[Role][]string, len(t.Roles)+4)
	for r, hs := range t.Roles {
		c.Roles[r] = slices.Clone(hs)
	}
	return c
}

// Load reads a topology from a JSON file (the shape of Topology) and fills
// in defaults. It does not validate; call Validate.
func Load(path string) (Topology, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Topology{}, fmt.Errorf("read topology: %w", err)
	}
	var t Topology
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return Topology{}, fmt.Errorf("parse topology %s: %w (expected {\"hosts\": [...], \"roles\": {\"namenode\": [...], ...}})", path, err)
	}
	return t.WithDefaults(), nil
}

// WithDefaults returns t with empty ids set to the guide's.
func (t Topology) WithDefaults() Topology {
	if t.Nameservice == "" {
		t.Nameservice = "mycluster"
	}
	if t.YARNClusterID == "" {
		t.YARNClusterID = "my-yarn-cluster"
	}
	return t
}

// On returns the hosts running role r, in id order.
func (t Topology) On(r Role) []string { return slices.Clone(t.Roles[r]) }

// RolesOf returns the roles host h runs, in AllRoles order.
func (t Topology) RolesOf(h string) []Role {
	var out []Role
	for _, r := range t.AllRoles() {
		if slices.Contains(t.Roles[r], h) {
			out = append(out, r)
		}
	}
	return out
}

// Has reports whether host h runs role r.
func (t Topology) Has(h string, r Role) bool { return slices.Contains(t.Roles[r], h) }

// NameNodeID returns the id (nn1, nn2...) of the NameNode on host h, or "".
func (t Topology) NameNodeID(h string) string { return indexID(t.Roles[NameNode], h, "nn") }

// ResourceManagerID returns the id (rm1, rm2...) of the ResourceManager on h, or "".
func (t Topology) ResourceManagerID(h string) string {
	return indexID(t.Roles[ResourceManager], h, "rm")
}

// ZooKeeperID returns the ZooKeeper myid of host h (1-based), or 0.
func (t Topology) ZooKeeperID(h string) int {
	return slices.Index(t.Roles[ZooKeeper], h) + 1
}

// NameNodeHost returns the host of NameNode id (nn1...), or "".
func (t Topology) NameNodeHost(id string) string { return hostOfID(t.Roles[NameNode], id, "nn") }

// ResourceManagerHost returns the host of ResourceManager id (rm1...), or "".
func (t Topology) ResourceManagerHost(id string) string {
	return hostOfID(t.Roles[ResourceManager], id, "rm")
}

func indexID(hosts []string, h, prefix string) string {
	if i := slices.Index(hosts, h); i >= 0 {
		return fmt.Sprintf("%s%d", prefix, i+1)
	}
	return ""
}

func hostOfID(hosts []string, id, prefix string) string {
	for i, h := range hosts {
		if fmt.Sprintf("%s%d", prefix, i+1) == id {
			return h
		}
	}
	return ""
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid topology")

var hostRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// Validate checks t and returns every problem found, each naming the fix.
// extra are the add-ons' roles a topology may place besides the guide's
// (their own rules are the add-ons' to check).
func (t Topology) Validate(extra ...Role) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...)))
	}
	if len(t.Hosts) == 0 {
		bad("no hosts: list the container host names, e.g. hadoop001, hadoop002, hadoop003")
	}
	seen := map[string]bool{}
	for _, h := range t.Hosts {
		switch {
		case !hostRE.MatchString(h):
			bad("host name %q is not a lower-case DNS label: use letters, digits and '-', starting with a letter", h)
		case seen[h]:
			bad("host %q is listed twice: host names must be unique", h)
		}
		seen[h] = true
	}
	known := map[Role]bool{}
	for _, r := range append(Roles(), extra...) {
		known[r] = true
	}
	for r, hosts := range t.Roles {
		if !known[r] {
			bad("unknown role %q: roles are %v", r, append(Roles(), extra...))
			continue
		}
		dup := map[string]bool{}
		for _, h := range hosts {
			if !seen[h] {
				bad("role %s is placed on unknown host %q: add it to hosts or use one of %v", r, h, t.Hosts)
			}
			if dup[h] {
				bad("role %s is placed on host %q twice: list each host once", r, h)
			}
			dup[h] = true
		}
	}
	n := func(r Role) int { return len(t.Roles[r]) }
	if z := n(ZooKeeper); z < 3 || z%2 == 0 {
		bad("ZooKeeper needs an odd number of servers, at least 3, for a majority to survive a failure; got %d", z)
	}
	if j := n(JournalNode); j < 3 || j%2 == 0 {
		bad("the quorum journal needs an odd number of JournalNodes, at least 3; got %d", j)
	}
	if nn := n(NameNode); nn < 2 {
		bad("NameNode HA needs at least 2 NameNodes (nn1, nn2); got %d", nn)
	}
	for _, h := range t.Roles[NameNode] {
		if !t.Has(h, ZKFC) {
			bad("NameNode host %q has no zkfc: automatic failover needs a ZKFC beside every NameNode", h)
		}
	}
	for _, h := range t.Roles[ZKFC] {
		if !t.Has(h, NameNode) {
			bad("zkfc on %q has no NameNode to watch: place zkfc only on NameNode hosts", h)
		}
	}
	if n(DataNode) < 1 {
		bad("HDFS needs at least 1 DataNode; got 0")
	}
	if rm := n(ResourceManager); rm < 2 {
		bad("YARN ResourceManager HA needs at least 2 ResourceManagers (rm1, rm2); got %d", rm)
	}
	if n(NodeManager) < 1 {
		bad("YARN needs at least 1 NodeManager; got 0")
	}
	for _, id := range []struct{ name, v string }{{"nameservice", t.Nameservice}, {"yarnClusterId", t.YARNClusterID}} {
		if id.v != "" && !hostRE.MatchString(id.v) {
			bad("%s %q must be a lower-case DNS label", id.name, id.v)
		}
	}
	return errors.Join(errs...)
}

// Daemon names one daemon: a role on a host.
type Daemon struct {
	Host string `json:"host"`
	Role Role   `json:"role"`
}

func (d Daemon) String() string { return d.Host + "/" + string(d.Role) }

// Daemons lists every daemon in start order (AllRoles order, then host
// order).
func (t Topology) Daemons() []Daemon {
	var out []Daemon
	for _, r := range t.AllRoles() {
		for _, h := range t.Roles[r] {
			out = append(out, Daemon{Host: h, Role: r})
		}
	}
	return out
}

// Clone returns a deep copy of t (its Roles map and lists), for placing
// roles without changing t.
func (t Topology) Clone() Topology { return t.clone() }
