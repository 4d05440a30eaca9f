package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
)

func TestOneLanePerDaemon(t *testing.T) {
	tests := []struct {
		fixture string
		daemons []string // in lane order
		ops     []string
	}{
		{"clean-failover", []string{"nn1", "nn2", "rm1", "rm2"}, []string{"write", "read"}},
		{"clean-failover-audit", []string{"nn1", "nn2", "rm1", "rm2"}, []string{"write", "read"}},
		{"split-brain", []string{"nn1", "nn2"}, []string{"write", "read"}},
		{"slow-failover", []string{"nn1", "nn2"}, nil},
		{"lost-write", nil, []string{"write", "read"}},
		{"zk-lock", []string{"nn1", "rm1", "zk-lock"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			var h invariant.History
			if tt.fixture == "zk-lock" {
				t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
				for i, d := range []string{"zk-lock", "rm1", "nn1"} {
					role := map[string]string{"nn1": invariant.RoleNameNode, "rm1": invariant.RoleResourceManager}[d]
					h.Add(invariant.Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: invariant.KindState, Daemon: d, Role: role, State: "active"})
					h.Add(invariant.Event{Time: t0.Add(time.Duration(i+3) * time.Second), Kind: invariant.KindState, Daemon: d, Role: role, State: "observer"})
				}
			} else {
				h = loadFixture(t, tt.fixture)
			}
			es := parse(t, render(t, h, nil))
			var got, gotOps []string
			for _, g := range find(es, "g", "class", "lane") {
				got = append(got, g.attrs["data-daemon"])
			}
			for _, g := range find(es, "g", "class", "oplane") {
				gotOps = append(gotOps, g.attrs["data-op"])
			}
			assertSlicesEqual(t, tt.daemons, got, "lanes")
			assertSlicesEqual(t, tt.ops, gotOps, "op lanes")
		})
	}
}

func TestFaultBands(t *testing.T) {
	unhealed := invariant.History{Scenario: "unhealed", Events: []invariant.Event{
		nn(0, "nn1", "active"),
		fault(1, invariant.KindFaultStart, "partition hadoop001"),
		fault(2, invariant.KindFaultStart, "kill-daemon hadoop002/namenode"),
		fault(3, invariant.KindFaultEnd, "kill-daemon hadoop002/namenode"),
		nn(10, "nn1", "active"),
	}}
	tests := []struct {
		name   string
		h      invariant.History
		labels []string
		open   int // bands of faults never healed
	}{
		{"clean-failover", loadFixture(t, "clean-failover"), []string{"freeze-daemon hadoop001/namenode"}, 0},
		{"never-failover", loadFixture(t, "never-failover"), []string{"partition hadoop001"}, 0},
		{"unhealed", unhealed, []string{"partition hadoop001", "kill-daemon hadoop002/namenode"}, 1},
		{"end without start", invariant.History{Events: []invariant.Event{
			nn(0, "nn1", "active"), fault(1, invariant.KindFaultStart, "a"), fault(2, invariant.KindFaultEnd, "b"), nn(3, "nn1", "active"),
		}}, []string{"b", "a"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := parse(t, render(t, tt.h, nil))
			var labels []string
			for _, e := range find(es, "text", "class", "blabel") {
				labels = append(labels, e.text)
			}
			assertSlicesEqual(t, tt.labels, labels, "band labels")
			assert.Equal(t, tt.open, len(find(es, "rect", "class", "open")), "unhealed bands")
		})
	}
	// The unhealed partition runs to the end of the history: the right
	// edge of the plot.
	tl := build(unhealed, nil).TL
	require.NotEmpty(t, tl.Bands, "no fault bands")
	b := tl.Bands[0]
	assert.Equal(t, "partition hadoop001", b.Label, "first band")
	assert.GreaterOrEqual(t, b.X+b.W, tl.X1-0.01, "unhealed band %q ends at x=%.1f, want the end of the plot at %.1f", b.Label, b.X+b.W, tl.X1)
}

func TestFailoverLatency(t *testing.T) {
	// Fault a finds no active NameNode; b sees no failover before c starts;
	// c sees nn1 → nn2 after 1s.
	three := invariant.History{Events: []invariant.Event{
		nn(0, "nn1", "down"), nn(0, "nn2", "standby"),
		fault(1, invariant.KindFaultStart, "a"), fault(2, invariant.KindFaultEnd, "a"),
		nn(3, "nn1", "active"), nn(3, "nn2", "standby"),
		fault(4, invariant.KindFaultStart, "b"), fault(6, invariant.KindFaultEnd, "b"),
		fault(7, invariant.KindFaultStart, "c"),
		nn(8, "nn1", "standby"), nn(8, "nn2", "active"),
		fault(9, invariant.KindFaultEnd, "c"),
	}}
	tests := []struct {
		name string
		h    invariant.History
		want []failoverRow // fields compared: Old, By, Latency, Class
	}{
		{"clean-failover", loadFixture(t, "clean-failover"), []failoverRow{{Old: "nn1", By: "nn2", Latency: "8.5s", Class: "during"}}},
		{"split-brain", loadFixture(t, "split-brain"), []failoverRow{{Old: "nn1", By: "nn2", Latency: "7s", Class: "during"}}},
		{"slow-failover", loadFixture(t, "slow-failover"), []failoverRow{{Old: "nn1", By: "nn2", Latency: "40s", Class: "during"}}},
		{"never-failover", loadFixture(t, "never-failover"), []failoverRow{{Old: "nn1", By: "nn2", Latency: "43s", Class: "late"}}},
		{"lost-write", loadFixture(t, "lost-write"), nil},
		{"three faults", three, []failoverRow{
			{Old: "none", Latency: "—", Class: "muted"},
			{Old: "nn1", Latency: "—", Class: "none"},
			{Old: "nn1", By: "nn2", Latency: "1s", Class: "during"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := build(tt.h, nil)
			require.Len(t, p.Failovers, len(tt.want), "failover rows")
			var during []string
			for i, got := range p.Failovers {
				w := tt.want[i]
				assert.Equal(t, w.Old, got.Old, "row %d: old", i)
				assert.Equal(t, w.By, got.By, "row %d: by", i)
				assert.Equal(t, w.Latency, got.Latency, "row %d: latency", i)
				assert.Equal(t, w.Class, got.Class, "row %d: class", i)
				if w.Class == "during" {
					during = append(during, w.Latency)
				}
			}
			// invariant.FailoverTimes measures the failovers while a fault
			// was on; the report must agree with it on those.
			var times []string
			for _, d := range invariant.FailoverTimes(tt.h, invariant.RoleNameNode) {
				times = append(times, d.String())
			}
			assertSlicesEqual(t, during, times, "invariant.FailoverTimes against the report's latencies during faults")
			page := render(t, tt.h, nil)
			es := parse(t, page)
			markers := 0
			for _, w := range tt.want {
				if w.By != "" {
					markers++
				}
			}
			assert.Equal(t, markers, len(find(es, "g", "class", "fo")), "failover markers on the timeline")
			for _, w := range tt.want {
				assert.True(t, bytes.Contains(page, []byte(`<td class="lat">`+w.Latency+`</td>`)), "failover table does not show %s", w.Latency)
			}
		})
	}
}

func TestOverlaps(t *testing.T) {
	sameTime := invariant.History{Events: []invariant.Event{
		nn(0, "nn1", "active"), nn(0, "nn2", "standby"),
		nn(1, "nn1", "active"),
		{Time: at(1), Kind: invariant.KindOp, Op: "write", Key: "/k", OK: true},
		nn(1, "nn2", "active"),
		nn(2, "nn1", "active"), nn(2, "nn2", "active"),
	}}
	three := invariant.History{Events: []invariant.Event{
		nn(0, "nn1", "active"), nn(1, "nn2", "active"), nn(2, "nn3", "active"), nn(3, "nn1", "standby"), nn(4, "nn2", "standby"), nn(5, "nn3", "standby"),
	}}
	tests := []struct {
		name string
		h    invariant.History
		want []string // box titles
	}{
		{"clean-failover", loadFixture(t, "clean-failover"), nil},
		{"split-brain", loadFixture(t, "split-brain"), []string{"nn1, nn2 all active from +10.5s to +12s (1.5s)"}},
		{"op between samples of one round", sameTime, []string{"nn1, nn2 all active from +1s to +2s (1s)"}},
		{"one box per set of active daemons", three, []string{
			"nn1, nn2 all active from +1s to +2s (1s)",
			"nn1, nn2, nn3 all active from +2s to +3s (1s)",
			"nn2, nn3 all active from +3s to +4s (1s)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, o := range build(tt.h, nil).TL.Overlaps {
				got = append(got, o.Title)
			}
			assertSlicesEqual(t, tt.want, got, "overlap boxes")
			assert.Equal(t, len(tt.want), len(find(parse(t, render(t, tt.h, nil)), "rect", "class", "overlap")), "overlap boxes on the timeline")
		})
	}
}

func TestTicks(t *testing.T) {
	tests := []struct {
		span  time.Duration
		first []string
	}{
		{17500 * time.Millisecond, []string{"0s", "2s", "4s"}},
		{52 * time.Second, []string{"0s", "5s", "10s"}},
		{time.Second, []string{"0s", "0.1s", "0.2s"}},
		{20 * time.Minute, []string{"0m", "2m", "4m"}},
	}
	for _, tt := range tests {
		t.Run(tt.span.String(), func(t *testing.T) {
			ts := ticks(tt.span, func(d time.Duration) float64 { return d.Seconds() })
			assert.GreaterOrEqual(t, len(ts), 5, "ticks, want 5 to 13")
			assert.LessOrEqual(t, len(ts), 13, "ticks, want 5 to 13")
			require.GreaterOrEqual(t, len(ts), len(tt.first), "ticks")
			for i, want := range tt.first {
				assert.Equal(t, want, ts[i].Label, "tick %d", i)
			}
		})
	}
}

func TestAuditRecords(t *testing.T) {
	h := loadFixture(t, "clean-failover-audit")
	h.Add(invariant.Event{Time: at(11.4), Kind: invariant.KindServed, Daemon: "nn9", Op: invariant.AuditCreate, Key: "/ha/k2"}) // no lane
	p := build(h, nil)
	assert.Contains(t, p.Counts, "· 8 NameNode audit records", "counts")
	audits := map[string][]string{}
	for _, l := range p.TL.Lanes {
		for _, a := range l.Audits {
			audits[l.Daemon] = append(audits[l.Daemon], a.Title)
			assert.InDelta(t, l.Y+l.H, a.Y+a.H, 0.01, "audit mark of %s sits at the bottom of its lane", l.Daemon)
		}
	}
	assert.Equal(t, map[string][]string{
		"nn1": {"nn1 audit log: create /ha/k1 at +700ms"},
		"nn2": {"nn2 audit log: create /ha/k2 at +11.3s"},
	}, audits, "audit marks: creates and appends only, on the serving NameNode's lane")
	assert.True(t, p.TL.Audited, "timeline has audit marks")

	var titles []string
	for _, ol := range p.TL.OpLanes {
		for _, m := range ol.Marks {
			titles = append(titles, m.Title)
		}
	}
	joined := strings.Join(titles, "\n---\n")
	assert.Contains(t, joined, "write /ha/k1: ok at +1s\ninvoked at +500ms, took 500ms\nserved by nn1 at +700ms (audit log)\n---", "op details")
	assert.Contains(t, joined, "write /ha/k2: ok at +12s\ninvoked at +11s, took 1s\nserved by nn2 at +11.3s (audit log)\nserved by nn9 at +11.4s (audit log)\n---",
		"op details, naming a NameNode without a lane too")

	page := render(t, h, nil)
	es := parse(t, page)
	assert.Len(t, find(es, "rect", "class", "audit"), 2, "audit marks on the timeline")
	assert.True(t, bytes.Contains(page, []byte("NameNode audit record")), "legend does not explain the audit marks")

	plain := build(loadFixture(t, "clean-failover"), nil)
	assert.False(t, plain.TL.Audited, "timeline without audit records has audit marks")
	assert.NotContains(t, plain.Counts, "audit", "counts without audit records")
	assert.False(t, bytes.Contains(render(t, loadFixture(t, "clean-failover"), nil), []byte("NameNode audit record")), "legend explains audit marks there are none of")
}
