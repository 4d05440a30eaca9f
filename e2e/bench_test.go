package e2e

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios"
)

// BenchmarkStartToReady measures Start → HA ready for the guide's preset
// (images already built), reports each init step's time and the peak memory
// of the whole cluster, sampled every 2 s. Run it with -benchtime=3x:
//
//	go test ./e2e -run '^$' -bench StartToReady -benchtime 3x
func BenchmarkStartToReady(b *testing.B) {
	harnesstest.RequireDocker(b)
	steps := map[string][]time.Duration{}
	var totals []time.Duration
	peak := 0
	for b.Loop() {
		ctx, cancel := context.WithCancel(b.Context())
		var c *harness.Cluster
		var mu sync.Mutex
		name := "bench" + time.Now().Format("150405")
		var wg sync.WaitGroup
		wg.Go(func() { // sample memory while the cluster comes up and runs
			for ctx.Err() == nil {
				if mib, err := clusterMemory(ctx, name); err == nil {
					mu.Lock()
					peak = max(peak, mib)
					mu.Unlock()
				}
				_ = poll.Sleep(ctx, 2*time.Second)
			}
		})
		start := time.Now()
		c, err := harness.Start(ctx, harness.WithName(name))
		total := time.Since(start)
		if err != nil {
			cancel()
			wg.Wait()
			b.Fatal(err)
		}
		_ = poll.Sleep(ctx, 6*time.Second) // let memory settle after ready; sampled meanwhile
		cancel()
		wg.Wait()
		totals = append(totals, total)
		for _, s := range c.Steps() {
			steps[s.Name] = append(steps[s.Name], s.Duration)
		}
		if err := c.Destroy(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(median(totals).Seconds(), "s-to-ready(median)")
	b.ReportMetric(float64(peak), "peak-cluster-MiB")
	b.Logf("start → HA ready: runs %v, median %v; peak cluster memory %d MiB", round(totals), median(totals).Round(time.Millisecond), peak)
	for _, name := range stepOrder(steps) {
		b.Logf("  step %-45s median %v (runs %v)", name, median(steps[name]).Round(time.Millisecond), round(steps[name]))
	}
}

func clusterMemory(ctx context.Context, name string) (int, error) {
	c, err := harness.Attach(ctx, name, nil)
	if err != nil {
		return 0, err
	}
	return c.MemoryMiB(ctx)
}

// BenchmarkFailover runs the failover scenarios (one fresh cluster each,
// b.N runs on it) and reports the median NameNode or ResourceManager
// failover time per scenario:
//
//	go test ./e2e -run '^$' -bench Failover -benchtime 3x -timeout 60m
func BenchmarkFailover(b *testing.B) {
	harnesstest.RequireDocker(b)
	for _, sc := range scenarios.All() {
		if sc.Name == "random-chaos" || (*scenarioFlag != "" && sc.Name != *scenarioFlag) {
			continue
		}
		b.Run(sc.Name, func(b *testing.B) {
			c := harnesstest.Start(b, sc.Options...)
			var times []time.Duration
			seed := int64(1)
			for b.Loop() {
				res, err := scenarios.Run(b.Context(), c, sc, seed, nil)
				if err != nil {
					b.Fatal(err)
				}
				if ferr := res.Failed(); ferr != nil {
					b.Fatalf("%v\n%s", ferr, res.Timeline())
				}
				for _, f := range res.Failovers {
					times = append(times, f.Duration)
				}
				seed++
			}
			if len(times) == 0 {
				b.Logf("%s: no failover expected or measured", sc.Name)
				return
			}
			b.ReportMetric(median(times).Seconds(), "s-failover(median)")
			b.Logf("%s: failover times %v, median %v", sc.Name, round(times), median(times).Round(time.Millisecond))
		})
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func round(d []time.Duration) []time.Duration {
	out := make([]time.Duration, len(d))
	for i, x := range d {
		out[i] = x.Round(100 * time.Millisecond)
	}
	return out
}

func stepOrder(m map[string][]time.Duration) []string {
	order := []string{"start zookeeper ensemble", "start journalnodes", "format nn1", "start nn1", "bootstrap standby namenodes",
		"format zkfc znode", "start standby namenodes, zkfcs and datanodes", "start resourcemanagers and nodemanagers", "wait for HA ready"}
	var out []string
	for _, n := range order {
		if _, ok := m[n]; ok {
			out = append(out, n)
		}
	}
	return out
}
