package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/bench"
)

// BenchmarkStart measures cold starts (the guide's whole init sequence)
// and warm starts (from the configuration's snapshot) to HA ready with
// scenarios/bench, as `haharness bench --only cold-start,warm-start` does,
// b.N runs each, and reports their medians, CPU time and peak memory:
//
//	go test ./e2e -run '^$' -bench Start -benchtime 3x
func BenchmarkStart(b *testing.B) {
	harnesstest.RequireDocker(b)
	runs := 0
	for b.Loop() {
		runs++
	}
	r, err := bench.Run(b.Context(), bench.Options{Runs: runs, Only: []string{bench.Cold, bench.Warm}, Progress: benchLog{b}})
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range r.Summaries {
		b.ReportMetric(s.Median, "s-"+s.Name+"(median)")
		b.ReportMetric(s.MedianCPU, "cpu-s-"+s.Name+"(median)")
		b.ReportMetric(float64(s.PeakMiB), "peak-MiB-"+s.Name)
	}
	var out strings.Builder
	r.Print(&out)
	b.Log("\n" + out.String())
}

// benchLog sends bench's progress lines to the benchmark's log.
type benchLog struct{ b *testing.B }

func (l benchLog) Write(p []byte) (int, error) {
	l.b.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
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
			c := harnesstest.Start(b, sc.StartOptions()...)
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
