package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"

	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// AnyActive, as ResetOptions.NameNode or ResetOptions.ResourceManager,
// leaves whichever daemon of that role is active.
const AnyActive = "any"

// ErrResetOptions is wrapped by Reset's error when its options do not fit
// the cluster (an unknown NameNode id, a relative path): Reset then
// changed nothing.
var ErrResetOptions = errors.New("invalid reset options")

// ResetOptions tune Reset. The zero value makes the first NameNode and
// the first ResourceManager of the topology active (nn1 and rm1) and
// deletes everything in HDFS.
type ResetOptions struct {
	// NameNode is the id of the NameNode to leave active ("nn2"). Default
	// ("") the topology's first (nn1); AnyActive leaves whichever is active.
	NameNode string
	// ResourceManager is the id of the ResourceManager to leave active
	// ("rm2"). Default ("") the topology's first (rm1); AnyActive leaves
	// whichever is active.
	ResourceManager string
	// KeepPaths are absolute HDFS paths Reset keeps, each with everything
	// under it (and the directories leading to it).
	KeepPaths []string
}

// ResetReport says what Reset did.
type ResetReport struct {
	// Actions are Reset's phases in order, each with the time since Reset
	// began, what it did (or found already so) and how long it took, e.g.
	// "+0.0s heal: HA ready after 1 round(s), 0 repair(s) (2.1s)", "+2.1s
	// namenode: failover nn2 -> nn1 (hdfs haadmin -failover, through the
	// ZKFCs) (4.3s)", "+6.4s resourcemanager: stopped active rm2 on
	// hadoop003, rm1 took over, started rm2 again (9.8s)", "+16.2s hdfs:
	// deleted 1 path(s): /e2e (0.2s)", "+16.4s HA ready (6.0s)" (this one
	// only when an active was changed).
	Actions []string `json:"actions"`
	// Heal is the report of the Heal Reset began with.
	Heal HealReport `json:"heal"`
	// Deleted are the HDFS paths deleted, each with everything under it.
	Deleted []string      `json:"deleted"`
	Took    time.Duration `json:"took"`
	// Status is the HA-ready status Reset ended on (zero on failure).
	Status Status `json:"status"`
}

// Reset brings the cluster back to the state a test wants to begin from,
// so one cluster can serve many tests (harnesstest.Shared):
//
//  1. Heal: every fault undone, whoever injected it, and HA ready.
//  2. The wanted NameNode active (o.NameNode, default nn1): if another one
//     is, `hdfs haadmin -failover CURRENT WANTED` on the wanted one's host
//     (with automatic failover, a graceful failover through the ZKFCs),
//     then a wait until its JMX says active and the ZooKeeper lock names it.
//  3. The wanted ResourceManager active (o.ResourceManager, default rm1):
//     if another one is, that one is stopped, Reset waits until the wanted
//     one is active and the YARN lock names it, then starts the stopped one
//     again (it comes back as standby).
//  4. HDFS as Start leaves it (an add-on's own paths, addon.Module.Keep,
//     are always kept): Start writes nothing to HDFS (the format
//     creates the root directory only, and the daemons create their own
//     directories, such as /tmp/hadoop-yarn/staging and /tmp/logs, when a
//     job needs them, again after they were deleted), so every entry of /
//     is deleted but o.KeepPaths, each with everything under it.
//  5. HA ready again (WaitReady, cross-checked with the admin commands),
//     when step 2 or 3 changed an active; else the heal's HA-ready status
//     stands.
//
// Give ctx a deadline. An error names the phase that did not converge and
// the last state seen; the report holds the phases done until then.
func (c *Cluster) Reset(ctx context.Context, o ResetOptions) (ResetReport, error) {
	start := time.Now()
	rep := ResetReport{}
	wantNN, wantRM, keep, err := c.resetTargets(o)
	if err != nil {
		return rep, err
	}
	fail := func(phase string, err error) (ResetReport, error) {
		rep.Took = time.Since(start)
		c.events.add(Event{Kind: EventFault, State: "reset-failed", Detail: phase + ": " + oneLine(err)})
		return rep, fmt.Errorf("reset %s: %s: %w", c.name, phase, err)
	}
	did := func(since time.Time, format string, args ...any) {
		a := fmt.Sprintf("+%.1fs %s (%.1fs)", since.Sub(start).Seconds(), fmt.Sprintf(format, args...), time.Since(since).Seconds())
		rep.Actions = append(rep.Actions, a)
		c.log.Info("reset", "action", a)
	}

	t := time.Now()
	heal, err := c.Heal(ctx)
	rep.Heal = heal
	if err != nil {
		return fail("heal", err)
	}
	did(t, "heal: HA ready after %d round(s), %d repair(s)", heal.Rounds, len(heal.Actions))
	s := heal.Status

	// changed is set when a phase changed an active: HA ready must then
	// be waited for again.
	changed := false
	t = time.Now()
	if wantNN != "" {
		what, err := c.resetNameNode(ctx, s.ActiveNameNode(), wantNN)
		if err != nil {
			return fail("namenode", err)
		}
		changed = changed || s.ActiveNameNode() != wantNN
		did(t, "namenode: %s", what)
	}

	t = time.Now()
	if wantRM != "" {
		what, err := c.resetResourceManager(ctx, s.ActiveResourceManager(), wantRM)
		if err != nil {
			return fail("resourcemanager", err)
		}
		changed = changed || s.ActiveResourceManager() != wantRM
		did(t, "resourcemanager: %s", what)
	}

	t = time.Now()
	deleted, err := c.resetHDFS(ctx, keep)
	rep.Deleted = deleted
	if err != nil {
		return fail("hdfs", err)
	}
	if len(deleted) == 0 {
		did(t, "hdfs: nothing to delete")
	} else {
		did(t, "hdfs: deleted %d path(s): %s", len(deleted), strings.Join(deleted, ", "))
	}

	// Deleting files leaves HA as it was: when no active changed, the
	// heal's status (HA ready, cross-checked with the admin commands) stands.
	ready := s
	if changed {
		t = time.Now()
		if ready, err = c.WaitReady(ctx); err != nil {
			return fail("HA ready", err)
		}
		did(t, "HA ready")
	}
	rep.Status, rep.Took = ready, time.Since(start)
	c.events.add(Event{Kind: EventFault, State: "reset", Detail: fmt.Sprintf("namenode %s, resourcemanager %s, %d HDFS path(s) deleted, %v",
		ready.ActiveNameNode(), ready.ActiveResourceManager(), len(deleted), rep.Took.Round(time.Millisecond))})
	c.log.Info("reset", "namenode", ready.ActiveNameNode(), "resourcemanager", ready.ActiveResourceManager(),
		"deleted", len(deleted), "took", rep.Took.Round(time.Millisecond))
	return rep, nil
}

// resetTargets checks o against the topology and returns the NameNode and
// ResourceManager ids to make active ("" for none to change) and the
// cleaned paths to keep. It changes nothing.
func (c *Cluster) resetTargets(o ResetOptions) (nn, rm string, keep []string, err error) {
	pick := func(what, id string, hosts []string, idOf func(string) string) (string, error) {
		if len(hosts) == 0 || id == AnyActive {
			return "", nil
		}
		var ids []string
		for _, h := range hosts {
			ids = append(ids, idOf(h))
		}
		if id == "" {
			return ids[0], nil
		}
		if !slices.Contains(ids, id) {
			return "", fmt.Errorf("reset %s: %w: %s %q: the topology's are %v (or %q for whichever is active)", c.name, ErrResetOptions, what, id, ids, AnyActive)
		}
		return id, nil
	}
	if nn, err = pick("namenode", o.NameNode, c.topo.On(topology.NameNode), c.topo.NameNodeID); err != nil {
		return "", "", nil, err
	}
	if rm, err = pick("resourcemanager", o.ResourceManager, c.topo.On(topology.ResourceManager), c.topo.ResourceManagerID); err != nil {
		return "", "", nil, err
	}
	for _, p := range o.KeepPaths {
		if !strings.HasPrefix(p, "/") {
			return "", "", nil, fmt.Errorf("reset %s: %w: keep path %q: want an absolute HDFS path", c.name, ErrResetOptions, p)
		}
		keep = append(keep, path.Clean(p))
	}
	for _, m := range c.Addons() {
		// An add-on's own state (its root directory), not a test's
		// data: deleting it under the running add-on kills it.
		keep = append(keep, m.Keep...)
	}
	return nn, rm, keep, nil
}

// ResetFailoverAttempts is how many times Reset runs `hdfs haadmin
// -failover` before it gives up.
const ResetFailoverAttempts = 3

// resetNameNode makes NameNode want active, active being the one active now.
func (c *Cluster) resetNameNode(ctx context.Context, active, want string) (string, error) {
	if active == want {
		return want + " already active", nil
	}
	host := c.topo.NameNodeHost(want)
	attempts, from := 0, active
	var lastErr string
	err := poll.Until(ctx, "namenode "+want+" active and named by the zookeeper lock", 500*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			s, err := c.Status(ctx, StatusOptions{})
			g := s.HA(topology.NameNode)
			state := g.String()
			if lastErr != "" {
				state += "; last failover: " + lastErr
			}
			if err != nil {
				return false, state, err
			}
			// Ask for a failover only from a settled state: one other
			// NameNode active and named by the lock.
			cur := g.Settled()
			if cur == want {
				return true, state, nil
			}
			if cur == "" {
				return false, state, nil
			}
			if attempts == ResetFailoverAttempts {
				return false, state, poll.Permanent(fmt.Errorf("%d failover(s) %s -> %s did not make it active", attempts, cur, want))
			}
			attempts, from = attempts+1, cur
			res, err := c.Shell(ctx, host, fmt.Sprintf("hdfs haadmin -failover %s %s 2>&1", cur, want))
			switch {
			case err != nil:
				lastErr = err.Error()
			case res.ExitCode != 0:
				lastErr = fmt.Sprintf("exit %d: %s", res.ExitCode, oneLineText(lastLines(res.Combined(), 5)))
			default:
				lastErr = ""
			}
			return false, state, nil
		})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("failover %s -> %s (hdfs haadmin -failover, through the ZKFCs; %d attempt(s))", from, want, attempts), nil
}

// resetResourceManager makes ResourceManager want active: it stops the
// active one (and any other that takes over instead of want), waits for
// want to be active and named by the lock, then starts the stopped ones
// again, whether the wait succeeded or not.
func (c *Cluster) resetResourceManager(ctx context.Context, active, want string) (string, error) {
	if active == want {
		return want + " already active", nil
	}
	var stopped []string // ids
	var errs []error
	err := poll.Until(ctx, "resourcemanager "+want+" active and named by the yarn lock", 500*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			s, err := c.Status(ctx, StatusOptions{})
			g := s.HA(topology.ResourceManager)
			state := g.String()
			if err != nil {
				return false, state, err
			}
			if g.Settled() == want {
				return true, state, nil
			}
			cur := g.Active()
			if cur == "" || cur == want || slices.Contains(stopped, cur) {
				return false, state, nil
			}
			if err := c.StopDaemon(ctx, c.topo.ResourceManagerHost(cur), topology.ResourceManager); err != nil {
				return false, state, poll.Permanent(err)
			}
			stopped = append(stopped, cur)
			return false, state + "; stopped " + cur, nil
		})
	if err != nil {
		errs = append(errs, err)
	}
	// Start what was stopped even when the wait failed: Reset never leaves
	// a daemon down that it stopped.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	for _, id := range stopped {
		if serr := c.StartDaemon(sctx, c.topo.ResourceManagerHost(id), topology.ResourceManager); serr != nil {
			errs = append(errs, fmt.Errorf("start %s again: %w", id, serr))
		}
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	var on []string
	for _, id := range stopped {
		on = append(on, id+" on "+c.topo.ResourceManagerHost(id))
	}
	return fmt.Sprintf("stopped active %s, %s took over, started %s again", strings.Join(on, ", then "), want, strings.Join(stopped, ", ")), nil
}

// ResetHDFSAttempts is how many times Reset lists and deletes before it
// gives up on HDFS.
const ResetHDFSAttempts = 3

// resetHDFS deletes every entry of / but keep, and returns what it deleted.
func (c *Cluster) resetHDFS(ctx context.Context, keep []string) ([]string, error) {
	var deleted []string
	attempts := 0
	err := poll.Until(ctx, "hdfs cleared", time.Second, func(ctx context.Context) (bool, string, error) {
		attempts++
		fs, err := c.HDFS(ctx)
		if err != nil {
			return false, "", c.hdfsRetry(attempts, err)
		}
		defer fs.Close()
		entries, err := listForReset(fs, keep)
		if err != nil {
			return false, "", c.hdfsRetry(attempts, err)
		}
		for _, p := range pathsToDelete(entries, keep) {
			if err := fs.RemoveAll(p); err != nil {
				return false, fmt.Sprintf("deleted %v", deleted), c.hdfsRetry(attempts, fmt.Errorf("delete %s: %w", p, err))
			}
			deleted = append(deleted, p)
		}
		return true, "", nil
	})
	slices.Sort(deleted)
	return slices.Compact(deleted), err
}

func (c *Cluster) hdfsRetry(attempts int, err error) error {
	if attempts >= ResetHDFSAttempts {
		return poll.Permanent(fmt.Errorf("after %d attempt(s): %w", attempts, err))
	}
	return err
}

// listForReset lists what pathsToDelete needs: the entries of / and of
// every directory leading to a kept path (full paths). A directory that
// does not exist lists as empty.
func listForReset(fs *hdfs.Client, keep []string) (map[string][]string, error) {
	dirs := []string{"/"}
	for _, k := range keep {
		for d := path.Dir(k); d != "/"; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	slices.Sort(dirs)
	entries := map[string][]string{}
	for _, d := range slices.Compact(dirs) {
		infos, err := fs.ReadDir(d)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", d, err)
		}
		for _, fi := range infos {
			entries[d] = append(entries[d], path.Join(d, fi.Name()))
		}
	}
	return entries, nil
}

// pathsToDelete decides what Reset deletes from HDFS: walking from /
// (entries maps a directory to the full paths of its entries), every entry
// that is neither a kept path, nor under one, nor a directory leading to
// one; the directories leading to a kept path are walked into, the others
// deleted whole. Kept paths are absolute and cleaned; "/" keeps everything.
// The result is sorted.
func pathsToDelete(entries map[string][]string, keep []string) []string {
	kept := func(p string) bool {
		return slices.ContainsFunc(keep, func(k string) bool { return k == "/" || p == k || strings.HasPrefix(p, k+"/") })
	}
	leadsToKept := func(p string) bool {
		return slices.ContainsFunc(keep, func(k string) bool { return strings.HasPrefix(k, p+"/") })
	}
	var out []string
	var walk func(dir string)
	walk = func(dir string) {
		for _, p := range entries[dir] {
			switch {
			case kept(p):
			case leadsToKept(p):
				walk(p)
			default:
				out = append(out, p)
			}
		}
	}
	if !kept("/") {
		walk("/")
	}
	slices.Sort(out)
	return out
}

// oneLineText joins the lines of s with "; ".
func oneLineText(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")
}
