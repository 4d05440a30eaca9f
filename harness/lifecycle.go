package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/haharness/haharness/internal/docker"
)

// Stop shuts the cluster down the way an operator would: daemons stopped
// gracefully in reverse start order, then the host containers stopped. Data,
// metadata and HA state stay; Restart brings the cluster back.
func (c *Cluster) Stop(ctx context.Context) error {
	roles := c.topo.AllRoles()
	slices.Reverse(roles)
	var errs []error
	for _, r := range roles {
		for _, h := range c.topo.On(r) {
			if st, err := c.engine.Inspect(ctx, c.Container(h)); err != nil || !st.Running || st.Paused {
				continue
			}
			if err := c.StopDaemon(ctx, h, r); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, h := range c.topo.Hosts {
		if err := c.engine.Stop(ctx, c.Container(h), 10); err != nil {
			errs = append(errs, fmt.Errorf("stop host %s: %w", h, err))
		}
		c.events.add(Event{Kind: EventHost, Daemon: h, State: "stopped"})
	}
	return errors.Join(errs...)
}

// Restart starts a stopped cluster again without formatting anything (the
// guide's §7): hosts, then ZooKeeper, JournalNodes, NameNodes, ZKFCs,
// DataNodes, ResourceManagers and NodeManagers, and waits for HA ready.
func (c *Cluster) Restart(ctx context.Context) error {
	for _, h := range c.topo.Hosts {
		c.events.add(Event{Kind: EventHost, Daemon: h, State: "started"})
	}
	if err := c.startHosts(ctx, c.topo.Hosts...); err != nil {
		return fmt.Errorf("start hosts: %w", err)
	}
	// Restarted hosts publish their ports on new host ports.
	if err := c.checkReachable(ctx); err != nil {
		return err
	}
	return c.resume(ctx, false)
}

// startHosts starts the stopped or killed containers of hosts, each then
// announcing its address (docker.AnnounceCommand: a restarted container's
// published ports may otherwise forward nowhere for a while).
func (c *Cluster) startHosts(ctx context.Context, hosts ...string) error {
	for _, h := range hosts {
		if err := c.engine.Start(ctx, c.Container(h)); err != nil {
			return err
		}
		res, err := c.engine.Exec(ctx, c.Container(h), docker.AnnounceCommand, docker.ExecOptions{})
		if err != nil || res.ExitCode != 0 {
			c.log.Warn("host did not announce its address: its published ports may not forward until the engine host's ARP entry expires",
				"host", h, "err", err, "output", res.Combined())
		}
	}
	return nil
}
