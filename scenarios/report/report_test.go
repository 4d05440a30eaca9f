package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
)

var fixtures = []string{"clean-failover", "corrupt-read", "indeterminate-write", "lost-write", "never-failover", "slow-failover", "split-brain"}

func loadFixture(t *testing.T, name string) invariant.History {
	t.Helper()
	h, err := invariant.Load(filepath.Join("..", "invariant", "testdata", name+".json"))
	require.NoError(t, err)
	return h
}

// assertSlicesEqual asserts slices.Equal(want, got): same elements in the
// same order, with nil and empty alike.
func assertSlicesEqual[T any](t *testing.T, want, got []T, msgAndArgs ...any) bool {
	t.Helper()
	if len(want) == 0 {
		return assert.Empty(t, got, msgAndArgs...)
	}
	return assert.Equal(t, want, got, msgAndArgs...)
}

// checks runs the checks a scenario would run over h.
func checks(h invariant.History) []invariant.Result {
	return []invariant.Result{
		invariant.SingleActive(h, invariant.RoleNameNode),
		invariant.SingleActive(h, invariant.RoleResourceManager),
		invariant.NoSplitBrainWrites(h),
		invariant.NoLostAcknowledgedWrites(h),
		invariant.FailoverWithin(h, invariant.RoleNameNode, 10*time.Second),
	}
}

// elem is one element of a parsed page: its name, attributes and the text
// directly inside it.
type elem struct {
	name  string
	attrs map[string]string
	text  string
}

// parse decodes b as strict XML, failing t if it is not well-formed, and
// returns its elements in document order.
func parse(t *testing.T, b []byte) []*elem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var all, open []*elem
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "page is not well-formed XML")
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &elem{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			all, open = append(all, e), append(open, e)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 {
				open[len(open)-1].text += string(tok)
			}
		}
	}
	require.Empty(t, open, "page ends with %d unclosed elements", len(open))
	return all
}

// svgPart returns the page's <svg> element and everything inside it.
func svgPart(t *testing.T, page []byte) []byte {
	t.Helper()
	i, j := bytes.Index(page, []byte("<svg")), bytes.LastIndex(page, []byte("</svg>"))
	require.True(t, i >= 0 && j >= i, "page has no <svg> timeline")
	return page[i : j+len("</svg>")]
}

// find returns the elements named name with attribute key holding a value
// of which want is one of the space-separated words ("" matches all).
func find(es []*elem, name, key, want string) []*elem {
	var out []*elem
	for _, e := range es {
		if e.name == name && (want == "" || slices.Contains(strings.Fields(e.attrs[key]), want)) {
			out = append(out, e)
		}
	}
	return out
}

func render(t *testing.T, h invariant.History, results []invariant.Result) []byte {
	t.Helper()
	b, err := HTML(h, results)
	require.NoError(t, err)
	return b
}

func TestPageIsWellFormed(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			h := loadFixture(t, name)
			page := render(t, h, checks(h))
			parse(t, page)
			var svg struct {
				XMLName xml.Name `xml:"svg"`
			}
			require.NoError(t, xml.Unmarshal(svgPart(t, page), &svg), "svg is not well-formed")
			for _, tag := range []string{"svg", "g", "text", "title", "table", "section"} {
				o, c := bytes.Count(page, []byte("<"+tag+">"))+bytes.Count(page, []byte("<"+tag+" ")), bytes.Count(page, []byte("</"+tag+">"))
				assert.Equal(t, o, c, "%d <%s> opened, %d closed", o, tag, c)
			}
		})
	}
}

func TestOneLanePerDaemon(t *testing.T) {
	tests := []struct {
		fixture string
		daemons []string // in lane order
		ops     []string
	}{
		{"clean-failover", []string{"nn1", "nn2", "rm1", "rm2"}, []string{"write", "read"}},
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

func TestEscapesSpecialCharacters(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	h := invariant.History{Scenario: `freeze <b>"nn1"</b> & co`, Events: []invariant.Event{
		{Time: t0, Kind: invariant.KindState, Daemon: "nn<1>", Role: invariant.RoleNameNode, State: "active"},
		{Time: t0.Add(time.Second), Kind: invariant.KindFaultStart, Fault: evil},
		{Time: t0.Add(2 * time.Second), Kind: invariant.KindOp, Op: "write", Key: "/ha/<k>&", Start: t0, Err: "java.io.IOException: <closed> & " + evil},
		{Time: t0.Add(3 * time.Second), Kind: invariant.KindFaultEnd, Fault: evil},
	}}
	results := []invariant.Result{{Check: "check <x>", Verdict: invariant.Fail, Details: []string{evil, "a & b"}}}
	page := render(t, h, results)
	for _, raw := range []string{evil, `<b>"nn1"</b>`, "nn<1>", "<k>", "<closed>", "<x>", "& co", "a & b"} {
		assert.False(t, bytes.Contains(page, []byte(raw)), "page holds %q unescaped", raw)
	}
	es := parse(t, page)
	labels := find(es, "text", "class", "blabel")
	if assert.Equal(t, 1, len(labels), "fault band labels") {
		assert.Equal(t, evil, labels[0].text, "fault band label after unescaping")
	}
	assert.True(t, bytes.Contains(page, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")), "page does not show the escaped fault name")
}

// at is the time s seconds into a synthetic history.
func at(s float64) time.Time {
	return time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(s * float64(time.Second)))
}

func nn(s float64, daemon, state string) invariant.Event {
	return invariant.Event{Time: at(s), Kind: invariant.KindState, Daemon: daemon, Role: invariant.RoleNameNode, State: state}
}

func fault(s float64, kind invariant.Kind, name string) invariant.Event {
	return invariant.Event{Time: at(s), Kind: kind, Fault: name}
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
	tests := []struct {
		name string
		h    invariant.History
		want []string // "daemons from to"
	}{
		{"clean-failover", loadFixture(t, "clean-failover"), nil},
		{"split-brain", loadFixture(t, "split-brain"), []string{"nn1,nn2 +10.5s +12s"}},
		{"op between samples of one round", sameTime, []string{"nn1,nn2 +1s +2s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := tt.h.Sorted()
			var got []string
			for _, o := range overlaps(events, invariant.RoleNameNode, events[len(events)-1].Time) {
				got = append(got, strings.Join(o.daemons, ",")+" "+rel(o.from, events[0].Time)+" "+rel(o.to, events[0].Time))
			}
			assertSlicesEqual(t, tt.want, got, "overlaps")
			assert.Equal(t, len(tt.want), len(find(parse(t, render(t, tt.h, nil)), "rect", "class", "overlap")), "overlap boxes on the timeline")
		})
	}
}

func TestEmptyHistory(t *testing.T) {
	tests := []struct {
		name    string
		h       invariant.History
		results []invariant.Result
	}{
		{"zero", invariant.History{}, nil},
		{"no events with results", invariant.History{Scenario: "s", Seed: 9}, []invariant.Result{invariant.SingleActive(invariant.History{}, invariant.RoleNameNode)}},
		{"one event", invariant.History{Events: []invariant.Event{{Time: time.Unix(0, 0), Kind: invariant.KindFaultStart, Fault: "f"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := render(t, tt.h, tt.results)
			parse(t, page)
			if len(tt.h.Events) == 0 {
				assert.True(t, bytes.Contains(page, []byte("no events")), "empty history's page does not say it holds no events")
			}
		})
	}
}

func TestWriteFile(t *testing.T) {
	h := loadFixture(t, "clean-failover")
	path := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, WriteFile(path, h, checks(h)))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(b, render(t, h, checks(h))), "file differs from HTML's page")
	err = WriteFile(filepath.Join(t.TempDir(), "missing", "report.html"), h, nil)
	require.Error(t, err, "WriteFile into a missing directory")
	assert.True(t, strings.HasPrefix(err.Error(), "write report: "), "WriteFile into a missing directory: %v, want a write report error", err)
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
