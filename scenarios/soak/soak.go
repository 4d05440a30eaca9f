// Package soak runs a seeded nemesis against a cluster for a while, with
// writers creating files (and, with Options.Appends, appending to them)
// through the HDFS client of this process, and judges the run with an
// independent checker: every write the cluster acknowledged is read back at
// the end, byte for byte, and the recorded History is checked by the pure
// functions of scenarios/invariant.
//
// Each step injects one or two faults drawn from the aims the fault
// registry gives its kinds (fault.Kind.Nemesis, by their weights: kills,
// freezes of a daemon or a whole host, host stops, isolation, isolation
// from ZooKeeper, one-way drops, packet loss, JournalNode and ZooKeeper
// members, ResourceManagers), holds them, and heals with
// harness.Cluster.Heal, which must converge every time. The checks:
//
//   - files-intact: no acknowledged create or append lost or corrupted;
//   - no-split-brain-writes: no write served by a superseded NameNode (the
//     NameNodes' audit logs say who served what);
//   - single-active namenode and resourcemanager, where a stale claim is
//     allowed only while a fault keeps the old active from being fenced and
//     for FencingWindow after its heal;
//   - heals-converge, with the heal times;
//   - failover-within the bound, after each step that must fail over;
//   - writes-resume after each heal.
//
// The same seed draws the same steps; a failing run prints the command
// that replays it.
//
// Layering: imports harness, harness/fault, harness/topology, scenarios,
// scenarios/invariant and internal/poll.
package soak

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// Options tune Run. Zero values take the defaults.
type Options struct {
	Seed int64
	// Duration is how long the nemesis injects faults (default 5m); the
	// last step's heal and the read-back come after.
	Duration time.Duration
	// Writers is how many writers run at once (default 3).
	Writers int
	// Appends is how many appends each writer makes to a file after
	// creating it (default 0: write-once files). Appends go through
	// colinmarc/hdfs, whose append does not follow HDFS's generation-stamp
	// protocol: under faults the soak saw it lose acknowledged appends (see
	// README), so they are opt-in until that client is fixed.
	Appends int
	// HealTimeout bounds each heal (default 4m).
	HealTimeout time.Duration
	Log         *slog.Logger
}

func (o *Options) defaults() {
	if o.Duration <= 0 {
		o.Duration = 5 * time.Minute
	}
	if o.Writers <= 0 {
		o.Writers = 3
	}
	if o.HealTimeout <= 0 {
		o.HealTimeout = 4 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// FencingWindow is how long after a fault that kept the old active from
// being fenced is healed the old active may still claim to be active: Heal
// kills a stale second active after harness.StaleActiveGrace, two heal
// rounds may pass before it sees it, and an edit in flight may take the
// JournalNode write timeout to fail.
var FencingWindow = harness.StaleActiveGrace + 2*harness.HealRoundInterval +
	time.Duration(config.Timing.JournalWriteTimeoutMS)*time.Millisecond

// unfenceable reports whether a fault (by its History label) can keep an
// old active from being fenced or from learning it was superseded: its
// host cut off or losing packets, or its JVM or host frozen.
// The fault registry says which kinds are (fault.Kind.Unfenceable).
func unfenceable(label string) bool {
	k, ok := fault.KindOfLabel(label)
	return ok && k.Unfenceable
}

// StepRecord is what one step did.
type StepRecord struct {
	Index int      `json:"index"`
	Kinds []string `json:"kinds"`
	// Faults are the injected faults as the History labels them (with what
	// their selectors resolved to).
	Faults []string `json:"faults"`
	// At is when the step's faults were injected, since the nemesis began.
	At        time.Duration `json:"at"`
	Hold      time.Duration `json:"hold"`
	InjectErr []string      `json:"injectErrors,omitempty"`
	Heal      HealRecord    `json:"heal"`
	// Resumed is how long after the heal the writers had an operation
	// acknowledged again; ResumeErr is set when they did not.
	Resumed   time.Duration `json:"resumed"`
	ResumeErr string        `json:"resumeError,omitempty"`

	// items are the injected faults as scenario file items (Schedule),
	// injected when they went in.
	items    []spec.Item
	injected time.Time
}

// HealRecord is one harness.Cluster.Heal of the run.
type HealRecord struct {
	Took    time.Duration `json:"took"`
	Rounds  int           `json:"rounds"`
	Actions []string      `json:"actions"`
	Err     string        `json:"error,omitempty"`
}

// Result is the outcome of a run.
type Result struct {
	Seed     int64         `json:"seed"`
	Duration time.Duration `json:"duration"`
	Appends  int           `json:"appends"`
	Steps    []StepRecord  `json:"steps"`
	// FaultCounts counts the injected faults by menu kind (Kinds).
	FaultCounts map[string]int     `json:"faultCounts"`
	Acked       int                `json:"ackedOps"`
	FailedOps   int                `json:"failedOps"`
	Checks      []invariant.Result `json:"checks"`
	Notes       []string           `json:"notes"`
	Err         string             `json:"error,omitempty"`
	Took        time.Duration      `json:"took"`
	History     invariant.History  `json:"-"`
	// Schedule is what the nemesis injected, as a scenario file: each
	// fault at the time it went in, held as long as it was, asking for the
	// failover its step expected. `haharness scenario run -f` replays it
	// (saved as scenario.yaml); `haharness scenario shrink -f` shrinks it.
	Schedule *spec.File `json:"-"`
}

// Replay is the command that runs the same schedule again.
func (r *Result) Replay() string {
	cmd := fmt.Sprintf("haharness soak --seed %d --duration %v", r.Seed, r.Duration)
	if r.Appends > 0 {
		cmd += fmt.Sprintf(" --appends %d", r.Appends)
	}
	return cmd
}

// Failed reports whether the run failed: an error that stopped it or a
// failed check. The error names the seed and the replay command.
func (r *Result) Failed() error {
	err := scenarios.RunFailed(r.Err, r.Checks)
	if err == nil {
		return nil
	}
	return fmt.Errorf("soak seed %d: %w\nreplay: %s", r.Seed, err, r.Replay())
}

// HealTimes returns the durations of the heals that converged, sorted.
func (r *Result) HealTimes() []time.Duration {
	var out []time.Duration
	for _, s := range r.Steps {
		if s.Heal.Err == "" && s.Heal.Rounds > 0 {
			out = append(out, s.Heal.Took)
		}
	}
	slices.Sort(out)
	return out
}

// Percentile returns the p-th percentile (0..100, nearest rank) of sorted
// durations, or 0 for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Run runs the soak on c, which must be HA ready. It returns an error only
// when the run could not be carried out; a run whose checks failed is
// reported by Result.Failed.
func Run(ctx context.Context, c *harness.Cluster, o Options) (*Result, error) {
	o.defaults()
	log := o.Log.With("soak", o.Seed)
	log.Info("soak start (replay with this seed)", "seed", o.Seed, "duration", o.Duration)
	start := time.Now()
	h := &invariant.History{Seed: o.Seed, Scenario: "soak"}
	rec := scenarios.Record(ctx, c, h)
	defer rec.Stop()
	dir := fmt.Sprintf("/haharness/soak-%d-%d", o.Seed, start.Unix())
	w, err := startWriters(ctx, c, h, dir, o.Writers, o.Appends, 150*time.Millisecond, o.Seed)
	if err != nil {
		return nil, err
	}
	res := &Result{Seed: o.Seed, Duration: o.Duration, Appends: o.Appends, FaultCounts: map[string]int{}}
	if err := w.WaitAcked(ctx, 3, 2*time.Minute); err != nil {
		res.Err = "writes before the first fault: " + err.Error()
	}
	nem := NewNemesis(o.Seed)
	deadline := start.Add(o.Duration)
	begun := time.Now()
	for i := 0; res.Err == "" && time.Now().Before(deadline) && ctx.Err() == nil; i++ {
		step, kinds := nem.Next()
		sr := runStep(ctx, c, h, w, i, step, kinds, o, log)
		sr.At = sr.injected.Sub(begun).Round(100 * time.Millisecond)
		for j := range sr.items {
			sr.items[j].At = spec.Ptr(sr.At)
		}
		for _, k := range kinds {
			res.FaultCounts[k]++
		}
		res.Steps = append(res.Steps, sr)
		if sr.Heal.Err != "" {
			res.Err = fmt.Sprintf("step %d (%s): heal did not converge: %s", i, strings.Join(sr.Faults, " + "), sr.Heal.Err)
		}
	}
	// Read back what the writers wrote, on a healed cluster.
	w.Stop()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	if res.Err != "" {
		if _, err := c.Heal(fctx); err != nil {
			res.Notes = append(res.Notes, "final heal: "+err.Error())
		}
	}
	note, err := w.ReadBack(fctx)
	res.Notes = append(res.Notes, "read back: "+note)
	if err != nil {
		res.Err = strings.TrimSpace(res.Err + "\nread back: " + err.Error())
	}
	if n, err := scenarios.RecordServed(fctx, c, h, dir); err != nil {
		res.Notes = append(res.Notes, "audit logs: "+err.Error())
	} else {
		res.Notes = append(res.Notes, fmt.Sprintf("%d audit records of creates and appends", n))
	}
	rec.Stop()
	res.History = *h
	res.Acked, res.FailedOps, _ = w.Counts()
	plan := Plan(res.Steps)
	res.Checks = invariant.Judge(res.History, plan) // the History it saves
	res.History.Judgement = &invariant.Judgement{Plan: plan, Results: res.Checks}
	res.Schedule = schedule(res)
	res.Took = time.Since(start)
	log.Info("soak done", "took", res.Took.Round(time.Millisecond), "steps", len(res.Steps), "acked", res.Acked, "failed", res.FailedOps)
	return res, nil
}

// runStep injects a step's faults, holds them (until the failover the
// step expects, at least), heals the cluster and waits for writes to go on.
func runStep(ctx context.Context, c *harness.Cluster, h *invariant.History, w *writers, i int, step Step, kinds []string,
	o Options, log *slog.Logger) StepRecord {
	sr := StepRecord{Index: i, Kinds: kinds, Hold: step.Hold}
	log.Info("nemesis step", "step", i, "faults", step.String())
	before, _ := c.Status(ctx, harness.StatusOptions{})
	injected := time.Now()
	sr.injected = injected
	for _, f := range step.Faults {
		in, err := c.Inject(ctx, f)
		if err != nil {
			// A selector may find nothing to hit (no standby while the
			// first fault moves the active): not a failure of the cluster.
			sr.InjectErr = append(sr.InjectErr, err.Error())
			log.Info("fault not injected", "step", i, "fault", f.String(), "err", err)
			continue
		}
		label := fmt.Sprintf("step %d: %s => %s", i, in.Fault, strings.Join(in.Targets, " "))
		h.Add(invariant.Event{Time: in.Start, Kind: invariant.KindFaultStart, Fault: label})
		sr.Faults = append(sr.Faults, label)
		if it, err := spec.ItemOf(fmt.Sprintf("s%d-%s", i, strings.ToLower(string(rune('a'+len(sr.items))))), f); err == nil {
			if len(sr.items) == 0 && step.FailoverNameNode {
				it.Failover = string(topology.NameNode)
			} else if len(sr.items) == 0 && step.FailoverResourceManager {
				it.Failover = string(topology.ResourceManager)
			}
			sr.items = append(sr.items, it)
		}
	}
	// Hold, and past the failover the step expects so the check sees it.
	holdCtx, cancel := context.WithTimeout(ctx, scenarios.FailoverBound()+5*time.Second)
	if len(sr.InjectErr) == 0 {
		if step.FailoverNameNode && before.ActiveNameNode() != "" {
			_, _, _ = scenarios.WaitFailover(holdCtx, c, topology.NameNode, before.ActiveNameNode(), injected)
		}
		if step.FailoverResourceManager && before.ActiveResourceManager() != "" {
			_, _, _ = scenarios.WaitFailover(holdCtx, c, topology.ResourceManager, before.ActiveResourceManager(), injected)
		}
	}
	cancel()
	if rest := step.Hold - time.Since(injected); rest > 0 {
		_ = poll.Sleep(ctx, rest)
	}
	healStart := time.Now()
	for j := range sr.items {
		sr.items[j].Hold = spec.Duration(max(healStart.Sub(injected).Round(100*time.Millisecond), 100*time.Millisecond))
	}
	for _, l := range sr.Faults {
		h.Add(invariant.Event{Time: healStart, Kind: invariant.KindFaultEnd, Fault: l})
	}
	hctx, hcancel := context.WithTimeout(context.WithoutCancel(ctx), o.HealTimeout)
	rep, err := c.Heal(hctx)
	hcancel()
	sr.Heal = HealRecord{Took: rep.Took, Rounds: rep.Rounds, Actions: rep.Actions, Err: errString(err)}
	log.Info("healed", "step", i, "took", rep.Took.Round(time.Millisecond), "rounds", rep.Rounds, "err", err)
	if err != nil {
		return sr
	}
	healed := time.Now()
	if err := w.WaitAcked(ctx, 1, time.Minute); err != nil {
		sr.ResumeErr = err.Error()
	}
	sr.Resumed = time.Since(healed)
	return sr
}

// Plan is the checks that judge a soak's History, their parameters from
// its steps: the faults that excuse a stale active claim and those that
// must fail over. heals-converge and writes-resume judge the steps
// themselves, not the History: they are judged now and recorded.
func Plan(steps []StepRecord) invariant.Plan {
	var excused []string
	nn, rm := map[string]bool{}, map[string]bool{}
	for _, s := range steps {
		for _, l := range s.Faults {
			if unfenceable(l) {
				excused = append(excused, l)
			}
		}
		if len(s.InjectErr) > 0 || len(s.Faults) == 0 {
			continue
		}
		if strings.Contains(s.Kinds[0], "active-namenode") && expectsFailover(s.Kinds, true) {
			nn[s.Faults[0]] = true
		}
		if strings.Contains(s.Kinds[0], "active-resourcemanager") && expectsFailover(s.Kinds, false) {
			rm[s.Faults[0]] = true
		}
	}
	failover := func(role string, faults map[string]bool) invariant.Check {
		return invariant.Check{Check: invariant.CheckFailoverWithin, Role: role, Bound: scenarios.FailoverBound(),
			Faults: slices.Sorted(maps.Keys(faults)), Of: "steps that must fail over"}
	}
	return invariant.Plan{
		{Check: invariant.CheckFilesIntact},
		{Check: invariant.CheckNoSplitBrainWrites},
		{Check: invariant.CheckSingleActiveOutside, Role: invariant.RoleNameNode, Bound: FencingWindow, Faults: excused},
		{Check: invariant.CheckSingleActiveOutside, Role: invariant.RoleResourceManager, Bound: FencingWindow, Faults: excused},
		invariant.Recorded(healsConverge(steps)),
		invariant.Recorded(writesResume(steps)),
		failover(invariant.RoleNameNode, nn),
		failover(invariant.RoleResourceManager, rm),
	}
}

// expectsFailover reports whether a step of these menu kinds must fail the
// active NameNode (nn) or ResourceManager over, as Nemesis.Next decided.
func expectsFailover(kinds []string, nn bool) bool {
	first := entryOf(kinds[0])
	if nn {
		return first.nn() && (len(kinds) == 1 || !entryOf(kinds[1]).standby())
	}
	return first.rm() && len(kinds) == 1
}

func healsConverge(steps []StepRecord) invariant.Result {
	r := invariant.Result{Check: "heals-converge"}
	var took []time.Duration
	for _, s := range steps {
		if s.Heal.Err != "" {
			r.Details = append(r.Details, fmt.Sprintf("step %d: %s", s.Index, s.Heal.Err))
			continue
		}
		took = append(took, s.Heal.Took)
	}
	slices.Sort(took)
	switch {
	case len(r.Details) > 0:
		r.Verdict = invariant.Fail
	case len(took) == 0:
		r.Verdict = invariant.Inconclusive
		r.Details = []string{"no step was healed"}
	default:
		r.Verdict = invariant.Pass
		r.Details = []string{fmt.Sprintf("%d heal(s) converged: p50 %v, p95 %v, max %v", len(took),
			Percentile(took, 50).Round(100*time.Millisecond), Percentile(took, 95).Round(100*time.Millisecond),
			took[len(took)-1].Round(100*time.Millisecond))}
	}
	return r
}

func writesResume(steps []StepRecord) invariant.Result {
	r := invariant.Result{Check: "writes-resume"}
	var worst time.Duration
	n := 0
	for _, s := range steps {
		if s.Heal.Err != "" {
			continue
		}
		n++
		if s.ResumeErr != "" {
			r.Details = append(r.Details, fmt.Sprintf("step %d: no acknowledged write within a minute of the heal: %s", s.Index, s.ResumeErr))
		}
		worst = max(worst, s.Resumed)
	}
	switch {
	case len(r.Details) > 0:
		r.Verdict = invariant.Fail
	case n == 0:
		r.Verdict = invariant.Inconclusive
		r.Details = []string{"no step was healed"}
	default:
		r.Verdict = invariant.Pass
		r.Details = []string{fmt.Sprintf("writes acknowledged again after each of %d heal(s), at most %v after", n, worst.Round(100*time.Millisecond))}
	}
	return r
}

// Timeline renders the run as text: each step, its heal, the checks.
func (r *Result) Timeline() string {
	var b strings.Builder
	for _, s := range r.Steps {
		var fs []string
		for _, f := range s.Faults {
			_, f, _ = strings.Cut(f, ": ")
			fs = append(fs, f)
		}
		fmt.Fprintf(&b, "step %3d  %s (hold %v)\n", s.Index, strings.Join(fs, " + "), s.Hold.Round(100*time.Millisecond))
		for _, e := range s.InjectErr {
			fmt.Fprintf(&b, "          not injected: %s\n", e)
		}
		if s.Heal.Err != "" {
			fmt.Fprintf(&b, "          HEAL FAILED after %v: %s\n", s.Heal.Took.Round(100*time.Millisecond), s.Heal.Err)
			continue
		}
		fmt.Fprintf(&b, "          healed in %v (%d rounds; %s); writes again %v later\n", s.Heal.Took.Round(100*time.Millisecond),
			s.Heal.Rounds, strings.Join(s.Heal.Actions, "; "), s.Resumed.Round(100*time.Millisecond))
	}
	var kinds []string
	for _, k := range Kinds() {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, r.FaultCounts[k]))
	}
	fmt.Fprintf(&b, "faults: %s\n", strings.Join(kinds, ", "))
	ht := r.HealTimes()
	fmt.Fprintf(&b, "heals: %d converged, p50 %v, p95 %v\n", len(ht), Percentile(ht, 50).Round(100*time.Millisecond),
		Percentile(ht, 95).Round(100*time.Millisecond))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "check: %s\n", c)
	}
	fmt.Fprintf(&b, "operations: %d acknowledged, %d failed; seed %d; took %v\n", r.Acked, r.FailedOps, r.Seed, r.Took.Round(time.Second))
	if r.Failed() != nil {
		fmt.Fprintf(&b, "replay: %s\n", r.Replay())
	}
	return b.String()
}

// schedule is the run's faults as a scenario file (Result.Schedule).
func schedule(r *Result) *spec.File {
	f := &spec.File{
		APIVersion: spec.APIVersion,
		Name:       fmt.Sprintf("soak-%d-replay", max(r.Seed, -r.Seed)),
		Description: fmt.Sprintf("The faults soak seed %d injected (duration %v), each at the time it went in and held as long as it was. "+
			"The soak healed the whole cluster after each step; a replay heals each fault after its hold and the cluster once at the end. "+
			"The soak judged single-active outside a fencing window of %v after unfenceable faults; so does this file (staleActiveWithin).",
			r.Seed, r.Duration, FencingWindow),
		Expect: spec.Expect{StaleActiveWithin: spec.StaleActive{
			NameNode: spec.Duration(FencingWindow + 30*time.Second), ResourceManager: spec.Duration(FencingWindow + 30*time.Second)}},
	}
	for _, s := range r.Steps {
		f.Schedule = append(f.Schedule, s.items...)
	}
	return f
}

// Save writes history.json, result.json, report.html and timeline.txt to
// dir, the schedule as scenario.yaml, and replay.txt when the run failed.
func (r *Result) Save(dir string) error {
	if err := scenarios.SaveRun(dir, r.History, r, r.Timeline(), r.Checks); err != nil {
		return err
	}
	if r.Schedule != nil {
		if err := spec.Save(filepath.Join(dir, scenarios.ScheduleFile), r.Schedule, fmt.Sprintf(
			"The schedule soak seed %d executed. Replay: haharness scenario run -f %s (or the same seed: %s)",
			r.Seed, scenarios.ScheduleFile, r.Replay())); err != nil {
			return err
		}
	}
	if r.Failed() != nil {
		return os.WriteFile(filepath.Join(dir, "replay.txt"), []byte(r.Replay()+"\n"), 0o644)
	}
	return nil
}
