package harness

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
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

// stepFn is one init step's work.
type stepFn = func(ctx context.Context) error

// sequence runs the named steps one after another.
func (c *Cluster) sequence(names []string, fns ...stepFn) stepFn {
	return func(ctx context.Context) error {
		for i, fn := range fns {
			if err := c.step(ctx, names[i], fn); err != nil {
				return err
			}
		}
		return nil
	}
}

// parallel runs fns at once and returns the first error; the others are
// cancelled then. Every step that does not depend on another's result runs
// this way: on 2 cores a serial start leaves a core idle while one JVM
// loads its classes.
func parallel(ctx context.Context, fns ...stepFn) error { return addon.Parallel(ctx, fns...) }

// bootstrap is the guide's §5 init sequence on a fresh cluster, every step
// checked. A step waits only for what it needs, so three branches run at
// once: ZooKeeper (start the ensemble, format the HA znode, then YARN,
// which needs only ZooKeeper), HDFS (start the JournalNodes, format nn1,
// start it, bootstrap the standbys) and, once nn1 is formatted, the
// DataNodes (they retry until a NameNode answers). The standby NameNodes
// and the ZKFCs come last, as in the guide. snap, when not nil, captures
// each branch's formatted state as soon as it is complete and nothing
// writes it: ZooKeeper's before the ResourceManagers use it, the
// JournalNodes' and NameNodes' before the ZKFCs make one active.
func (c *Cluster) bootstrap(ctx context.Context, snap *snapshotter) error {
	nns := c.topo.On(topology.NameNode)
	c.resetSteps()
	if err := c.startFirst(ctx); err != nil {
		return err
	}
	zk := c.sequence([]string{"start zookeeper ensemble", "format zkfc znode", "start resourcemanagers and nodemanagers"},
		c.startZooKeeper,
		func(ctx context.Context) error {
			if err := c.formatZK(ctx, nns[0]); err != nil {
				return err
			}
			return snap.capture(ctx, "zookeeper", topology.ZooKeeper)
		},
		c.startYARN)
	namenodes := c.sequence([]string{"start nn1", "bootstrap standby namenodes"},
		func(ctx context.Context) error { return c.startNameNode(ctx, nns[0]) },
		func(ctx context.Context) error {
			if err := parallel(ctx, each(nns[1:], func(ctx context.Context, h string) error {
				_, err := c.mustShell(ctx, h, "hdfs namenode -bootstrapStandby -nonInteractive")
				return err
			})...); err != nil {
				return err
			}
			return snap.capture(ctx, "hdfs", topology.JournalNode, topology.NameNode)
		})
	hdfsBranch := func(ctx context.Context) error {
		err := c.sequence([]string{"start journalnodes", "format nn1"},
			c.startJournalNodes,
			func(ctx context.Context) error {
				_, err := c.mustShell(ctx, nns[0], "hdfs namenode -format -nonInteractive -clusterid "+c.clusterID())
				return err
			})(ctx)
		if err != nil {
			return err
		}
		return parallel(ctx, namenodes, c.sequence([]string{"start datanodes"}, c.startDataNodes))
	}
	if err := parallel(ctx, zk, hdfsBranch); err != nil {
		return err
	}
	snap.build()
	err := c.sequence([]string{"start standby namenodes and zkfcs", "wait for HA ready"},
		func(ctx context.Context) error {
			return c.startNameNodes(ctx, nns[1:], c.topo.On(topology.ZKFC))
		},
		c.waitReady)(ctx)
	if err != nil {
		return err
	}
	return c.startAddons(ctx)
}

// resume is the guide's §7 second start on formatted state (a Restart, or
// a warm start from a snapshot): nothing formatted, every daemon started as
// soon as what it needs answers: the DataNodes at once, the NameNodes once
// the JournalNodes listen, YARN once ZooKeeper has a quorum.
func (c *Cluster) resume(ctx context.Context, keepSteps bool) error {
	if !keepSteps {
		c.resetSteps()
	}
	if err := c.startFirst(ctx); err != nil {
		return err
	}
	nns := c.topo.On(topology.NameNode)
	zkfcs := c.topo.On(topology.ZKFC)
	masters := func(ctx context.Context) error {
		err := c.step(ctx, "start zookeeper ensemble and journalnodes", func(ctx context.Context) error {
			return parallel(ctx, c.startZooKeeper, c.startJournalNodes)
		})
		if err != nil {
			return err
		}
		// Both NameNodes start at once, but only the first one's ZKFC
		// joins the election at first, so nn1 comes up active as on a
		// fresh start; the others' ZKFCs start once it is.
		return parallel(ctx,
			c.sequence([]string{"start namenodes and zkfcs"}, func(ctx context.Context) error {
				return c.startNameNodes(ctx, nns, zkfcs[:min(1, len(zkfcs))])
			}),
			c.sequence([]string{"start resourcemanagers and nodemanagers"}, c.startYARN))
	}
	if err := parallel(ctx, masters, c.sequence([]string{"start datanodes"}, c.startDataNodes)); err != nil {
		return err
	}
	if err := c.step(ctx, "wait for HA ready", c.waitReadyHadoop); err != nil {
		return err
	}
	return c.startAddons(ctx)
}

// startNameNodes starts the NameNodes nns and the ZKFCs first at once,
// waits for a single active NameNode, then starts the other ZKFCs.
func (c *Cluster) startNameNodes(ctx context.Context, nns, first []string) error {
	fns := append(each(nns, c.startNameNode), c.starts(topology.ZKFC, first...)...)
	if err := parallel(ctx, fns...); err != nil {
		return err
	}
	if err := c.WaitNameNodeActive(ctx); err != nil {
		return err
	}
	var later []string
	for _, h := range c.topo.On(topology.ZKFC) {
		if !slices.Contains(first, h) {
			later = append(later, h)
		}
	}
	return parallel(ctx, c.starts(topology.ZKFC, later...)...)
}

func (c *Cluster) startDataNodes(ctx context.Context) error {
	return c.startAll(ctx, topology.DataNode)
}

// startYARN starts the first ResourceManager and every NodeManager at once
// (NodeManagers retry until a ResourceManager answers), waits until it is
// active, so that it is the one that leads as on the guide's start, then
// starts the others.
func (c *Cluster) startYARN(ctx context.Context) error {
	rms := c.topo.On(topology.ResourceManager)
	if len(rms) == 0 {
		return c.startAll(ctx, topology.NodeManager)
	}
	fns := append(c.starts(topology.ResourceManager, rms[0]), c.starts(topology.NodeManager, c.topo.On(topology.NodeManager)...)...)
	if err := parallel(ctx, fns...); err != nil {
		return err
	}
	err := poll.Until(ctx, "resourcemanager on "+rms[0]+" active", 0, func(ctx context.Context) (bool, string, error) {
		st, err := observe.ProbeResourceManager(ctx, c.Addr(rms[0], config.PortRMWeb))
		if aerr := c.checkAlive(ctx, topology.ResourceManager, rms[:1]); aerr != nil {
			return false, "", poll.Permanent(aerr)
		}
		if err != nil {
			return false, "not answering", nil
		}
		return st.State == observe.StateActive, "state " + st.State, nil
	})
	if err != nil {
		return err
	}
	return parallel(ctx, c.starts(topology.ResourceManager, rms[1:]...)...)
}

func (c *Cluster) waitReady(ctx context.Context) error { return c.waitReadyHadoop(ctx) }

// waitReadyHadoop waits until Hadoop's part of the cluster is HA ready,
// before the add-ons start (their part of Ready cannot hold yet, and their
// daemons are not running).
func (c *Cluster) waitReadyHadoop(ctx context.Context) error {
	_, err := c.waitReadyWhere(ctx, true)
	return err
}

func (c *Cluster) resetSteps() {
	c.mu.Lock()
	c.steps = nil
	c.mu.Unlock()
}

// each makes one step function per host.
func each(hosts []string, fn func(ctx context.Context, h string) error) []stepFn {
	var out []stepFn
	for _, h := range hosts {
		out = append(out, func(ctx context.Context) error { return fn(ctx, h) })
	}
	return out
}

// starts makes one StartDaemon function per host for role r.
func (c *Cluster) starts(r topology.Role, hosts ...string) []stepFn {
	return each(hosts, func(ctx context.Context, h string) error { return c.StartDaemon(ctx, h, r) })
}

// startAll starts role r on every host that has it, at once.
func (c *Cluster) startAll(ctx context.Context, r topology.Role) error {
	return parallel(ctx, c.starts(r, c.topo.On(r)...)...)
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
				mode = ha.Down
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
		state := ha.Normalise(st.State)
		return state == ha.Standby || state == ha.Active, "state " + st.State, nil
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
	return c.checkAliveExcept(ctx, hosts, nil)
}

// checkAliveExcept is checkAllAlive for the roles but those skip names
// (not started yet).
func (c *Cluster) checkAliveExcept(ctx context.Context, hosts map[string]string, skip []topology.Role) error {
	for _, h := range c.topo.Hosts {
		if hosts[h] == "exited" || hosts[h] == "dead" {
			// Stopped by a fault, or killed by the kernel: only the
			// latter is an error worth stopping a wait for.
			if st, err := c.engine.Inspect(ctx, c.Container(h)); err == nil && st.OOMKilled {
				return fmt.Errorf("host %s (container %s) was killed for lack of memory: %w: give the engine more memory "+
					"(Docker Desktop, Colima and Podman machines run in a VM with a fixed size; the guide's cluster needs about %d MiB)",
					h, c.Container(h), docker.ErrOutOfMemory, estimateMemoryMiB(c.topo))
			}
		}
		if hosts[h] != "running" {
			continue
		}
		res, err := c.Shell(ctx, h, "ps -eo pid=,stat=,args=")
		if err != nil || res.ExitCode != 0 {
			continue
		}
		ps := parseProcesses(h, res.Stdout, c.topo.AllRoles())
		for _, r := range c.topo.RolesOf(h) {
			if slices.Contains(skip, r) {
				continue
			}
			if !slices.ContainsFunc(ps, func(p Process) bool { return p.Role == r }) {
				return fmt.Errorf("%s on %s exited:\n%s", r, h, c.logTail(ctx, h, r, 25))
			}
		}
	}
	return nil
}
