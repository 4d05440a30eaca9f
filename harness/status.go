package harness

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// NameNodeState is one NameNode as seen from several sides.
type NameNodeState struct {
	ID   string `json:"id"`
	Host string `json:"host"`
	// JMX is the state in the NameNode's JMX (active, standby...) or
	// ha.Down ("down") when it did not answer.
	JMX string `json:"jmx"`
	// HAAdmin is what `hdfs haadmin -getServiceState` printed ("" when not asked).
	HAAdmin       string `json:"haadmin,omitempty"`
	SafeMode      bool   `json:"safeMode"`
	LiveDataNodes int    `json:"liveDataNodes"`
}

// ResourceManagerState is one ResourceManager as seen from several sides.
type ResourceManagerState struct {
	ID   string `json:"id"`
	Host string `json:"host"`
	// REST is haState from /ws/v1/cluster/info (ACTIVE, STANDBY...) or
	// ha.Down ("down") when it did not answer.
	REST string `json:"rest"`
	// RMAdmin is what `yarn rmadmin -getServiceState` printed ("" when not asked).
	RMAdmin string `json:"rmadmin,omitempty"`
}

// ZooKeeperState is one ZooKeeper server's mode (leader, follower, down...).
type ZooKeeperState struct {
	Host string `json:"host"`
	Mode string `json:"mode"`
}

// Status is a snapshot of the cluster's HA state.
type Status struct {
	NameNodes []NameNodeState `json:"namenodes"`
	// NameNodeLock is the NameNode id in the ZooKeeper election lock, "" if none.
	NameNodeLock     string                 `json:"namenodeLock"`
	ResourceManagers []ResourceManagerState `json:"resourcemanagers"`
	// ResourceManagerLock is the RM id in the YARN election lock, "" if none.
	ResourceManagerLock string           `json:"resourcemanagerLock"`
	NodeManagersRunning int              `json:"nodemanagersRunning"`
	ZooKeeper           []ZooKeeperState `json:"zookeeper"`
	DataNodes           int              `json:"datanodes"`
	NodeManagers        int              `json:"nodemanagers"`
	// Hosts is each host container's engine state (running, paused, exited...).
	Hosts map[string]string `json:"hosts"`
	// Addons are the add-ons' sections, by add-on name (each module's
	// StatusOf reads its own); nil when the cluster runs none.
	Addons map[string]addon.Section `json:"addons,omitempty"`
}

// HA is role r's HA group in s: for topology.NameNode and
// topology.ResourceManager the members in topology order, each one's state
// its JMX or REST word normalised (ha.Normalise: "ACTIVE" is ha.Active),
// and the id the election lock names; for an add-on's HA role (addon.Role.HA)
// the group its Status section gives (addon.HASection). Any other role has
// no members.
func (s Status) HA(r topology.Role) ha.Group {
	g := ha.Group{Role: r}
	switch r {
	case topology.NameNode:
		g.Lock = s.NameNodeLock
		for _, n := range s.NameNodes {
			g.Members = append(g.Members, ha.Member{ID: n.ID, Host: n.Host, State: ha.Normalise(n.JMX)})
		}
	case topology.ResourceManager:
		g.Lock = s.ResourceManagerLock
		for _, m := range s.ResourceManagers {
			g.Members = append(g.Members, ha.Member{ID: m.ID, Host: m.Host, State: ha.Normalise(m.REST)})
		}
	default:
		// An add-on's HA role, from its section (addon.HASection).
		for _, name := range slices.Sorted(maps.Keys(s.Addons)) {
			if hs, ok := s.Addons[name].(addon.HASection); ok {
				if ag, ok := hs.HA(r); ok {
					return ag
				}
			}
		}
	}
	return g
}

// ActiveNameNode returns the id of the only active NameNode, or "" (ha.Group.Active).
func (s Status) ActiveNameNode() string { return s.HA(topology.NameNode).Active() }

// ActiveResourceManager returns the id of the only active ResourceManager, or "" (ha.Group.Active).
func (s Status) ActiveResourceManager() string { return s.HA(topology.ResourceManager).Active() }

// ZooKeeperLeader returns the host of the only leader, or "".
func (s Status) ZooKeeperLeader() string {
	leader := ""
	for _, z := range s.ZooKeeper {
		if z.Mode == "leader" {
			if leader != "" {
				return ""
			}
			leader = z.Host
		}
	}
	return leader
}

// Ready reports whether s is "HA ready": exactly one active NameNode and
// the others standby, agreeing across JMX, haadmin (when asked) and the
// ZooKeeper lock; every DataNode live on the active; safe mode off; one
// active ResourceManager and the others standby, agreeing with rmadmin
// (when asked) and the YARN lock; every NodeManager RUNNING; one ZooKeeper
// leader and the rest followers. The error lists every unmet condition.
func (s Status) Ready() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	nns := s.HA(topology.NameNode)
	errs = append(errs, electionProblems(nns, "jmx says", "zookeeper lock")...)
	nn := nns.Active()
	for _, n := range s.NameNodes {
		if n.HAAdmin != "" && n.HAAdmin != n.JMX {
			bad("%s: haadmin says %s but jmx says %s", n.ID, n.HAAdmin, n.JMX)
		}
		if n.ID == nn {
			if n.SafeMode {
				bad("active %s is in safe mode", n.ID)
			}
			if n.LiveDataNodes != s.DataNodes {
				bad("active %s sees %d live datanodes, want %d", n.ID, n.LiveDataNodes, s.DataNodes)
			}
		}
	}
	errs = append(errs, electionProblems(s.HA(topology.ResourceManager), "says", "yarn lock")...)
	for _, r := range s.ResourceManagers {
		if r.RMAdmin != "" && !strings.EqualFold(r.RMAdmin, r.REST) {
			bad("%s: rmadmin says %s but REST says %s", r.ID, r.RMAdmin, r.REST)
		}
	}
	if s.NodeManagersRunning != s.NodeManagers {
		bad("%d of %d nodemanagers RUNNING", s.NodeManagersRunning, s.NodeManagers)
	}
	leaders, followers := 0, 0
	for _, z := range s.ZooKeeper {
		switch z.Mode {
		case "leader":
			leaders++
		case "follower":
			followers++
		}
	}
	if leaders != 1 || leaders+followers != len(s.ZooKeeper) {
		bad("zookeeper: %s", s.zkStates())
	}
	for _, name := range slices.Sorted(maps.Keys(s.Addons)) {
		for _, a := range s.Addons[name].Ready() {
			bad("%s", a)
		}
	}
	return errors.Join(errs...)
}

// electionProblems are what keeps g from HA ready: no single active, a
// member neither the active nor standby (its state, as "ID SAYS STATE,
// want WANT"), or the election lock (named lock) not naming the active.
func electionProblems(g ha.Group, says, lock string) []error {
	var errs []error
	active := g.Active()
	if active == "" {
		errs = append(errs, fmt.Errorf("no single active %s: %s", g.Role, g))
	}
	for _, m := range g.Members {
		want := ha.Standby
		if m.ID == active {
			want = ha.Active
		}
		if m.State != want {
			errs = append(errs, fmt.Errorf("%s %s %s, want %s", m.ID, says, m.State, want))
		}
	}
	if active != "" && g.Lock != active {
		errs = append(errs, fmt.Errorf("%s names %q but the active %s is %s", lock, g.Lock, g.Role, active))
	}
	return errs
}

func (s Status) zkStates() string {
	var p []string
	for _, z := range s.ZooKeeper {
		p = append(p, z.Host+"="+z.Mode)
	}
	return strings.Join(p, " ")
}

// String is a one-line summary.
func (s Status) String() string {
	out := fmt.Sprintf("namenodes[%s] resourcemanagers[%s] nodemanagers=%d/%d zookeeper[%s]",
		s.HA(topology.NameNode), s.HA(topology.ResourceManager), s.NodeManagersRunning, s.NodeManagers, s.zkStates())
	for _, name := range slices.Sorted(maps.Keys(s.Addons)) {
		out += " " + s.Addons[name].Summary()
	}
	return out
}

// StatusOptions tune Status.
type StatusOptions struct {
	// CLI also asks `hdfs haadmin -getServiceState` and `yarn rmadmin
	// -getServiceState` for every NameNode and ResourceManager (a JVM start
	// each, so slower).
	CLI bool
}

// Status reads the cluster's HA state: JMX and REST endpoints (probed with
// observe.ProbeNameNode and observe.ProbeResourceManager, their own words
// kept), the ZooKeeper election locks, each ZooKeeper server's mode, and
// with o.CLI the admin commands. Daemons that do not answer are ha.Down,
// whatever the reason: Status asks the engine once, for Hosts, and never
// classifies a failed probe (ProbeHA does).
func (c *Cluster) Status(ctx context.Context, o StatusOptions) (Status, error) {
	t := c.topo
	s := Status{DataNodes: len(t.On(topology.DataNode)), NodeManagers: len(t.On(topology.NodeManager))}
	// One engine call: host states and the ports every probe below dials.
	hosts, err := c.HostStates(ctx)
	if err != nil {
		return s, err
	}
	s.Hosts = hosts
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, h := range t.On(topology.NameNode) {
		n := NameNodeState{ID: t.NameNodeID(h), Host: h, JMX: ha.Down}
		idx := len(s.NameNodes)
		s.NameNodes = append(s.NameNodes, n)
		wg.Go(func() {
			st, err := observe.ProbeNameNode(ctx, c.Addr(h, config.PortNameNodeHTTP))
			var admin string
			if o.CLI {
				admin = c.adminState(ctx, h, "hdfs haadmin -getServiceState "+n.ID)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				s.NameNodes[idx].JMX, s.NameNodes[idx].SafeMode, s.NameNodes[idx].LiveDataNodes = st.Raw, st.SafeMode, st.LiveDataNodes
			}
			s.NameNodes[idx].HAAdmin = admin
		})
	}
	for _, h := range t.On(topology.ResourceManager) {
		r := ResourceManagerState{ID: t.ResourceManagerID(h), Host: h, REST: ha.Down}
		idx := len(s.ResourceManagers)
		s.ResourceManagers = append(s.ResourceManagers, r)
		wg.Go(func() {
			st, err := observe.ProbeResourceManager(ctx, c.Addr(h, config.PortRMWeb))
			var admin string
			if o.CLI {
				admin = c.adminState(ctx, h, "yarn rmadmin -getServiceState "+r.ID)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				s.ResourceManagers[idx].REST = st.Raw
			}
			s.ResourceManagers[idx].RMAdmin = admin
		})
	}
	for _, h := range t.On(topology.ZooKeeper) {
		idx := len(s.ZooKeeper)
		s.ZooKeeper = append(s.ZooKeeper, ZooKeeperState{Host: h, Mode: ha.Down})
		wg.Go(func() {
			mode, err := observe.ZooKeeperMode(ctx, c.Addr(h, config.PortZooKeeper))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				s.ZooKeeper[idx].Mode = mode
			} else if strings.Contains(err.Error(), "not currently serving") {
				s.ZooKeeper[idx].Mode = "no-quorum"
			}
		})
	}
	wg.Wait()
	if conn, err := c.zkConn(ctx); err == nil {
		if info, err := observe.NameNodeLock(conn, t.Nameservice); err == nil {
			s.NameNodeLock = info.NameNodeID
		}
		if info, err := observe.ResourceManagerLock(conn, t.YARNClusterID); err == nil {
			s.ResourceManagerLock = info.RMID
		}
		c.addonStatus(ctx, &s, conn)
		conn.Close()
	} else {
		c.addonStatus(ctx, &s, nil)
	}
	if rm := s.ActiveResourceManager(); rm != "" {
		nodes, err := observe.Nodes(ctx, c.Addr(t.ResourceManagerHost(rm), config.PortRMWeb))
		if err == nil {
			for _, n := range nodes {
				if n.State == "RUNNING" {
					s.NodeManagersRunning++
				}
			}
		}
	}
	return s, ctx.Err()
}

// AdminTimeout bounds each admin command a Status runs (StatusOptions.CLI):
// one that hangs (a client retrying a login the KDC cannot answer) counts
// as an answer of ha.Down.
const AdminTimeout = 30 * time.Second

// adminState runs an admin -getServiceState command and returns its one
// word, or ha.Down when it fails.
func (c *Cluster) adminState(ctx context.Context, h, cmd string) string {
	ctx, cancel := context.WithTimeout(ctx, AdminTimeout)
	defer cancel()
	res, err := c.Shell(ctx, h, cmd+" 2>/dev/null")
	if err != nil || res.ExitCode != 0 {
		return ha.Down
	}
	return strings.TrimSpace(res.Stdout)
}

// WaitReady waits until Status.Ready holds, cross-checked with the admin
// commands, and returns that status. On timeout the error carries the last
// status seen.
func (c *Cluster) WaitReady(ctx context.Context) (Status, error) {
	return c.waitReadyWhere(ctx, false)
}

// waitReadyWhere is WaitReady; with hadoopOnly, on Hadoop's part of the
// cluster alone (the add-ons neither judged nor expected to run).
func (c *Cluster) waitReadyWhere(ctx context.Context, hadoopOnly bool) (Status, error) {
	view := func(s Status) Status {
		if hadoopOnly {
			s.Addons = nil
		}
		return s
	}
	var skip []topology.Role
	if hadoopOnly {
		for _, m := range c.Addons() {
			for _, r := range m.Roles {
				skip = append(skip, r.Role)
			}
		}
	}
	var ready Status
	err := poll.Until(ctx, "HA ready", 0, func(ctx context.Context) (bool, string, error) {
		s, err := c.Status(ctx, StatusOptions{})
		s = view(s)
		if err != nil {
			return false, s.String(), err
		}
		if err := s.Ready(); err != nil {
			if aerr := c.checkAliveExcept(ctx, s.Hosts, skip); aerr != nil {
				return false, s.String(), poll.Permanent(aerr)
			}
			return false, strings.ReplaceAll(err.Error(), "\n", "; "), nil
		}
		// Cheap checks pass: confirm with the admin commands.
		s, err = c.Status(ctx, StatusOptions{CLI: true})
		s = view(s)
		if err != nil {
			return false, s.String(), err
		}
		if err := s.Ready(); err != nil {
			return false, strings.ReplaceAll(err.Error(), "\n", "; "), nil
		}
		ready = s
		return true, s.String(), nil
	})
	return ready, err
}

// WaitNameNodeActive waits until exactly one NameNode is active and the
// ZooKeeper lock names it (ha.Group.Settled).
func (c *Cluster) WaitNameNodeActive(ctx context.Context) error {
	return poll.Until(ctx, "single active namenode", 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		s, err := c.Status(ctx, StatusOptions{})
		g := s.HA(topology.NameNode)
		return err == nil && g.Settled() != "", g.String(), err
	})
}

// Applications lists the YARN applications the active ResourceManager
// knows (addon.Applications), those not ended with their attempts.
func (c *Cluster) Applications(ctx context.Context) ([]observe.App, error) {
	apps, err := addon.Applications(ctx, c)
	if err != nil {
		return nil, err
	}
	for i, a := range apps {
		if !a.Done() {
			if full, err := addon.Application(ctx, c, a.ID); err == nil {
				apps[i] = full
			}
		}
	}
	return apps, nil
}
