package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Injection is a fault in effect on a cluster. Heal undoes it.
type Injection struct {
	ID      int       `json:"id"`
	Fault   string    `json:"fault"`
	Targets []string  `json:"targets"`
	Start   time.Time `json:"start"`

	c *Cluster
	// mu serialises Heal; applied forgets its undo once it succeeded.
	mu      sync.Mutex
	applied fault.Applied
	healed  bool
}

// Heal undoes the fault and records its end. Healing twice is harmless. If
// undoing fails, the injection stays active (Cluster.Active lists it) and
// the next Heal or HealAll tries again.
func (in *Injection) Heal(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.healed {
		return nil
	}
	if err := in.applied.Heal(ctx, runtime{in.c}); err != nil {
		in.c.events.add(Event{Kind: EventFault, State: "heal-failed", Detail: in.label() + ": " + err.Error()})
		return fmt.Errorf("heal %s: %w", in.label(), err)
	}
	in.healed = true
	in.c.events.add(Event{Kind: EventFault, State: "healed", Detail: in.label()})
	in.c.mu.Lock()
	in.c.active = slices.DeleteFunc(in.c.active, func(x *Injection) bool { return x == in })
	in.c.mu.Unlock()
	return nil
}

func (in *Injection) label() string {
	return fmt.Sprintf("%s => %s", in.Fault, strings.Join(in.Targets, " "))
}

// Inject applies f, resolving its selectors against the cluster's state now,
// records it in the event history, and returns once the fault is in effect.
// Heal it with Injection.Heal or HealAll; Destroy does not need it healed.
func (c *Cluster) Inject(ctx context.Context, f fault.Fault) (*Injection, error) {
	start := time.Now()
	applied, err := f.Inject(ctx, runtime{c})
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", f, err)
	}
	c.mu.Lock()
	c.nextID++
	in := &Injection{ID: c.nextID, Fault: f.String(), Targets: applied.Targets, Start: start, c: c, applied: applied}
	c.active = append(c.active, in)
	c.mu.Unlock()
	c.events.add(Event{Time: start, Kind: EventFault, State: "injected", Detail: in.label()})
	c.log.Info("fault injected", "fault", f.String(), "targets", applied.Targets, "took", time.Since(start).Round(time.Millisecond))
	return in, nil
}

// Active returns the faults in effect.
func (c *Cluster) Active() []*Injection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.active)
}

// HealAll heals every fault: it is Heal, which first undoes the faults this
// handle injected (newest first), then every fault kind whoever injected
// it, restarts whatever is down and waits for HA ready.
func (c *Cluster) HealAll(ctx context.Context) error {
	_, err := c.Heal(ctx)
	return err
}

// healInjections heals the recorded injections newest first and returns
// the labels of those healed and the errors of those that stay active.
func (c *Cluster) healInjections(ctx context.Context) (healed []string, errs []error) {
	act := c.Active()
	slices.Reverse(act)
	for _, in := range act {
		if err := in.Heal(ctx); err != nil {
			errs = append(errs, err)
			continue
		}
		healed = append(healed, in.label())
	}
	return healed, errs
}

// runtime adapts *Cluster to fault.Runtime.
type runtime struct{ c *Cluster }

var _ fault.Runtime = runtime{}

func (r runtime) Shell(ctx context.Context, host, script string) (string, int, error) {
	res, err := r.c.Shell(ctx, host, script)
	return res.Stdout + res.Stderr, res.ExitCode, err
}

func (r runtime) IP(host string) string { return r.c.IP(host) }

// StartDaemon starts role on h again, unless role is a process kind an
// add-on's system restarts itself (fault.Extension.Managed: YARN restarts
// a killed ApplicationMaster).
func (r runtime) StartDaemon(ctx context.Context, h string, role topology.Role) error {
	if fault.Managed(role, registry().Selectors()...) {
		return nil
	}
	return r.c.StartDaemon(ctx, h, role)
}

func (r runtime) Resolve(ctx context.Context, s fault.Selector) ([]topology.Daemon, error) {
	return r.c.Resolve(ctx, s)
}

func (r runtime) Host(ctx context.Context, h string, a fault.HostAction) error {
	return r.c.HostAction(ctx, h, a)
}

// HostAction performs an engine action on host h. HostStart also starts the
// host's daemons in role order.
func (c *Cluster) HostAction(ctx context.Context, h string, a fault.HostAction) error {
	if !slices.Contains(c.topo.Hosts, h) {
		return fmt.Errorf("%s %q: unknown host: hosts are %v", a, h, c.topo.Hosts)
	}
	name := c.Container(h)
	var err error
	switch a {
	case fault.HostKill:
		err = c.engine.Kill(ctx, name, "KILL")
	case fault.HostStop:
		err = c.engine.Stop(ctx, name, 10)
	case fault.HostPause:
		err = c.engine.Pause(ctx, name)
	case fault.HostUnpause:
		st, ierr := c.engine.Inspect(ctx, name)
		if ierr == nil && !st.Paused {
			return nil
		}
		err = c.engine.Unpause(ctx, name)
	case fault.HostStart:
		st, ierr := c.engine.Inspect(ctx, name)
		if ierr != nil {
			return ierr
		}
		if !st.Running {
			if err := c.startHosts(ctx, h); err != nil {
				return err
			}
			// A restarted host publishes its ports anew, on new host ports.
			if _, err := c.refresh(ctx); err != nil {
				return err
			}
		}
		for _, r := range c.topo.RolesOf(h) {
			ps, err := c.Processes(ctx, h)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(ps, func(p Process) bool { return p.Role == r }) {
				continue
			}
			if err := c.StartDaemon(ctx, h, r); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown host action %q", a)
	}
	if err != nil {
		return err
	}
	c.events.add(Event{Kind: EventHost, Daemon: h, State: string(a)})
	return nil
}
