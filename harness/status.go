package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// NameNodeState is one NameNode as seen from several sides.
type NameNodeState struct {
	ID   string `json:"id"`
	Host string `json:"host"`
	// JMX is the state in the NameNode's JMX (active, standby...) or "down".
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
	// REST is haState from /ws/v1/cluster/info (ACTIVE, STANDBY...) or "down".
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
	// HBase and Kafka are the add-ons' state, nil when the topology has none.
	HBase *HBaseStatus `json:"hbase,omitempty"`
	Kafka *KafkaStatus `json:"kafka,omitempty"`
}

// ActiveNameNode returns the id of the only NameNode whose JMX says active, or "".
func (s Status) ActiveNameNode() string {
	active := ""
	for _, n := range s.NameNodes {
		if n.JMX == "active" {
			if active != "" {
				return ""
			}
			active = n.ID
		}
	}
	return active
}

// ActiveResourceManager returns the id of the only ACTIVE ResourceManager, or "".
func (s Status) ActiveResourceManager() string {
	active := ""
	for _, r := range s.ResourceManagers {
		if r.REST == "ACTIVE" {
			if active != "" {
				return ""
			}
			active = r.ID
		}
	}
	return active
}

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
// ZooKeeper lock; every DataNode live on the active; safe mode off; one ACTIVE
// ResourceManager and the others STANDBY, agreeing with rmadmin (when asked)
// and the YARN lock; every NodeManager RUNNING; one ZooKeeper leader and the
// rest followers. The error lists every unmet condition.
func (s Status) Ready() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	nn := s.ActiveNameNode()
	if nn == "" {
		bad("no single active namenode: %s", s.nnStates())
	}
	for _, n := range s.NameNodes {
		want := "standby"
		if n.ID == nn {
			want = "active"
		}
		if n.JMX != want {
			bad("%s jmx says %s, want %s", n.ID, n.JMX, want)
		}
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
	if nn != "" && s.NameNodeLock != nn {
		bad("zookeeper lock names %q but the active namenode is %s", s.NameNodeLock, nn)
	}
	rm := s.ActiveResourceManager()
	if rm == "" {
		bad("no single active resourcemanager: %s", s.rmStates())
	}
	for _, r := range s.ResourceManagers {
		want := "STANDBY"
		if r.ID == rm {
			want = "ACTIVE"
		}
		if r.REST != want {
			bad("%s says %s, want %s", r.ID, r.REST, want)
		}
		if r.RMAdmin != "" && !strings.EqualFold(r.RMAdmin, r.REST) {
			bad("%s: rmadmin says %s but REST says %s", r.ID, r.RMAdmin, r.REST)
		}
	}
	if rm != "" && s.ResourceManagerLock != rm {
		bad("yarn lock names %q but the active resourcemanager is %s", s.ResourceManagerLock, rm)
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
	var addons []string
	if s.HBase != nil {
		addons = append(addons, s.HBase.ready()...)
	}
	if s.Kafka != nil {
		addons = append(addons, s.Kafka.ready()...)
	}
	for _, a := range addons {
		bad("%s", a)
	}
	return errors.Join(errs...)
}

func (s Status) nnStates() string {
	var p []string
	for _, n := range s.NameNodes {
		p = append(p, n.ID+"="+n.JMX)
	}
	return strings.Join(p, " ")
}

func (s Status) rmStates() string {
	var p []string
	for _, r := range s.ResourceManagers {
		p = append(p, r.ID+"="+r.REST)
	}
	return strings.Join(p, " ")
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
	out := fmt.Sprintf("namenodes[%s lock=%s] resourcemanagers[%s lock=%s] nodemanagers=%d/%d zookeeper[%s]",
		s.nnStates(), s.NameNodeLock, s.rmStates(), s.ResourceManagerLock, s.NodeManagersRunning, s.NodeManagers, s.zkStates())
	if h := s.HBase; h != nil {
		out += fmt.Sprintf(" hmasters[%s lock=%s] regionservers=%d/%d meta=%s", h.masterStates(), h.MasterLock, len(h.RegionServers), h.Want, h.Meta)
	}
	if k := s.Kafka; k != nil {
		out += fmt.Sprintf(" kafka[brokers=%d/%d controller=%d underreplicated=%d]", len(k.Brokers), k.Want, k.Controller, len(k.UnderReplicated))
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
// with o.CLI the admin commands. Daemons that do not answer are "down",
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
		n := NameNodeState{ID: t.NameNodeID(h), Host: h, JMX: "down"}
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
		r := ResourceManagerState{ID: t.ResourceManagerID(h), Host: h, REST: "down"}
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
		s.ZooKeeper = append(s.ZooKeeper, ZooKeeperState{Host: h, Mode: "down"})
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

// adminState runs an admin -getServiceState command and returns its one
// word, or "down" when it fails.
func (c *Cluster) adminState(ctx context.Context, h, cmd string) string {
	res, err := c.Shell(ctx, h, cmd+" 2>/dev/null")
	if err != nil || res.ExitCode != 0 {
		return "down"
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
			s.HBase, s.Kafka = nil, nil
		}
		return s
	}
	var skip []topology.Role
	if hadoopOnly {
		skip = append(topology.HBaseRoles(), topology.Kafka)
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
// ZooKeeper lock names it.
func (c *Cluster) WaitNameNodeActive(ctx context.Context) error {
	_, err := c.waitActiveNameNode(ctx, "")
	return err
}

// waitActiveNameNode waits for a single active NameNode other than not.
func (c *Cluster) waitActiveNameNode(ctx context.Context, not string) (string, error) {
	var active string
	err := poll.Until(ctx, "single active namenode", 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		s, err := c.Status(ctx, StatusOptions{})
		if err != nil {
			return false, s.nnStates(), err
		}
		active = s.ActiveNameNode()
		state := s.nnStates() + " lock=" + s.NameNodeLock
		return active != "" && active != not && s.NameNodeLock == active, state, nil
	})
	return active, err
}
