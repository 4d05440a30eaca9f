package harness

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/docker"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// step runs one init step, logs it with its duration, and records it.
func (c *Cluster) step(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	start := time.Now()
	c.log.Info("init step start", "step", name)
	if err := fn(ctx); err != nil {
		c.log.Error("init step failed", "step", name, "took", time.Since(start).Round(time.Millisecond), "err", err)
		return fmt.Errorf("init step %q: %w", name, err)
	}
	d := time.Since(start)
	c.log.Info("init step done", "step", name, "took", d.Round(time.Millisecond))
	c.mu.Lock()
	c.steps = append(c.steps, Step{Name: name, Duration: d})
	c.mu.Unlock()
	c.events.add(Event{Kind: EventStep, Detail: name, State: d.Round(time.Millisecond).String()})
	return nil
}

// bootstrap is the guide's §5 init sequence on a fresh cluster.
func (c *Cluster) bootstrap(ctx context.Context) error {
	t := c.topo
	nns := t.On(topology.NameNode)
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"start zookeeper ensemble", func(ctx context.Context) error { return c.startZooKeeper(ctx) }},
		{"start journalnodes", func(ctx context.Context) error { return c.startJournalNodes(ctx) }},
		{"format nn1", func(ctx context.Context) error {
			_, err := c.mustShell(ctx, nns[0], "hdfs namenode -format -nonInteractive -clusterid CID-haharness-"+c.name)
			return err
		}},
		{"start nn1", func(ctx context.Context) error { return c.startNameNode(ctx, nns[0]) }},
		{"bootstrap standby namenodes", func(ctx context.Context) error {
			for _, h := range nns[1:] {
				if _, err := c.mustShell(ctx, h, "hdfs namenode -bootstrapStandby -nonInteractive"); err != nil {
					return err
				}
			}
			return nil
		}},
		{"format zkfc znode", func(ctx context.Context) error { return c.formatZK(ctx, nns[0]) }},
		{"start standby namenodes, zkfcs and datanodes", func(ctx context.Context) error {
			for _, h := range nns[1:] {
				if err := c.startNameNode(ctx, h); err != nil {
					return err
				}
			}
			if err := c.startAll(ctx, topology.ZKFC, topology.DataNode); err != nil {
				return err
			}
			return c.WaitNameNodeActive(ctx)
		}},
		{"start resourcemanagers and nodemanagers", func(ctx context.Context) error {
			return c.startAll(ctx, topology.ResourceManager, topology.NodeManager)
		}},
		{"wait for HA ready", func(ctx context.Context) error { _, err := c.WaitReady(ctx); return err }},
	}
	c.mu.Lock()
	c.steps = nil
	c.mu.Unlock()
	for _, s := range steps {
		if err := c.step(ctx, s.name, s.fn); err != nil {
			return err
		}
	}
	return nil
}

// resume is the guide's §7 second start: no format, daemons in order.
func (c *Cluster) resume(ctx context.Context) error {
	c.mu.Lock()
	c.steps = nil
	c.mu.Unlock()
	nns := c.topo.On(topology.NameNode)
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"start zookeeper ensemble", c.startZooKeeper},
		{"start journalnodes", c.startJournalNodes},
		{"start namenodes, zkfcs and datanodes", func(ctx context.Context) error {
			for _, h := range nns {
				if err := c.startNameNode(ctx, h); err != nil {
					return err
				}
			}
			if err := c.startAll(ctx, topology.ZKFC, topology.DataNode); err != nil {
				return err
			}
			return c.WaitNameNodeActive(ctx)
		}},
		{"start resourcemanagers and nodemanagers", func(ctx context.Context) error {
			return c.startAll(ctx, topology.ResourceManager, topology.NodeManager)
		}},
		{"wait for HA ready", func(ctx context.Context) error { _, err := c.WaitReady(ctx); return err }},
	}
	for _, s := range steps {
		if err := c.step(ctx, s.name, s.fn); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) startAll(ctx context.Context, roles ...topology.Role) error {
	for _, r := range roles {
		for _, h := range c.topo.On(r) {
			if err := c.StartDaemon(ctx, h, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Cluster) startZooKeeper(ctx context.Context) error {
	if err := c.startAll(ctx, topology.ZooKeeper); err != nil {
		return err
	}
	return c.WaitZooKeeperQuorum(ctx)
}

// WaitZooKeeperQuorum waits until the ensemble has exactly one leader and
// every other server follows.
func (c *Cluster) WaitZooKeeperQuorum(ctx context.Context) error {
	zks := c.topo.On(topology.ZooKeeper)
	return poll.Until(ctx, "zookeeper leader", 0, func(ctx context.Context) (bool, string, error) {
		leaders, followers := 0, 0
		var state []string
		for _, h := range zks {
			mode, err := observe.ZooKeeperMode(ctx, c.Addr(h, config.PortZooKeeper))
			if err != nil {
				mode = "down"
			}
			state = append(state, h+"="+mode)
			switch mode {
			case "leader":
				leaders++
			case "follower":
				followers++
			}
		}
		if err := c.checkAlive(ctx, topology.ZooKeeper, zks); err != nil {
			return false, strings.Join(state, " "), poll.Permanent(err)
		}
		return leaders == 1 && leaders+followers == len(zks), strings.Join(state, " "), nil
	})
}

func (c *Cluster) startJournalNodes(ctx context.Context) error {
	jns := c.topo.On(topology.JournalNode)
	if err := c.startAll(ctx, topology.JournalNode); err != nil {
		return err
	}
	// Formatting needs every JournalNode, not a quorum: wait for all RPC ports.
	return poll.Until(ctx, "all journalnodes listening", 0, func(ctx context.Context) (bool, string, error) {
		var up []string
		for _, h := range jns {
			if dialable(ctx, c.Addr(h, config.PortJournalRPC)) {
				up = append(up, h)
			}
		}
		if err := c.checkAlive(ctx, topology.JournalNode, jns); err != nil {
			return false, "", poll.Permanent(err)
		}
		return len(up) == len(jns), fmt.Sprintf("listening: %v of %v", up, jns), nil
	})
}

func (c *Cluster) startNameNode(ctx context.Context, h string) error {
	if err := c.StartDaemon(ctx, h, topology.NameNode); err != nil {
		return err
	}
	// With automatic failover a NameNode starts as standby; its ZKFC makes one active.
	return poll.Until(ctx, "namenode on "+h+" serving", 0, func(ctx context.Context) (bool, string, error) {
		st, err := observe.NameNode(ctx, c.Addr(h, config.PortNameNodeHTTP))
		if aerr := c.checkAlive(ctx, topology.NameNode, []string{h}); aerr != nil {
			return false, "", poll.Permanent(aerr)
		}
		if err != nil {
			return false, "not answering", nil
		}
		return st.State == "standby" || st.State == "active", "state " + st.State, nil
	})
}

func (c *Cluster) formatZK(ctx context.Context, h string) error {
	res, err := c.Shell(ctx, h, "hdfs zkfc -formatZK -nonInteractive")
	if err != nil {
		return err
	}
	switch res.ExitCode {
	case 0:
		return nil
	case 2: // ERR_CODE_FORMAT_DENIED: the parent znode already exists
		c.log.Warn("zkfc znode already formatted", "host", h)
		return nil
	}
	return fmt.Errorf("hdfs zkfc -formatZK on %s: exit %d: %s", h, res.ExitCode, lastLines(res.Combined(), 15))
}

// checkAlive fails when a daemon of role r on one of hosts has exited, with
// its last log lines, so waits stop early instead of timing out. Hosts
// whose container is not running are skipped (a fault stopped them).
func (c *Cluster) checkAlive(ctx context.Context, r topology.Role, hosts []string) error {
	for _, h := range hosts {
		ps, err := c.Processes(ctx, h)
		if err != nil || ps == nil {
			continue
		}
		if !slices.ContainsFunc(ps, func(p Process) bool { return p.Role == r }) {
			return fmt.Errorf("%s on %s exited:\n%s", r, h, c.logTail(ctx, h, r, 25))
		}
	}
	return nil
}

func dialable(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// checkAllAlive fails when any daemon of the topology has exited on a
// running host. hosts is each host's engine state (Status.Hosts): one ps
// per running host, no other engine call.
func (c *Cluster) checkAllAlive(ctx context.Context, hosts map[string]string) error {
	for _, h := range c.topo.Hosts {
		if hosts[h] == "exited" || hosts[h] == "dead" {
			// Stopped by a fault, or killed by the kernel: only the
			// latter is an error worth stopping a wait for.
			if st, err := c.engine.Inspect(ctx, c.Container(h)); err == nil && st.OOMKilled {
				return fmt.Errorf("host %s (container %s) was killed for lack of memory: %w: give the engine more memory "+
					"(Docker Desktop, Colima and Podman machines run in a VM with a fixed size; the guide's cluster needs about %d MiB)",
					h, c.Container(h), docker.ErrOutOfMemory, config.EstimateMemoryMiB(c.topo))
			}
		}
		if hosts[h] != "running" {
			continue
		}
		res, err := c.Shell(ctx, h, "ps -eo pid=,stat=,args=")
		if err != nil || res.ExitCode != 0 {
			continue
		}
		ps := parseProcesses(h, res.Stdout)
		for _, r := range c.topo.RolesOf(h) {
			if !slices.ContainsFunc(ps, func(p Process) bool { return p.Role == r }) {
				return fmt.Errorf("%s on %s exited:\n%s", r, h, c.logTail(ctx, h, r, 25))
			}
		}
	}
	return nil
}
