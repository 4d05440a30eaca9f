package scenarios

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// Load reads a scenario file (spec.Load: validated, every problem named
// with its line and field) and returns the scenario that runs it.
func Load(path string) (Scenario, error) {
	f, err := spec.Load(path, SpecAddons()...)
	if err != nil {
		return Scenario{}, err
	}
	return FromFile(f), nil
}

// FromFile returns the scenario that runs f: its cluster options, its
// schedule as the steps (each item on its own trigger, faults held and
// healed as the file says, the rest healed when the schedule is over), and
// its expectations as checks.
func FromFile(f *spec.File) Scenario {
	sc := Scenario{
		Name:        f.Name,
		Description: strings.TrimSpace(f.Description),
		File:        f,
		Fencing:     config.Fencing(f.Cluster.Fencing),
		Invariants:  f.Expect.Invariants,
	}
	if sc.Description == "" {
		sc.Description = "scenario file " + f.Path
	}
	for _, r := range f.References {
		sc.Description += " [" + r.ID + "]"
	}
	if w := f.Workload.Writes; w != nil {
		sc.WriteInterval = w.Interval.D()
	}
	sc.StaleActiveBound = f.Expect.StaleActiveWithin.NameNode.D()
	sc.StaleResourceManagerBound = f.Expect.StaleActiveWithin.ResourceManager.D()
	if f.Cluster.Hadoop != "" {
		sc.Options = append(sc.Options, harness.WithHadoopVersion(f.Cluster.Hadoop))
	}
	if f.Cluster.Image != "" {
		sc.Options = append(sc.Options, harness.WithImage(f.Cluster.Image))
	}
	if f.Cluster.ExtraHosts > 0 {
		sc.Options = append(sc.Options, harness.WithTopology(f.Topology()))
	}
	sc.Addons = f.Cluster.Addons
	for _, file := range slices.Sorted(maps.Keys(f.Cluster.Config)) {
		sc.Options = append(sc.Options, harness.WithConfig(file, f.Cluster.Config[file]))
	}
	sc.Steps = func(ctx context.Context, e *Env) error {
		e.file = newFileRun(f)
		loads, err := startAddonWorkloads(ctx, e, f)
		e.file.addonLoads = loads
		if err != nil {
			return err
		}
		err = e.file.steps(ctx, e)
		if len(loads) > 0 && err == nil {
			// The add-ons' workloads go on past the last heal.
			err = poll.Sleep(ctx, 3*time.Second)
		}
		return err
	}
	sc.Judge = func(ctx context.Context, e *Env) invariant.Plan {
		if e.file == nil {
			return nil
		}
		return append(e.file.judge(ctx, e), stopAddonWorkloads(ctx, e, e.file.addonLoads)...)
	}
	return sc
}

// fileRun is one run of a scenario file's schedule.
type fileRun struct {
	f *spec.File
	// addonLoads are the add-ons' workloads (workload.NAME), running.
	addonLoads []addonLoad

	mu     sync.Mutex
	events map[string]*event
	// initial are the actives when the schedule began, by role.
	initial map[topology.Role]string
	// windows are the times each fault was in effect (Inject returned)
	// and its heal began, by item id.
	windows map[string]window
	// failoverLabels are the labels of faults that must fail over, by role.
	failoverLabels map[topology.Role][]string
	probes         map[string]probeResult
	zk             *zkClients
	job            jobResult
	jobClient      string
}

type window struct{ from, to time.Time }

type probeResult struct {
	target, daemon string
	acked          bool
	err            string
	ran            bool
}

type jobResult struct {
	submitted bool
	rc        string
	output    string
	err       string
}

// event is one schedule event: it happens once, or is known never to.
type event struct {
	done chan struct{}
	err  error
}

func newFileRun(f *spec.File) *fileRun {
	r := &fileRun{f: f, events: map[string]*event{}, initial: map[topology.Role]string{}, windows: map[string]window{},
		failoverLabels: map[topology.Role][]string{}, probes: map[string]probeResult{}}
	for _, it := range f.Schedule {
		for _, ev := range []string{"injected", "healed", "failover"} {
			r.events[it.ID+"."+ev] = &event{done: make(chan struct{})}
		}
	}
	return r
}

// fire marks an event as happened (err nil) or as never going to (err).
func (r *fileRun) fire(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events[name]
	select {
	case <-ev.done:
		return
	default:
	}
	ev.err = err
	close(ev.done)
}

// fireAll marks every event of item id not yet fired as never happening.
func (r *fileRun) fireAll(id string, err error) {
	for _, ev := range []string{"injected", "healed", "failover"} {
		r.fire(id+"."+ev, err)
	}
}

func (r *fileRun) steps(ctx context.Context, e *Env) error {
	for _, role := range []topology.Role{topology.NameNode, topology.ResourceManager} {
		id, err := e.Active(ctx, role)
		if err != nil {
			return fmt.Errorf("before the schedule: %w", err)
		}
		r.initial[role] = id
	}
	if mr := r.f.Workload.MapReduce; mr != nil {
		if err := r.submitJob(ctx, e, mr); err != nil {
			return err
		}
	}
	if z := r.f.Workload.ZooKeeper; z != nil {
		interval := z.Interval.D()
		if interval <= 0 {
			interval = DefaultWriteInterval
		}
		zc, err := startZKClients(ctx, e.C, path.Base(e.Dir), z.Clients, interval)
		if err != nil {
			return err
		}
		r.zk = zc
		defer zc.Stop()
	}
	_, failed0, _ := e.W.Counts()
	begun := time.Now()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		held = map[string]*harness.Injection{}
	)
	for _, it := range r.f.Schedule {
		wg.Go(func() {
			in, err := r.item(ctx, e, it, begun, failed0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("schedule item %s: %w", it.ID, err))
			}
			if in != nil {
				held[it.ID] = in
			}
		})
	}
	wg.Wait()
	// Faults held to the end are healed now.
	for _, id := range slices.Sorted(maps.Keys(held)) {
		in := held[id]
		r.healing(id)
		if err := e.Heal(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("heal %s: %w", faultLabel(in), err))
		}
	}
	if r.f.Workload.MapReduce != nil && r.job.submitted {
		r.waitJob(ctx, e)
	}
	if err := e.Recover(ctx); err != nil {
		errs = append(errs, fmt.Errorf("recover after the schedule: %w", err))
	}
	if err := e.W.WaitAcked(ctx, 3); err != nil {
		errs = append(errs, fmt.Errorf("writes after the schedule: %w", err))
	}
	return errors.Join(errs...)
}

// item runs one schedule item: waits for its trigger, injects (or probes),
// waits for the failover it asks for, holds and heals. It returns the
// injection when the fault is to be held to the end.
func (r *fileRun) item(ctx context.Context, e *Env, it spec.Item, begun time.Time, failed0 int) (*harness.Injection, error) {
	if err := r.trigger(ctx, e, it, begun, failed0); err != nil {
		r.fireAll(it.ID, err)
		return nil, err
	}
	if it.Probe != "" {
		r.probe(ctx, e, it)
		r.fire(it.ID+".injected", nil)
		return nil, nil
	}
	f, err := it.FaultOf()
	if err != nil {
		r.fireAll(it.ID, err)
		return nil, err
	}
	role := topology.Role(it.Failover)
	var from string
	if role != "" {
		if from, err = e.Active(ctx, role); err != nil {
			r.fireAll(it.ID, err)
			return nil, fmt.Errorf("active %s before %s: %w", role, f, err)
		}
	}
	in, err := e.Inject(ctx, f)
	if err != nil {
		r.fireAll(it.ID, fmt.Errorf("%s was not injected", it.ID))
		return nil, err
	}
	r.mu.Lock()
	r.windows[it.ID] = window{from: time.Now()}
	if role != "" {
		r.failoverLabels[role] = append(r.failoverLabels[role], faultLabel(in))
	}
	r.mu.Unlock()
	r.fire(it.ID+".injected", nil)
	var errs []error
	if role != "" {
		if _, err := e.Failover(ctx, role, from, in); err != nil {
			r.fire(it.ID+".failover", fmt.Errorf("no %s failover after %s", role, it.ID))
			errs = append(errs, fmt.Errorf("%s must fail the active %s over: %w", f, role, err))
		} else {
			r.fire(it.ID+".failover", nil)
		}
	} else {
		r.fire(it.ID+".failover", fmt.Errorf("%s asks for no failover", it.ID))
	}
	if it.Hold == 0 {
		// Held until the schedule is over; healed then (nothing waits for
		// its heal: spec refuses after: ID.healed without a hold).
		return in, errors.Join(errs...)
	}
	if rest := it.Hold.D() - time.Since(in.Start); rest > 0 {
		if err := poll.Sleep(ctx, rest); err != nil {
			r.fire(it.ID+".healed", err)
			return in, err
		}
	}
	r.healing(it.ID)
	if err := e.Heal(ctx, in); err != nil {
		r.fire(it.ID+".healed", err)
		return in, errors.Join(append(errs, err)...)
	}
	r.fire(it.ID+".healed", nil)
	return nil, errors.Join(errs...)
}

// healing records that item id's heal begins.
func (r *fileRun) healing(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.windows[id]
	w.to = time.Now()
	r.windows[id] = w
}

// trigger waits until the item may start.
func (r *fileRun) trigger(ctx context.Context, e *Env, it spec.Item, begun time.Time, failed0 int) error {
	switch {
	case it.After != "":
		if err := r.waitEvent(ctx, e, it.After); err != nil {
			return fmt.Errorf("after %s: %w", it.After, err)
		}
		return poll.Sleep(ctx, it.Wait.D())
	case it.When != "":
		err := poll.Until(ctx, it.When, 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
			return r.condition(ctx, e, it.When, failed0)
		})
		if err != nil {
			return err
		}
		return poll.Sleep(ctx, it.Wait.D())
	}
	var at time.Duration
	if it.At != nil {
		at = it.At.D()
	}
	return poll.Sleep(ctx, time.Until(begun.Add(at)))
}

func (r *fileRun) waitEvent(ctx context.Context, e *Env, name string) error {
	if ev, ok := r.events[name]; ok {
		select {
		case <-ev.done:
			return ev.err
		case <-ctx.Done():
			return fmt.Errorf("%s did not happen: %w", name, ctx.Err())
		}
	}
	role := topology.NameNode
	if name == spec.EventNewActiveResourceManager {
		role = topology.ResourceManager
	}
	return poll.Until(ctx, name, 250*time.Millisecond, func(context.Context) (bool, string, error) {
		d := newActive(*e.H, role, r.initial[role])
		return d != "", "still " + r.initial[role], nil
	})
}

// newActive returns a daemon of role other than initial sampled active in
// h, or "".
func newActive(h invariant.History, role topology.Role, initial string) string {
	for _, ev := range h.Sorted() {
		if ev.Kind == invariant.KindState && ev.Role == historyRole(role) && ev.State == invariant.StateActive && ev.Daemon != initial {
			return ev.Daemon
		}
	}
	return ""
}

func historyRole(r topology.Role) string {
	switch r {
	case topology.ResourceManager:
		return invariant.RoleResourceManager
	case topology.NameNode, "":
		return invariant.RoleNameNode
	}
	return string(r) // an add-on's HA role: its lanes' role (addon.Role.HA)
}

func (r *fileRun) condition(ctx context.Context, e *Env, cond string, failed0 int) (bool, string, error) {
	switch cond {
	case spec.CondWriteFailed:
		a, f, last := e.W.Counts()
		return f > failed0, fmt.Sprintf("acked=%d failed=%d %s", a, f, last), nil
	case spec.CondJobRunning:
		for _, h := range e.C.Topology().On(topology.ResourceManager) {
			apps, err := observe.Apps(ctx, e.C.Addr(h, config.PortRMWeb))
			if err != nil {
				continue
			}
			for _, a := range apps {
				if a.State == "RUNNING" {
					return true, "", nil
				}
			}
		}
		return false, "no application running", nil
	}
	return false, "", fmt.Errorf("unknown condition %q", cond)
}

// cause is the last part of an error chain ("create /long/path: x: y"
// gives "x: y" past the path), on one line.
func cause(err error) string {
	s := firstLine(err.Error())
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "create ") {
		s = s[i+2:]
	}
	if j := strings.Index(s, ": "); j >= 0 && strings.HasPrefix(s, "/") {
		s = s[j+2:]
	}
	return s
}

// probe writes one file through one NameNode alone and records it with
// served-by, so NoSplitBrainWrites judges it too.
func (r *fileRun) probe(ctx context.Context, e *Env, it spec.Item) {
	id := it.Target
	if id == spec.ProbeInitialActive {
		id = r.initial[topology.NameNode]
	}
	host := e.C.Topology().NameNodeHost(id)
	res := probeResult{target: it.Target, daemon: id, ran: true}
	key := fmt.Sprintf("%s/probe-%s-%s", e.Dir, it.ID, id)
	value := "written through " + id + " alone\n"
	start := time.Now()
	client, err := e.C.HDFSOn(host)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = harness.WriteFile(pctx, client, key, []byte(value))
		cancel()
		client.Close()
	}
	e.H.Add(invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: invariant.OpWrite, Key: key, Start: start,
		Value: value, OK: err == nil, Err: errString(err), Note: "served-by=" + id})
	if err != nil {
		res.err = cause(err)
	}
	res.acked = err == nil
	if err == nil {
		if e.W != nil {
			e.W.Track(key) // acknowledged: it must be read back like the workload's
		}
		e.Note("probe %s: write through %s alone was acknowledged", it.ID, id)
	} else {
		e.Note("probe %s: write through %s alone refused: %s", it.ID, id, cause(err))
	}
	r.mu.Lock()
	r.probes[it.ID] = res
	r.mu.Unlock()
}

const jobDir = "/tmp/hh-file-job"

func (r *fileRun) submitJob(ctx context.Context, e *Env, mr *spec.MapReduce) error {
	args := mr.Args
	if len(args) == 0 {
		args = []string{"3", "20000"}
	}
	r.jobClient = e.C.Topology().On(topology.NodeManager)[0]
	script := fmt.Sprintf("rm -rf %[1]s; mkdir -p %[1]s; setsid nohup bash -c 'yarn jar %[2]s %[3]s %[4]s > %[1]s/log 2>&1; echo $? > %[1]s/rc' >/dev/null 2>&1 &",
		jobDir, config.ExamplesJar, mr.Job, strings.Join(args, " "))
	res, err := e.C.Shell(ctx, r.jobClient, script)
	if err != nil || res.ExitCode != 0 {
		return fmt.Errorf("submit %s job: %v %s", mr.Job, err, res.Combined())
	}
	r.job.submitted = true
	return nil
}

// JobTimeout bounds the wait for a scenario file's MapReduce job.
const JobTimeout = 5 * time.Minute

func (r *fileRun) waitJob(ctx context.Context, e *Env) {
	jctx, cancel := context.WithTimeout(ctx, JobTimeout)
	defer cancel()
	err := poll.Until(jctx, "mapreduce job to finish", time.Second, func(ctx context.Context) (bool, string, error) {
		res, err := e.C.Shell(ctx, r.jobClient, "cat "+jobDir+"/rc 2>/dev/null")
		if err != nil {
			return false, err.Error(), nil
		}
		r.job.rc = strings.TrimSpace(res.Stdout)
		return r.job.rc != "", "still running", nil
	})
	if err != nil {
		r.job.err = err.Error()
	}
	out, _ := e.C.Shell(ctx, r.jobClient, "tail -n 20 "+jobDir+"/log")
	r.job.output = out.Stdout
	if r.job.rc != "" {
		e.Note("mapreduce %s job exited %s: %s", r.f.Workload.MapReduce.Job, r.job.rc, firstLine(lastLine(out.Stdout)))
	}
}
