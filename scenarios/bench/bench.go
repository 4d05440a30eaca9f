// Package bench measures what users wait for: a cold start (the guide's
// whole init sequence) and a warm start (from the configuration's
// snapshot) to HA ready, and NameNode failover by kill and by freeze and
// ResourceManager failover by kill, each over several runs on real
// clusters. It reports the median and p95 of each, the phases (init steps)
// behind them, the CPU time the cluster's processes used and the peak
// memory of the cluster, and writes it all as JSON. `haharness bench` runs
// it; README's figures come from it.
//
// Layering: imports harness, harness/fault and scenarios (WaitFailover).
package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios"
)

// The measurements, in the order they run.
const (
	Cold     = "cold-start"
	Warm     = "warm-start"
	NNKill   = "nn-failover-kill"
	NNFreeze = "nn-failover-freeze"
	RMKill   = "rm-failover-kill"
)

// All lists every measurement.
func All() []string { return []string{Cold, Warm, NNKill, NNFreeze, RMKill} }

// Options tune Run.
type Options struct {
	// Runs is how many times each measurement runs (default 3).
	Runs int
	// Only restricts Run to these measurements (default All()).
	Only []string
	// Start are extra options for every cluster the bench starts.
	Start []harness.Option
	// Progress receives one line per run (default: discarded).
	Progress io.Writer
}

// Sample is one run of one measurement.
type Sample struct {
	Name    string  `json:"name"`
	Run     int     `json:"run"`
	Seconds float64 `json:"seconds"`
	// CPUSeconds is the CPU time the cluster's processes used from the
	// creation of its hosts to HA ready (starts only).
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	// PeakMiB is the highest memory of the cluster sampled during the run
	// and 5 s after it (starts only).
	PeakMiB int `json:"peak_mib,omitempty"`
	// Phases are the init steps (starts) or the failover and the heal
	// after it, in seconds.
	Phases []Phase `json:"phases"`
}

// Phase is one named part of a run.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// Summary is one measurement over its runs.
type Summary struct {
	Name          string  `json:"name"`
	Runs          int     `json:"runs"`
	Median        float64 `json:"median_s"`
	P95           float64 `json:"p95_s"`
	Min           float64 `json:"min_s"`
	Max           float64 `json:"max_s"`
	MedianCPU     float64 `json:"median_cpu_s,omitempty"`
	PeakMiB       int     `json:"peak_mib,omitempty"`
	PhaseMedians  []Phase `json:"phase_medians"`
	PhaseOverlaps bool    `json:"phases_overlap,omitempty"`
}

// Machine is where the figures were measured.
type Machine struct {
	CPUs        int    `json:"cpus"`
	MemTotalMiB int    `json:"mem_total_mib"`
	Engine      string `json:"engine"`
	Kernel      string `json:"kernel,omitempty"`
}

// Report is a whole bench run.
type Report struct {
	Started   time.Time `json:"started"`
	Machine   Machine   `json:"machine"`
	Image     string    `json:"image"`
	Samples   []Sample  `json:"samples"`
	Summaries []Summary `json:"summaries"`
	// Notes say what the bench did besides measuring (a priming start
	// that saved the snapshot).
	Notes []string `json:"notes,omitempty"`
}

// Run runs the measurements. Every cluster it starts is removed before it
// returns, whatever happens. A failed run ends the bench with an error;
// the report holds the samples taken until then.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if len(o.Only) == 0 {
		o.Only = All()
	}
	for _, n := range o.Only {
		if !slices.Contains(All(), n) {
			return Report{}, fmt.Errorf("bench: unknown measurement %q: choose from %s", n, strings.Join(All(), ", "))
		}
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	r := Report{Started: time.Now(), Machine: machine()}
	b := &bencher{o: o, r: &r}
	defer b.destroy()
	err := b.run(ctx)
	r.Summaries = Summarize(r.Samples)
	return r, err
}

type bencher struct {
	o Options
	r *Report
	// kept is the warm cluster the failovers run on.
	kept *harness.Cluster
}

func (b *bencher) want(name string) bool { return slices.Contains(b.o.Only, name) }

func (b *bencher) run(ctx context.Context) error {
	if b.want(Cold) {
		for i := 1; i <= b.o.Runs; i++ {
			if err := b.start(ctx, Cold, i, harness.WithFreshInit()); err != nil {
				return err
			}
		}
	}
	failovers := b.want(NNKill) || b.want(NNFreeze) || b.want(RMKill)
	if b.want(Warm) || failovers {
		runs := b.o.Runs
		if !b.want(Warm) {
			runs = 1 // one start to run the failovers on
		}
		for i := 1; i <= runs; i++ {
			if err := b.start(ctx, Warm, i); err != nil {
				return err
			}
		}
	}
	for _, m := range []struct {
		name string
		role topology.Role
		f    fault.Fault
	}{
		{NNKill, topology.NameNode, fault.KillDaemon{Target: fault.ActiveNameNode}},
		{NNFreeze, topology.NameNode, fault.FreezeDaemon{Target: fault.ActiveNameNode}},
		{RMKill, topology.ResourceManager, fault.KillDaemon{Target: fault.ActiveResourceManager}},
	} {
		if !b.want(m.name) {
			continue
		}
		for i := 1; i <= b.o.Runs; i++ {
			if err := b.failover(ctx, m.name, i, m.role, m.f); err != nil {
				return err
			}
		}
	}
	return nil
}

// start measures one start to HA ready. A warm start that finds no
// snapshot is a priming start (it saves one): noted, not counted, and run
// again.
func (b *bencher) start(ctx context.Context, name string, run int, opts ...harness.Option) error {
	if b.kept != nil {
		b.destroy()
	}
	cname := fmt.Sprintf("bench-%s-%d", strings.TrimSuffix(name, "-start"), run)
	var peak int
	var mu sync.Mutex
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { // sample the cluster's memory while it starts and settles
		for sctx.Err() == nil {
			if c, err := harness.Attach(sctx, cname, nil); err == nil {
				if mib, err := c.MemoryMiB(sctx); err == nil {
					mu.Lock()
					peak = max(peak, mib)
					mu.Unlock()
				}
			}
			_ = poll.Sleep(sctx, time.Second)
		}
	})
	begin := time.Now()
	c, err := harness.Start(ctx, append(append([]harness.Option{harness.WithName(cname)}, b.o.Start...), opts...)...)
	took := time.Since(begin)
	if err != nil {
		stop()
		wg.Wait()
		return fmt.Errorf("%s run %d: %w", name, run, err)
	}
	b.kept = c
	b.r.Image = c.Image()
	cpu, cerr := c.CPUSeconds(ctx)
	_ = poll.Sleep(ctx, 5*time.Second) // the peak often comes just after ready: keep sampling
	stop()
	wg.Wait()
	if cerr != nil {
		return fmt.Errorf("%s run %d: cpu: %w", name, run, cerr)
	}
	steps := c.Steps()
	if name == Warm && !slices.ContainsFunc(steps, func(s harness.Step) bool { return s.Name == "restore snapshot" }) {
		b.r.Notes = append(b.r.Notes, fmt.Sprintf("warm-start: no snapshot yet; a priming start (%.1f s, not counted) saved it", took.Seconds()))
		fmt.Fprintf(b.o.Progress, "%-20s priming start (saved the snapshot) %6.1f s, not counted\n", name, took.Seconds())
		return b.start(ctx, name, run, opts...)
	}
	s := Sample{Name: name, Run: run, Seconds: took.Seconds(), CPUSeconds: cpu, PeakMiB: peak}
	for _, st := range steps {
		s.Phases = append(s.Phases, Phase{Name: st.Name, Seconds: st.Duration.Seconds()})
	}
	b.r.Samples = append(b.r.Samples, s)
	fmt.Fprintf(b.o.Progress, "%-20s run %d: %6.1f s to HA ready, %5.1f CPU-s, peak %d MiB\n", name, run, s.Seconds, cpu, peak)
	return nil
}

// failover injects f on the kept cluster, measures the time until the
// active of role has failed over (scenarios.WaitFailover, the ha.Failover
// rule: another single active, named by the election lock), then heals to
// HA ready.
func (b *bencher) failover(ctx context.Context, name string, run int, role topology.Role, f fault.Fault) error {
	c := b.kept
	if _, err := c.Heal(ctx); err != nil {
		return fmt.Errorf("%s run %d: heal before: %w", name, run, err)
	}
	st, err := c.Status(ctx, harness.StatusOptions{})
	if err != nil {
		return err
	}
	// The failover is measured away from the settled active (ha.Failover).
	g := st.HA(role)
	from := g.Settled()
	if from == "" {
		return fmt.Errorf("%s run %d: no active %s named by the election lock after the heal: %s", name, run, role, g)
	}
	begin := time.Now()
	in, err := c.Inject(ctx, f)
	if err != nil {
		return fmt.Errorf("%s run %d: %w", name, run, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	to, took, werr := scenarios.WaitFailover(wctx, c, role, from, begin)
	cancel()
	healBegin := time.Now()
	_ = in.Heal(ctx)
	_, herr := c.Heal(ctx)
	if werr != nil {
		return fmt.Errorf("%s run %d: %w", name, run, werr)
	}
	if herr != nil {
		return fmt.Errorf("%s run %d: heal after: %w", name, run, herr)
	}
	heal := time.Since(healBegin)
	b.r.Samples = append(b.r.Samples, Sample{Name: name, Run: run, Seconds: took.Seconds(),
		Phases: []Phase{{"failover " + from + " -> " + to, took.Seconds()}, {"heal to HA ready", heal.Seconds()}}})
	fmt.Fprintf(b.o.Progress, "%-20s run %d: %6.1f s (%s -> %s), healed in %.1f s\n", name, run, took.Seconds(), from, to, heal.Seconds())
	return nil
}

func (b *bencher) destroy() {
	if b.kept == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_ = b.kept.Destroy(ctx)
	b.kept = nil
}

// Summarize groups samples by measurement, in the order of All().
func Summarize(samples []Sample) []Summary {
	var out []Summary
	for _, name := range All() {
		var secs, cpu []float64
		phases := map[string][]float64{}
		var order []string
		s := Summary{Name: name}
		for _, x := range samples {
			if x.Name != name {
				continue
			}
			secs = append(secs, x.Seconds)
			if x.CPUSeconds > 0 {
				cpu = append(cpu, x.CPUSeconds)
			}
			s.PeakMiB = max(s.PeakMiB, x.PeakMiB)
			var sum float64
			for _, p := range x.Phases {
				key := p.Name
				if strings.HasPrefix(key, "failover ") {
					key = "failover"
				}
				if _, ok := phases[key]; !ok {
					order = append(order, key)
				}
				phases[key] = append(phases[key], p.Seconds)
				sum += p.Seconds
			}
			if x.CPUSeconds > 0 && sum > x.Seconds*1.02 {
				s.PhaseOverlaps = true // steps ran at once: their times add up to more than the whole
			}
		}
		if len(secs) == 0 {
			continue
		}
		s.Runs = len(secs)
		s.Median, s.P95 = Quantile(secs, 0.5), Quantile(secs, 0.95)
		s.Min, s.Max = slices.Min(secs), slices.Max(secs)
		if len(cpu) > 0 {
			s.MedianCPU = Quantile(cpu, 0.5)
		}
		for _, k := range order {
			s.PhaseMedians = append(s.PhaseMedians, Phase{Name: k, Seconds: Quantile(phases[k], 0.5)})
		}
		out = append(out, s)
	}
	return out
}

// Quantile is the nearest-rank q-quantile of xs (the median of an even
// count is the mean of the two middle values).
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if q == 0.5 && len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Print writes the summaries as a table.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "machine: %d CPUs, %d MiB, engine %s; image %s\n", r.Machine.CPUs, r.Machine.MemTotalMiB, r.Machine.Engine, r.Image)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintf(w, "%-20s %4s %8s %8s %8s %8s %9s %9s\n", "measurement", "runs", "median", "p95", "min", "max", "CPU-s", "peak MiB")
	for _, s := range r.Summaries {
		cpu, peak := "-", "-"
		if s.MedianCPU > 0 {
			cpu = strconv.FormatFloat(s.MedianCPU, 'f', 1, 64)
		}
		if s.PeakMiB > 0 {
			peak = strconv.Itoa(s.PeakMiB)
		}
		fmt.Fprintf(w, "%-20s %4d %7.1fs %7.1fs %7.1fs %7.1fs %9s %9s\n", s.Name, s.Runs, s.Median, s.P95, s.Min, s.Max, cpu, peak)
		for _, p := range s.PhaseMedians {
			fmt.Fprintf(w, "    %-62s %7.1fs\n", p.Name, p.Seconds)
		}
		if s.PhaseOverlaps {
			fmt.Fprintf(w, "    (steps run at once: their medians add up to more than the whole)\n")
		}
	}
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
				m.MemTotalMiB = kb / 1024
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}
