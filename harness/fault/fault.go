// Package fault defines the failures haharness injects into a running
// cluster — kill or freeze one daemon, kill, stop or freeze a whole host, cut
// the network between hosts (both ways, one way, only some ports), degrade
// links with delay, jitter and loss, and skew a host's wall clock — each
// with Inject and Heal.
//
// Inject returns once the fault is mechanically in effect (the process is
// gone or stopped, the container frozen, the iptables rules or netem qdisc
// present). What the cluster does about it is for the caller to observe.
// Heal undoes it and is idempotent.
//
// Faults name their targets with selectors (Selector) that the runtime
// resolves at injection time: "active-namenode", "zookeeper-leader",
// "journalnode-minority", "hadoop001", "hadoop001/namenode".
//
// Each kind is described once, in Registry (kinds.go, registry.go): its
// parameters, CLI command and nemesis aims, and how to build it; scenario
// files, the CLI and the soak read it.
//
// Layering: imports harness/topology, harness/config (for ports) and
// internal/poll; it drives the
// cluster through the small Runtime interface, which *harness.Cluster
// implements, so it is testable with a fake runtime.
package fault

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// HostAction is an engine-level action on a host container.
type HostAction string

// Host actions.
const (
	HostKill    HostAction = "kill"    // SIGKILL every process (docker kill)
	HostStop    HostAction = "stop"    // SIGTERM, then SIGKILL (docker stop)
	HostStart   HostAction = "start"   // start the container and the host's daemons
	HostPause   HostAction = "pause"   // cgroup freezer (docker pause)
	HostUnpause HostAction = "unpause" // thaw
)

// Runtime is what faults need from a cluster.
type Runtime interface {
	// Shell runs a bash script on a host and returns stdout and the exit code.
	Shell(ctx context.Context, host, script string) (stdout string, exit int, err error)
	// Host performs an engine action on a host container.
	Host(ctx context.Context, host string, a HostAction) error
	// StartDaemon starts role r on host h.
	StartDaemon(ctx context.Context, h string, r topology.Role) error
	// Resolve turns a selector into daemons, using the cluster's live state.
	Resolve(ctx context.Context, s Selector) ([]topology.Daemon, error)
	// IP returns a host's address on the cluster network.
	IP(host string) string
}

// Fault is one injectable failure.
type Fault interface {
	// Kind is the stable kebab-case name of the fault's kind, its Kind's
	// Name in Registry (kill-daemon...).
	Kind() string
	// String describes the fault with its selectors, e.g. "kill-daemon KILL active-namenode".
	String() string
	// Inject applies the fault and returns once it is in effect. It returns
	// what it resolved its selectors to, so the injection is recorded exactly.
	Inject(ctx context.Context, rt Runtime) (Applied, error)
}

// Applied is an injected fault: its resolved targets and how to heal it.
type Applied struct {
	// Targets describes what the selectors resolved to, e.g. "hadoop001/namenode".
	Targets []string
	heal    func(ctx context.Context, rt Runtime) error
}

// Heal undoes the fault. Calling it twice is harmless.
func (a *Applied) Heal(ctx context.Context, rt Runtime) error {
	if a.heal == nil {
		return nil
	}
	h := a.heal
	if err := h(ctx, rt); err != nil {
		return err
	}
	a.heal = nil
	return nil
}

// ---- daemon faults ---------------------------------------------------------

// KillDaemon signals one daemon's JVM (only it: a NameNode's ZKFC lives on).
// Heal starts it again if it is not running.
type KillDaemon struct {
	Target Selector
	// Signal is KILL (default) or TERM.
	Signal string
}

func (f KillDaemon) Kind() string { return KindKillDaemon }
func (f KillDaemon) String() string {
	return fmt.Sprintf("kill-daemon %s %s", f.signal(), f.Target)
}

func (f KillDaemon) signal() string {
	if f.Signal == "" {
		return "KILL"
	}
	return strings.TrimPrefix(strings.ToUpper(f.Signal), "SIG")
}

func (f KillDaemon) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	ds, err := resolveDaemons(ctx, rt, f.Target)
	if err != nil {
		return Applied{}, err
	}
	sig := f.signal()
	if sig != "KILL" && sig != "TERM" {
		return Applied{}, fmt.Errorf("kill-daemon: signal %q: use KILL or TERM", f.Signal)
	}
	for _, d := range ds {
		if _, err := mustShell(ctx, rt, d.Host, fmt.Sprintf("pkill -%s -f -- '-Dproc_%s( |$)'", sig, d.Role)); err != nil {
			return Applied{}, fmt.Errorf("kill %s: %w", d, err)
		}
		if err := waitGone(ctx, rt, d); err != nil {
			return Applied{}, err
		}
	}
	return Applied{Targets: names(ds), heal: func(ctx context.Context, rt Runtime) error {
		for _, d := range ds {
			running, err := daemonRunning(ctx, rt, d)
			if err != nil {
				return fmt.Errorf("restart %s: %w", d, err)
			}
			if running {
				continue
			}
			if err := rt.StartDaemon(ctx, d.Host, d.Role); err != nil {
				return fmt.Errorf("restart %s: %w", d, err)
			}
		}
		return nil
	}}, nil
}

// FreezeDaemon stops one daemon's JVM with SIGSTOP, like a very long GC
// pause, until healed (SIGCONT).
type FreezeDaemon struct{ Target Selector }

func (f FreezeDaemon) Kind() string   { return KindFreezeDaemon }
func (f FreezeDaemon) String() string { return "freeze-daemon " + string(f.Target) }

func (f FreezeDaemon) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	ds, err := resolveDaemons(ctx, rt, f.Target)
	if err != nil {
		return Applied{}, err
	}
	for _, d := range ds {
		if _, err := mustShell(ctx, rt, d.Host, signalScript(d.Role, "STOP")); err != nil {
			return Applied{}, fmt.Errorf("freeze %s: %w", d, err)
		}
		if err := waitProcState(ctx, rt, d, "T", "frozen"); err != nil {
			return Applied{}, err
		}
	}
	return Applied{Targets: names(ds), heal: func(ctx context.Context, rt Runtime) error {
		for _, d := range ds {
			if _, _, err := rt.Shell(ctx, d.Host, signalScript(d.Role, "CONT")); err != nil {
				return fmt.Errorf("thaw %s: %w", d, err)
			}
		}
		return nil
	}}, nil
}

func signalScript(r topology.Role, sig string) string {
	return fmt.Sprintf("pids=$(pgrep -f -- '-Dproc_%s( |$)') && kill -%s $pids", r, sig)
}

// ---- host faults -----------------------------------------------------------

// KillHost kills every process of a host at once (power loss). Heal starts
// the host and its daemons again.
type KillHost struct{ Target Selector }

func (f KillHost) Kind() string   { return KindKillHost }
func (f KillHost) String() string { return "kill-host " + string(f.Target) }
func (f KillHost) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	return hostFault(ctx, rt, f.Target, HostKill, HostStart)
}

// StopHost shuts a host down gracefully (SIGTERM to everything). Heal
// starts it and its daemons again.
type StopHost struct{ Target Selector }

func (f StopHost) Kind() string   { return KindStopHost }
func (f StopHost) String() string { return "stop-host " + string(f.Target) }
func (f StopHost) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	return hostFault(ctx, rt, f.Target, HostStop, HostStart)
}

// FreezeHost freezes every process of a host (cgroup freezer) until healed.
type FreezeHost struct{ Target Selector }

func (f FreezeHost) Kind() string   { return KindFreezeHost }
func (f FreezeHost) String() string { return "freeze-host " + string(f.Target) }
func (f FreezeHost) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	return hostFault(ctx, rt, f.Target, HostPause, HostUnpause)
}

func hostFault(ctx context.Context, rt Runtime, s Selector, do, undo HostAction) (Applied, error) {
	hosts, err := resolveHosts(ctx, rt, s)
	if err != nil {
		return Applied{}, err
	}
	for _, h := range hosts {
		if err := rt.Host(ctx, h, do); err != nil {
			return Applied{}, fmt.Errorf("%s host %s: %w", do, h, err)
		}
	}
	return Applied{Targets: hosts, heal: func(ctx context.Context, rt Runtime) error {
		for _, h := range hosts {
			if err := rt.Host(ctx, h, undo); err != nil {
				return fmt.Errorf("%s host %s: %w", undo, h, err)
			}
		}
		return nil
	}}, nil
}

// ---- helpers ---------------------------------------------------------------

func names(ds []topology.Daemon) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

func resolveDaemons(ctx context.Context, rt Runtime, s Selector) ([]topology.Daemon, error) {
	ds, err := rt.Resolve(ctx, s)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.Role == "" {
			return nil, fmt.Errorf("selector %q names a host; this fault needs a daemon (e.g. %s/namenode)", s, d.Host)
		}
	}
	return ds, nil
}

// resolveHosts returns the distinct hosts of a selector's daemons.
func resolveHosts(ctx context.Context, rt Runtime, s Selector) ([]string, error) {
	ds, err := rt.Resolve(ctx, s)
	if err != nil {
		return nil, err
	}
	var hosts []string
	for _, d := range ds {
		if !slices.Contains(hosts, d.Host) {
			hosts = append(hosts, d.Host)
		}
	}
	return hosts, nil
}

func mustShell(ctx context.Context, rt Runtime, host, script string) (string, error) {
	out, code, err := rt.Shell(ctx, host, script)
	if err != nil {
		return out, err
	}
	if code != 0 {
		return out, fmt.Errorf("%s on %s: exit %d: %s", script, host, code, strings.TrimSpace(out))
	}
	return out, nil
}

// procStates returns the ps state letters of role r's JVMs on a host.
func procStates(ctx context.Context, rt Runtime, d topology.Daemon) ([]string, error) {
	out, _, err := rt.Shell(ctx, d.Host, fmt.Sprintf("for p in $(pgrep -f -- '-Dproc_%s( |$)'); do ps -o stat= -p $p; done", d.Role))
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

func daemonRunning(ctx context.Context, rt Runtime, d topology.Daemon) (bool, error) {
	st, err := procStates(ctx, rt, d)
	return len(st) > 0, err
}

func waitGone(ctx context.Context, rt Runtime, d topology.Daemon) error {
	return poll.Until(ctx, d.String()+" gone", 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		st, err := procStates(ctx, rt, d)
		if err != nil {
			return false, "", err
		}
		return len(st) == 0, fmt.Sprintf("process states %v", st), nil
	})
}

func waitProcState(ctx context.Context, rt Runtime, d topology.Daemon, prefix, what string) error {
	return poll.Until(ctx, d.String()+" "+what, 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		st, err := procStates(ctx, rt, d)
		if err != nil {
			return false, "", err
		}
		if len(st) == 0 {
			return false, "", poll.Permanent(fmt.Errorf("%s is not running", d))
		}
		for _, s := range st {
			if !strings.HasPrefix(s, prefix) {
				return false, fmt.Sprintf("process states %v", st), nil
			}
		}
		return true, "", nil
	})
}
