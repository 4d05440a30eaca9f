package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// HealReport says what Heal did.
type HealReport struct {
	// Actions are the repairs made, in order, each with the time since
	// Heal began, e.g. "+0.1s hadoop001: unpaused", "+0.3s hadoop003:
	// cleared 4 HH-FAULT rule(s)", "+2.0s hadoop001/namenode: started (not running)".
	Actions []string `json:"actions"`
	// Rounds is how many repair-and-check rounds it took.
	Rounds int           `json:"rounds"`
	Took   time.Duration `json:"took"`
	// Status is the HA-ready status Heal ended on (zero on failure).
	Status Status `json:"status"`
}

// HealRestartLimit is how many times one Heal starts the same daemon
// again before it stops trying and reports it.
const HealRestartLimit = 5

// HealRoundInterval is the time between two repair-and-check rounds.
const HealRoundInterval = time.Second

// StaleActiveGrace is how long Heal lets two NameNodes (or two
// ResourceManagers) both claim to be active before it kills the one the
// election lock does not name, as fencing would have (after a partition
// heals, the old active's ZKFC normally demotes it within a ZooKeeper
// session timeout or two, and a NameNode cut from the JournalNodes exits
// at its first edit); and how long it lets an election stay without an
// active while the lock names a standby before it kills that elector.
var StaleActiveGrace = 3 * time.Duration(config.Timing.ZKSessionTimeoutMS) * time.Millisecond

// Heal brings the cluster back to HA ready whatever was done to it and by
// whom (this process, another one, the CLI, or a daemon's own exit). Each
// round it undoes the faults this handle injected (newest first), unpauses
// paused hosts and starts stopped ones, clears every fault kind that lives
// inside a host (frozen JVMs, iptables chains, netem: fault.Clear), starts
// every daemon of the topology that is not running (a NameNode that shut
// itself down after losing its JournalNodes included, at most
// HealRestartLimit times each), kills a stale second active after
// StaleActiveGrace, then checks Status.Ready (confirmed by the admin
// commands). It retries until ready or ctx ends; give ctx a deadline.
//
// On failure the error names every daemon still not right, what Heal did
// to it, and its last log lines. Injections still active when Heal
// converges are marked healed: every fault kind has been undone, and the
// nameservice clients (HDFS) no longer skip a NameNode that timed out.
func (c *Cluster) Heal(ctx context.Context) (HealReport, error) {
	start := time.Now()
	h := &healer{c: c, start: start, restarts: map[topology.Daemon]int{}, clean: map[string]bool{}}
	var ready Status
	err := poll.Until(ctx, "heal: HA ready", HealRoundInterval, func(ctx context.Context) (bool, string, error) {
		h.rounds++
		if err := h.repair(ctx); err != nil {
			return false, "", poll.Permanent(err)
		}
		s, err := c.Status(ctx, StatusOptions{})
		h.last = s
		if err != nil {
			return false, s.String(), err
		}
		if rerr := s.Ready(); rerr != nil {
			h.fenceStale(ctx, s)
			h.unwedge(ctx, s)
			if len(h.errs) > 0 {
				rerr = errors.Join(append([]error{rerr}, h.errs...)...)
			}
			return false, oneLine(rerr), nil
		}
		h.twoActive, h.stuck = nil, nil
		s, err = c.Status(ctx, StatusOptions{CLI: true})
		h.last = s
		if err != nil {
			return false, s.String(), err
		}
		if rerr := s.Ready(); rerr != nil {
			return false, oneLine(rerr), nil
		}
		ready = s
		return true, "", nil
	})
	rep := HealReport{Actions: h.actions, Rounds: h.rounds, Took: time.Since(start), Status: ready}
	if err != nil {
		c.events.add(Event{Kind: EventFault, State: "heal-failed", Detail: oneLine(err)})
		return rep, h.failure(err)
	}
	h.markHealed()
	// Every NameNode answers again: the nameservice clients stop skipping one.
	c.quarantine.clear()
	c.events.add(Event{Kind: EventFault, State: "heal-converged",
		Detail: fmt.Sprintf("%d round(s), %d action(s), %v", rep.Rounds, len(rep.Actions), rep.Took.Round(time.Millisecond))})
	c.log.Info("healed", "rounds", rep.Rounds, "actions", len(rep.Actions), "took", rep.Took.Round(time.Millisecond))
	return rep, nil
}

type healer struct {
	c        *Cluster
	start    time.Time
	rounds   int
	actions  []string
	restarts map[topology.Daemon]int
	// clean marks hosts whose fault residue was found empty since they last ran.
	clean map[string]bool
	// twoActive is when two daemons of a role were first seen active;
	// stuck when a role was first seen with no active and a lock holder
	// that stays standby.
	twoActive, stuck map[topology.Role]time.Time
	// noCandidate is when every ResourceManager was first seen standby
	// with none holding the election lock (unwedgeNoCandidate).
	noCandidate time.Time
	// missing are the daemons not running at the last round; errs the last round's repair errors.
	missing []topology.Daemon
	errs    []error
	last    Status
}

func (h *healer) did(format string, args ...any) {
	a := fmt.Sprintf("+%.1fs %s", time.Since(h.start).Seconds(), fmt.Sprintf(format, args...))
	h.actions = append(h.actions, a)
	h.c.log.Info("heal", "action", a)
}

// repair is one round of undoing: every step runs even if an earlier one
// failed; their errors are kept in h.errs for the next check and the
// failure message. It returns an error only when no retry can mend it.
func (h *healer) repair(ctx context.Context) error {
	c := h.c
	var healed []string
	healed, h.errs = c.healInjections(ctx)
	for _, l := range healed {
		h.did("undid %s", l)
	}
	views, err := c.refresh(ctx)
	if err != nil {
		h.errs = append(h.errs, err)
		return nil
	}
	for _, host := range c.topo.Hosts {
		switch st := views[host].State; st {
		case "running":
		case "paused":
			if err := c.engine.Unpause(ctx, c.Container(host)); err != nil {
				h.errs = append(h.errs, fmt.Errorf("unpause %s: %w", host, err))
				continue
			}
			h.did("%s: unpaused", host)
			c.events.add(Event{Kind: EventHost, Daemon: host, State: string(fault.HostUnpause)})
		case "missing":
			return fmt.Errorf("host %s: its container %s is gone: nothing can heal that; remove the cluster (`haharness down --name %s`) and start a new one",
				host, c.Container(host), c.name)
		default: // exited, created, dead
			if err := c.startHosts(ctx, host); err != nil {
				h.errs = append(h.errs, fmt.Errorf("start host %s (%s): %w", host, st, err))
				continue
			}
			h.clean[host] = false
			h.did("%s: started host (was %s)", host, st)
			c.events.add(Event{Kind: EventHost, Daemon: host, State: "started"})
		}
	}
	// Started hosts publish their ports anew.
	if views, err = c.refresh(ctx); err != nil {
		h.errs = append(h.errs, err)
		return nil
	}
	h.missing = nil
	var up []string
	for _, host := range c.topo.Hosts {
		if views[host].State != "running" {
			continue
		}
		up = append(up, host)
		if !h.clean[host] {
			found, err := fault.Clear(ctx, runtime{c}, host)
			if err != nil {
				h.errs = append(h.errs, err)
			} else {
				h.clean[host] = true
				if !found.Zero() {
					h.did("%s: cleared %s", host, found)
				}
			}
		}
	}
	h.startMissing(ctx, up)
	return nil
}

// startMissing starts the daemons of the running hosts that are not
// running, role by role across hosts (ZooKeeper and JournalNodes before
// NameNodes...), as the guide's second start does.
func (h *healer) startMissing(ctx context.Context, hosts []string) {
	c := h.c
	running := map[string][]Process{}
	for _, host := range hosts {
		ps, err := c.Processes(ctx, host)
		if err != nil {
			h.errs = append(h.errs, err)
			continue
		}
		running[host] = ps
	}
	for _, r := range c.topo.AllRoles() {
		for _, host := range c.topo.On(r) {
			ps, ok := running[host]
			if !ok || slices.ContainsFunc(ps, func(p Process) bool { return p.Role == r }) {
				continue
			}
			d := topology.Daemon{Host: host, Role: r}
			h.missing = append(h.missing, d)
			if h.restarts[d] >= HealRestartLimit {
				continue
			}
			h.restarts[d]++
			if err := c.StartDaemon(ctx, host, r); err != nil {
				h.errs = append(h.errs, err)
				continue
			}
			h.did("%s: started (not running)", d)
		}
	}
}

// unwedge handles an election stuck with no active for StaleActiveGrace
// while the lock names a daemon that stays standby: its ZKFC (for a
// NameNode) won the election and never made it active — seen when sshfence
// never returns (the ZKFC waits on the ssh channel forever). The lock
// holder's elector is killed, and so the lock freed; the next round starts
// it again.
func (h *healer) unwedge(ctx context.Context, s Status) {
	if h.stuck == nil {
		h.stuck = map[topology.Role]time.Time{}
	}
	for _, x := range []struct {
		g       ha.Group
		elector topology.Role
		why     string
	}{
		{s.HA(topology.NameNode), topology.ZKFC, "the ZKFC of %s holds the election lock but its NameNode stayed standby"},
		{s.HA(topology.ResourceManager), topology.ResourceManager, "%s holds the election lock but stayed standby"},
	} {
		role, holder := x.g.Role, x.g.Lock
		m, _ := x.g.Member(holder)
		elector := topology.Daemon{Host: m.Host, Role: x.elector}
		if x.g.Active() != "" || m.State != ha.Standby || elector.Host == "" {
			delete(h.stuck, role)
			continue
		}
		since, ok := h.stuck[role]
		if !ok {
			h.stuck[role] = time.Now()
			continue
		}
		if time.Since(since) < StaleActiveGrace {
			continue
		}
		if _, err := h.c.mustShell(ctx, elector.Host, fmt.Sprintf("pkill -KILL -f -- '-Dproc_%s( |$)'; true", elector.Role)); err != nil {
			h.errs = append(h.errs, err)
			continue
		}
		h.did("%s: killed it: %s for %v (an election that never completes)", elector, fmt.Sprintf(x.why, holder), StaleActiveGrace)
		delete(h.stuck, role)
	}
	h.unwedgeNoCandidate(ctx, s)
}

// NoCandidateGrace is how long Heal lets every ResourceManager stay standby
// with none holding the election lock before it restarts them
// (unwedgeNoCandidate): well past an election (seconds) and a ZooKeeper
// session expiry (5 s).
var NoCandidateGrace = 2 * StaleActiveGrace

// unwedgeNoCandidate restarts the ResourceManagers when every one runs,
// none is active and none holds the election lock for NoCandidateGrace:
// none is standing in the election any more. Seen after
// yarn-11839-fenced-rm-does-not-stay-active's flip-flops on 3.5.0: rm1
// went standby on a fenced state store (its admin service down), rm2 lost
// ZooKeeper while cut off, and neither joined the election again once
// ZooKeeper was back; an election in progress takes seconds, a session
// expiry 5 s. Killing them frees nothing of their state (ZKRMStateStore
// keeps it); the next round starts them again (startMissing), as
// standbys that join the election.
func (h *healer) unwedgeNoCandidate(ctx context.Context, s Status) {
	g := s.HA(topology.ResourceManager)
	if len(g.Members) < 2 || g.Lock != "" || len(g.Standbys()) != len(g.Members) {
		h.noCandidate = time.Time{}
		return
	}
	if h.noCandidate.IsZero() {
		h.noCandidate = time.Now()
		return
	}
	if time.Since(h.noCandidate) < NoCandidateGrace {
		return
	}
	for _, m := range g.Members {
		d := topology.Daemon{Host: m.Host, Role: topology.ResourceManager}
		if _, err := h.c.mustShell(ctx, d.Host, "pkill -KILL -f -- '-Dproc_resourcemanager( |$)'; true"); err != nil {
			h.errs = append(h.errs, err)
			continue
		}
		h.did("%s: killed it: every ResourceManager standby and none holding the election lock for %v (none in the election)", d, NoCandidateGrace)
	}
	h.noCandidate = time.Time{}
}

// fenceStale kills the second active of a role once two have claimed
// active for StaleActiveGrace: the one the election lock does not name.
func (h *healer) fenceStale(ctx context.Context, s Status) {
	if h.twoActive == nil {
		h.twoActive = map[topology.Role]time.Time{}
	}
	for _, g := range []ha.Group{s.HA(topology.NameNode), s.HA(topology.ResourceManager)} {
		actives := g.Actives()
		if !g.SplitBrain() || !slices.Contains(actives, g.Lock) {
			delete(h.twoActive, g.Role)
			continue
		}
		since, ok := h.twoActive[g.Role]
		if !ok {
			h.twoActive[g.Role] = time.Now()
			continue
		}
		if time.Since(since) < StaleActiveGrace {
			continue
		}
		for _, id := range actives {
			if id == g.Lock {
				continue
			}
			m, _ := g.Member(id)
			d := topology.Daemon{Host: m.Host, Role: g.Role}
			if _, err := h.c.mustShell(ctx, d.Host, fmt.Sprintf("pkill -KILL -f -- '-Dproc_%s( |$)'; true", g.Role)); err != nil {
				h.errs = append(h.errs, err)
				continue
			}
			h.did("%s: killed stale active %s after %v (the election lock names %s)", d, id, StaleActiveGrace, g.Lock)
		}
		delete(h.twoActive, g.Role)
	}
}

// markHealed marks the injections still active as healed: Heal converged,
// so every fault kind has been undone.
func (h *healer) markHealed() {
	c := h.c
	for _, in := range c.Active() {
		in.mu.Lock()
		in.healed = true
		in.mu.Unlock()
		c.events.add(Event{Kind: EventFault, State: "healed", Detail: in.label() + " (by the cluster-wide heal)"})
	}
	c.mu.Lock()
	c.active = nil
	c.mu.Unlock()
}

// failure explains a heal that did not converge: the wait's error, what is
// still not right (with what Heal did to each), and their last log lines.
func (h *healer) failure(err error) error {
	c := h.c
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "heal %s: not HA ready after %d round(s): %v", c.name, h.rounds, err)
	bad := h.notRight()
	if len(bad) > 0 {
		b.WriteString("\nstill not right:")
		for _, x := range bad {
			fmt.Fprintf(&b, "\n  %s: %s", x.name(), x.why)
			if n := h.restarts[x.daemon]; n > 0 {
				fmt.Fprintf(&b, " (heal started it %d time(s))", n)
			}
		}
	}
	if len(h.last.NameNodes) > 0 {
		if rerr := h.last.Ready(); rerr != nil {
			fmt.Fprintf(&b, "\nHA not ready: %s", oneLine(rerr))
		}
	}
	for _, e := range h.errs {
		fmt.Fprintf(&b, "\nlast repair error: %v", e)
	}
	for _, in := range c.Active() {
		fmt.Fprintf(&b, "\nfault still recorded as active: %s", in.label())
	}
	for _, x := range bad {
		if x.daemon.Role == "" {
			continue
		}
		fmt.Fprintf(&b, "\nlast log lines of %s:\n%s", x.daemon, c.logTail(ctx, x.daemon.Host, x.daemon.Role, 12))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", b.String(), context.DeadlineExceeded)
	}
	return errors.New(b.String())
}

type notRight struct {
	daemon topology.Daemon // Role is empty for a whole host
	why    string
}

func (x notRight) name() string {
	if x.daemon.Role == "" {
		return x.daemon.Host
	}
	return x.daemon.String()
}

// notRight lists the daemons the last round found not running, and those
// the last status found in a state HA ready does not allow.
func (h *healer) notRight() []notRight {
	var out []notRight
	add := func(d topology.Daemon, why string) {
		if !slices.ContainsFunc(out, func(x notRight) bool { return x.daemon == d }) {
			out = append(out, notRight{d, why})
		}
	}
	for _, d := range h.missing {
		add(d, "not running")
	}
	for host, st := range h.last.Hosts {
		if st != "running" {
			add(topology.Daemon{Host: host}, "host is "+st)
		}
	}
	for _, g := range []ha.Group{h.last.HA(topology.NameNode), h.last.HA(topology.ResourceManager)} {
		for _, m := range g.Members {
			if m.State != ha.Active && m.State != ha.Standby {
				add(topology.Daemon{Host: m.Host, Role: g.Role}, m.ID+" is "+m.State)
			}
		}
	}
	for _, z := range h.last.ZooKeeper {
		if z.Mode != "leader" && z.Mode != "follower" {
			add(topology.Daemon{Host: z.Host, Role: topology.ZooKeeper}, "zookeeper is "+z.Mode)
		}
	}
	slices.SortStableFunc(out, func(a, b notRight) int { return strings.Compare(a.name(), b.name()) })
	return out
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// FaultResidue returns what faults have left inside running host h, whoever
// injected them: frozen JVMs, iptables rules of the fault chains, netem
// qdiscs (fault.Residue). After a Heal that converged it is zero.
func (c *Cluster) FaultResidue(ctx context.Context, h string) (fault.Residue, error) {
	return fault.Residues(ctx, runtime{c}, h)
}
