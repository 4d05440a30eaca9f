// Package scenarios turns the guide's failover and split-brain cases into
// executable, reusable checks on a real cluster. A Scenario injects faults
// through the harness while a Recorder samples HA state and a Workload
// writes numbered files from this process; afterwards the NameNodes' audit
// logs are read into the History (RecordServed) and it is judged by the pure
// checks of scenarios/invariant (no split brain, no lost acknowledged
// write, failover within a bound) and by the scenario's own assertions
// about what Hadoop really did. Steps end with Env.Recover, which is
// harness.Cluster.Heal. The Recorder's states come from Cluster.ProbeHA.
//
// Randomness (the chaos scenario) comes from the run's seed, which Run logs
// and puts in the History; the same seed replays the same schedule.
//
// Layering: imports harness, harness/config, harness/fault,
// harness/observe, harness/topology, scenarios/invariant, scenarios/report
// and internal/poll. Nothing in harness imports it; scenarios/soak builds
// on it.
package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/report"
	"github.com/haharness/haharness/scenarios/spec"
)

// Scenario is one reusable failure story.
type Scenario struct {
	// Name is stable kebab-case: the subtest name and the CLI argument.
	Name        string
	Description string
	// ExpectFailover makes Run check that every NameNode fault is followed
	// by a failover within FailoverBound.
	ExpectFailover bool
	// StaleActiveBound, when set, replaces the single-active NameNode check
	// with StaleActiveWithin: with fencing that kills nothing, a resumed old
	// active may call itself active until the JournalNodes reject its first
	// edit; NoSplitBrainWrites still checks that it commits nothing.
	StaleActiveBound time.Duration
	// StaleResourceManagerBound is StaleActiveBound for the
	// ResourceManagers: an RM cut from ZooKeeper goes standby only after
	// the ZooKeeper timeout, while the other may already be active.
	StaleResourceManagerBound time.Duration
	// Fencing is the fencing method the cluster must be started with; ""
	// for the default. Scenarios with the same Fencing and no Options can
	// share one cluster (each run writes under a directory of its own).
	Fencing config.Fencing
	// Options are any other options the cluster must be started with; nil
	// for the default cluster.
	Options []harness.Option
	// Addons are the add-ons the cluster must run, by name
	// (harness.Addons); StartOptions turns them on.
	Addons []string
	// Steps injects faults, waits for what should happen, heals, and returns
	// once the cluster is HA ready again. An error fails the scenario.
	Steps func(ctx context.Context, e *Env) error
	// File is the scenario file the scenario was made from (FromFile), nil
	// for one written in Go.
	File *spec.File
	// Invariants, when set, are the only built-in checks judged
	// (spec.Invariants names them); nil judges them all.
	Invariants []string
	// WriteInterval is the pause between the workload's writes; 0 for
	// DefaultWriteInterval.
	WriteInterval time.Duration
	// Judge adds the scenario's own checks to the run's plan, after the
	// cluster is healed and every write read back: checks of the History
	// with their parameters, those that need the live cluster with their
	// result (invariant.Recorded); nil adds none.
	Judge func(ctx context.Context, e *Env) invariant.Plan
}

// StartOptions are the options of a cluster sc can run on: Options, and
// WithFencing(Fencing) when it is set.
func (sc Scenario) StartOptions() []harness.Option {
	opts := slices.Clone(sc.Options)
	if len(sc.Addons) > 0 {
		opts = append(opts, harness.WithAddons(sc.Addons...))
	}
	if sc.Fencing != "" {
		opts = append(opts, harness.WithFencing(sc.Fencing))
	}
	return opts
}

// FailoverBound is the longest a NameNode failover may take with the
// harness's timing (config.Timing): ZooKeeper session expiry, the health
// check RPC timeout, graceful fencing (3 s), sshfence's connect timeout
// (5 s), and 15 s for the new active to catch up and the sampler to see it.
func FailoverBound() time.Duration {
	ms := config.Timing.ZKSessionTimeoutMS + config.Timing.HealthRPCTimeoutMS + 3000 + 5000 + 15000
	return time.Duration(ms) * time.Millisecond
}

// DefaultWriteInterval is the pause between the workload's writes.
const DefaultWriteInterval = 200 * time.Millisecond

// StepsTimeout bounds a scenario's steps; healing and reading back come after.
const StepsTimeout = 8 * time.Minute

// Env is what a scenario's steps work with.
type Env struct {
	C    *harness.Cluster
	H    *invariant.History
	W    *Workload
	Rand *rand.Rand
	Log  *slog.Logger
	// Dir is this run's HDFS directory: the workload's files and every
	// other file the steps write go under it.
	Dir string
	// Failovers are the failovers the steps measured.
	Failovers []Failover
	// Notes are facts the steps observed (what Hadoop really did), kept in
	// the result for the report.
	Notes []string
	// Heals are the cluster-wide heals (Recover) of the run.
	Heals []harness.HealReport

	// begun is when the steps began; injected records every Inject and
	// Heal, for the executed schedule (Result.Schedule).
	begun    time.Time
	mu       sync.Mutex
	injected []injection
	// file is the state of a scenario file's run (FromFile).
	file *fileRun
}

// injection is one fault the steps injected, for the executed schedule.
type injection struct {
	f        fault.Fault
	in       *harness.Injection
	healed   time.Time
	failover topology.Role
}

// Failover is one measured change of active.
type Failover struct {
	Role     topology.Role `json:"role"`
	From     string        `json:"from"`
	To       string        `json:"to"`
	Duration time.Duration `json:"duration"`
	Fault    string        `json:"fault"`
}

// Note records an observation.
func (e *Env) Note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	e.Notes = append(e.Notes, s)
	e.Log.Info("observed", "note", s)
}

// Inject injects f and records its start in the History.
func (e *Env) Inject(ctx context.Context, f fault.Fault) (*harness.Injection, error) {
	in, err := e.C.Inject(ctx, f)
	if err != nil {
		return nil, err
	}
	e.H.Add(invariant.Event{Time: in.Start, Kind: invariant.KindFaultStart, Fault: faultLabel(in)})
	e.mu.Lock()
	e.injected = append(e.injected, injection{f: f, in: in})
	e.mu.Unlock()
	return in, nil
}

// Heal heals in and records the fault's end in the History.
func (e *Env) Heal(ctx context.Context, in *harness.Injection) error {
	err := in.Heal(ctx)
	now := time.Now()
	e.H.Add(invariant.Event{Time: now, Kind: invariant.KindFaultEnd, Fault: faultLabel(in)})
	e.mu.Lock()
	for i := range e.injected {
		if e.injected[i].in == in && e.injected[i].healed.IsZero() {
			e.injected[i].healed = now
		}
	}
	e.mu.Unlock()
	return err
}

func faultLabel(in *harness.Injection) string {
	return in.Fault + " => " + strings.Join(in.Targets, " ")
}

// Failover waits for the active of role to move away from `from` after in
// was injected, records it, and returns the new active.
func (e *Env) Failover(ctx context.Context, role topology.Role, from string, in *harness.Injection) (string, error) {
	wctx, cancel := context.WithTimeout(ctx, 3*FailoverBound())
	defer cancel()
	to, d, err := WaitFailover(wctx, e.C, role, from, in.Start)
	if err != nil {
		return "", err
	}
	// The sampler sees the new active sooner than a full status round trip:
	// prefer its first "active" sample of the new active.
	for _, ev := range e.H.Sorted() {
		if ev.Kind == invariant.KindState && (ev.Daemon == to || ev.Daemon == addon.LaneOf(role, to)) && ev.State == invariant.StateActive && !ev.Time.Before(in.Start) {
			d = ev.Time.Sub(in.Start)
			break
		}
	}
	e.mu.Lock()
	e.Failovers = append(e.Failovers, Failover{Role: role, From: from, To: to, Duration: d, Fault: faultLabel(in)})
	for i := range e.injected {
		if e.injected[i].in == in {
			e.injected[i].failover = role
		}
	}
	e.mu.Unlock()
	e.Log.Info("failover", "role", role, "from", from, "to", to, "took", d.Round(time.Millisecond))
	return to, nil
}

// Active returns the current single active NameNode (or ResourceManager) id.
func (e *Env) Active(ctx context.Context, role topology.Role) (string, error) {
	s, err := e.C.Status(ctx, harness.StatusOptions{})
	if err != nil {
		return "", err
	}
	g := s.HA(role)
	if g.Active() == "" {
		return "", fmt.Errorf("no single active %s: %s", role, g)
	}
	return g.Active(), nil
}

// Recover heals the whole cluster (harness.Cluster.Heal: every fault kind
// undone, every daemon that is down started, HA ready) and records how
// long it took.
func (e *Env) Recover(ctx context.Context) error {
	rep, err := e.C.Heal(ctx)
	e.Heals = append(e.Heals, rep)
	return err
}

// Result is the outcome of one run.
type Result struct {
	Scenario  string             `json:"scenario"`
	Seed      int64              `json:"seed"`
	Checks    []invariant.Result `json:"checks"`
	Failovers []Failover         `json:"failovers"`
	Notes     []string           `json:"notes"`
	Err       string             `json:"error,omitempty"`
	History   invariant.History  `json:"-"`
	Acked     int                `json:"ackedWrites"`
	FailedOps int                `json:"failedWrites"`
	Took      time.Duration      `json:"took"`
	Events    []harness.Event    `json:"clusterEvents"`
	// Schedule is the schedule the steps executed, as a scenario file:
	// `haharness scenario run -f` replays it.
	Schedule *spec.File `json:"-"`
}

// Failed reports whether the run failed: a step error or a failed check.
func (r *Result) Failed() error {
	err := RunFailed(r.Err, r.Checks)
	if err == nil {
		return nil
	}
	return fmt.Errorf("scenario %s (seed %d): %w", r.Scenario, r.Seed, err)
}

// RunFailed joins what failed a run: the error that stopped it (errText,
// "" if none) and every failed check; nil when nothing did.
func RunFailed(errText string, checks []invariant.Result) error {
	var errs []error
	if errText != "" {
		errs = append(errs, errors.New(errText))
	}
	if err := invariant.AllPass(checks...); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Run runs sc on c with seed: starts the recorder and the workload, runs
// the steps, heals whatever is left, reads every write back, and judges the
// History. It returns an error only when the run could not be carried out;
// a scenario that ran and failed is reported by Result.Failed.
func Run(ctx context.Context, c *harness.Cluster, sc Scenario, seed int64, log *slog.Logger) (*Result, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("scenario", sc.Name, "seed", seed)
	log.Info("scenario start (replay with this seed)")
	start := time.Now()
	h := &invariant.History{Seed: seed, Scenario: sc.Name}
	rec := Record(ctx, c, h)
	// A directory of this run's own: on a cluster shared by several runs
	// (harnesstest.Shared, a kept CLI cluster) the audit logs hold earlier
	// runs' writes too, and only this run's may enter its History.
	dir := fmt.Sprintf("/haharness/%s-%d-%s", sc.Name, seed, start.UTC().Format("20060102T150405.000"))
	interval := sc.WriteInterval
	if interval <= 0 {
		interval = DefaultWriteInterval
	}
	w, err := StartWorkload(ctx, c, h, dir, interval, seed)
	if err != nil {
		rec.Stop()
		return nil, err
	}
	env := &Env{C: c, H: h, W: w, Rand: newRand(seed), Log: log, Dir: dir, begun: time.Now()}
	res := &Result{Scenario: sc.Name, Seed: seed}
	sctx, scancel := context.WithTimeout(ctx, StepsTimeout)
	if err := w.WaitAcked(sctx, 3); err != nil {
		res.Err = "workload before faults: " + err.Error()
	} else {
		env.begun = time.Now()
		if err := sc.Steps(sctx, env); err != nil {
			res.Err = err.Error()
		}
	}
	scancel()
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	// Put the cluster back together (whatever the steps left) so the
	// writes can be read back.
	if err := env.Recover(hctx); err != nil {
		res.Err = strings.TrimSpace(res.Err + "\nheal: " + err.Error())
	}
	w.Stop()
	if err := w.Verify(hctx); err != nil {
		res.Err = strings.TrimSpace(res.Err + "\nread back: " + err.Error())
	}
	if _, err := RecordServed(hctx, c, h, dir+"/"); err != nil {
		res.Err = strings.TrimSpace(res.Err + "\naudit logs: " + err.Error())
	}
	rec.Stop()
	res.History = *h
	res.Failovers, res.Notes, res.Took = env.Failovers, env.Notes, time.Since(start)
	for _, ev := range c.Events() { // this run's: a shared cluster's handle holds earlier runs' too
		if !ev.Time.Before(start) {
			res.Events = append(res.Events, ev)
		}
	}
	res.Acked, res.FailedOps, _ = w.Counts()
	plan := sc.plan()
	if sc.Judge != nil {
		plan = append(plan, sc.Judge(hctx, env)...)
		res.Notes = env.Notes // what the workloads saw at their end too
	}
	res.Checks = invariant.Judge(res.History, plan) // the History it saves
	res.History.Judgement = &invariant.Judgement{Plan: plan, Results: res.Checks}
	res.Schedule = env.executed(sc)
	log.Info("scenario done", "took", res.Took.Round(time.Millisecond), "acked", res.Acked, "failed", res.FailedOps)
	return res, nil
}

// plan is sc's built-in checks, those sc.Invariants names:
// single-active per role (stale-active-within where sc bounds stale
// claims), no split-brain writes, no lost acknowledged write; then
// failover-within when sc.ExpectFailover.
func (sc Scenario) plan() invariant.Plan {
	active := func(role string, stale time.Duration) invariant.Check {
		if stale > 0 {
			return invariant.Check{Check: invariant.CheckStaleActiveWithin, Role: role, Bound: stale}
		}
		return invariant.Check{Check: invariant.CheckSingleActive, Role: role}
	}
	all := map[string]invariant.Check{
		spec.SingleActiveNameNode:        active(invariant.RoleNameNode, sc.StaleActiveBound),
		spec.SingleActiveResourceManager: active(invariant.RoleResourceManager, sc.StaleResourceManagerBound),
		spec.NoSplitBrainWrites:          {Check: invariant.CheckNoSplitBrainWrites},
		spec.NoLostAcknowledgedWrites:    {Check: invariant.CheckNoLostAcknowledgedWrites},
	}
	var out invariant.Plan
	for _, name := range spec.Invariants() {
		if sc.Invariants == nil || slices.Contains(sc.Invariants, name) {
			out = append(out, all[name])
		}
	}
	if sc.ExpectFailover {
		out = append(out, invariant.Check{Check: invariant.CheckFailoverWithin, Role: invariant.RoleNameNode, Bound: FailoverBound()})
	}
	return out
}

// DefaultPlan is what a History saved without its Judgement is judged
// with: the built-in checks of the built-in scenario of that name, or
// the default built-in checks for any other.
func DefaultPlan(scenario string) invariant.Plan {
	sc, _ := Lookup(scenario)
	return sc.plan()
}

// Save writes history.json, result.json, report.html and timeline.txt to
// dir, and the executed schedule as scenario.yaml (replay it with
// `haharness scenario run -f DIR/scenario.yaml`).
func (r *Result) Save(dir string) error {
	if err := SaveRun(dir, r.History, r, r.Timeline(), r.Checks); err != nil {
		return err
	}
	if r.Schedule == nil {
		return nil
	}
	return spec.Save(filepath.Join(dir, ScheduleFile), r.Schedule, fmt.Sprintf(
		"The schedule scenario %s executed (seed %d), as a scenario file.\nReplay: haharness scenario run -f %s", r.Scenario, r.Seed, ScheduleFile))
}

// ScheduleFile is the name Save gives the executed schedule.
const ScheduleFile = "scenario.yaml"

// SaveRun writes a run's files to dir: history.json (h), result.json
// (result as JSON), timeline.txt and the self-contained report.html of h
// and checks.
func SaveRun(dir string, h invariant.History, result any, timeline string, checks []invariant.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := h.Save(filepath.Join(dir, "history.json")); err != nil {
		return err
	}
	b, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "result.json"), b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "timeline.txt"), []byte(timeline), 0o644); err != nil {
		return err
	}
	return report.WriteFile(filepath.Join(dir, "report.html"), h, checks)
}

// Timeline renders the run as text: faults, state changes (only when a
// daemon's state changes), failed operations, failovers and notes.
func (r *Result) Timeline() string {
	var b strings.Builder
	events := r.History.Sorted()
	if len(events) == 0 {
		return "(empty history)\n"
	}
	t0 := events[0].Time
	last := map[string]string{}
	for _, e := range events {
		at := e.Time.Sub(t0).Seconds()
		switch e.Kind {
		case invariant.KindFaultStart:
			fmt.Fprintf(&b, "%8.2fs  FAULT  %s\n", at, e.Fault)
		case invariant.KindFaultEnd:
			fmt.Fprintf(&b, "%8.2fs  HEAL   %s\n", at, e.Fault)
		case invariant.KindState:
			if last[e.Daemon] != e.State {
				fmt.Fprintf(&b, "%8.2fs  STATE  %s %s -> %s\n", at, e.Daemon, orDash(last[e.Daemon]), e.State)
				last[e.Daemon] = e.State
			}
		case invariant.KindOp:
			if !e.OK {
				fmt.Fprintf(&b, "%8.2fs  OP     %s %s failed: %s\n", at, e.Op, e.Key, e.Err)
			}
		}
	}
	for _, f := range r.Failovers {
		fmt.Fprintf(&b, "failover %s %s -> %s in %v (%s)\n", f.Role, f.From, f.To, f.Duration.Round(time.Millisecond), f.Fault)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "check: %s\n", c)
	}
	fmt.Fprintf(&b, "writes: %d acknowledged, %d failed; seed %d\n", r.Acked, r.FailedOps, r.Seed)
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Lookup returns the scenario with name, or an error listing the names.
func Lookup(name string) (Scenario, error) {
	var names []string
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return Scenario{}, fmt.Errorf("unknown scenario %q: scenarios are %s", name, strings.Join(names, ", "))
}

func newRand(seed int64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), 0x6861686172)) }
