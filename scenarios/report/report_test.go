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

	"github.com/haharness/haharness/scenarios/invariant"
)

var fixtures = []string{"clean-failover", "corrupt-read", "indeterminate-write", "lost-write", "never-failover", "slow-failover", "split-brain"}

func loadFixture(t *testing.T, name string) invariant.History {
	t.Helper()
	h, err := invariant.Load(filepath.Join("..", "invariant", "testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return h
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
		if err != nil {
			t.Fatalf("page is not well-formed XML: %v", err)
		}
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
	if len(open) != 0 {
		t.Fatalf("page ends with %d unclosed elements", len(open))
	}
	return all
}

// svgPart returns the page's <svg> element and everything inside it.
func svgPart(t *testing.T, page []byte) []byte {
	t.Helper()
	i, j := bytes.Index(page, []byte("<svg")), bytes.LastIndex(page, []byte("</svg>"))
	if i < 0 || j < i {
		t.Fatal("page has no <svg> timeline")
	}
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
	if err != nil {
		t.Fatal(err)
	}
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
			if err := xml.Unmarshal(svgPart(t, page), &svg); err != nil {
				t.Fatalf("svg is not well-formed: %v", err)
			}
			for _, tag := range []string{"svg", "g", "text", "title", "table", "section"} {
				if o, c := bytes.Count(page, []byte("<"+tag+">"))+bytes.Count(page, []byte("<"+tag+" ")), bytes.Count(page, []byte("</"+tag+">")); o != c {
					t.Errorf("%d <%s> opened, %d closed", o, tag, c)
				}
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
			if !slices.Equal(got, tt.daemons) {
				t.Errorf("lanes %q, want %q", got, tt.daemons)
			}
			if !slices.Equal(gotOps, tt.ops) {
				t.Errorf("op lanes %q, want %q", gotOps, tt.ops)
			}
		})
	}
}

func TestFaultBands(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	unhealed := invariant.History{Scenario: "unhealed", Events: []invariant.Event{
		{Time: at(0), Kind: invariant.KindState, Daemon: "nn1", Role: invariant.RoleNameNode, State: "active"},
		{Time: at(1), Kind: invariant.KindFaultStart, Fault: "partition hadoop001"},
		{Time: at(2), Kind: invariant.KindFaultStart, Fault: "kill-daemon hadoop002/namenode"},
		{Time: at(3), Kind: invariant.KindFaultEnd, Fault: "kill-daemon hadoop002/namenode"},
		{Time: at(10), Kind: invariant.KindState, Daemon: "nn1", Role: invariant.RoleNameNode, State: "active"},
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := parse(t, render(t, tt.h, nil))
			var labels []string
			for _, e := range find(es, "text", "class", "blabel") {
				labels = append(labels, e.text)
			}
			if !slices.Equal(labels, tt.labels) {
				t.Errorf("band labels %q, want %q", labels, tt.labels)
			}
			if n := len(find(es, "rect", "class", "open")); n != tt.open {
				t.Errorf("%d unhealed bands, want %d", n, tt.open)
			}
		})
	}
	// The unhealed partition runs to the end of the history: the right
	// edge of the plot.
	tl := build(unhealed, nil).TL
	if b := tl.Bands[0]; b.Label != "partition hadoop001" || b.X+b.W < tl.X1-0.01 {
		t.Errorf("unhealed band %q ends at x=%.1f, want the end of the plot at %.1f", b.Label, b.X+b.W, tl.X1)
	}
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
		if bytes.Contains(page, []byte(raw)) {
			t.Errorf("page holds %q unescaped", raw)
		}
	}
	es := parse(t, page)
	labels := find(es, "text", "class", "blabel")
	if len(labels) != 1 || labels[0].text != evil {
		t.Errorf("fault band label does not read %q after unescaping", evil)
	}
	if !bytes.Contains(page, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("page does not show the escaped fault name")
	}
}

func TestFailoverLatency(t *testing.T) {
	tests := []struct {
		fixture string
		want    []failoverRow // fields compared: Old, By, Latency, Class
		// Latencies FailoverTimes also reports: those while the fault was on.
		fromInvariant int
	}{
		{"clean-failover", []failoverRow{{Old: "nn1", By: "nn2", Latency: "8.5s", Class: "good"}}, 1},
		{"split-brain", []failoverRow{{Old: "nn1", By: "nn2", Latency: "7s", Class: "good"}}, 1},
		{"slow-failover", []failoverRow{{Old: "nn1", By: "nn2", Latency: "40s", Class: "good"}}, 1},
		{"never-failover", []failoverRow{{Old: "nn1", By: "nn2", Latency: "43s", Class: "bad"}}, 0},
		{"lost-write", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			h := loadFixture(t, tt.fixture)
			p := build(h, nil)
			if len(p.Failovers) != len(tt.want) {
				t.Fatalf("%d failover rows, want %d", len(p.Failovers), len(tt.want))
			}
			for i, got := range p.Failovers {
				w := tt.want[i]
				if got.Old != w.Old || got.By != w.By || got.Latency != w.Latency || got.Class != w.Class {
					t.Errorf("row %d: %s → %s in %s (%s), want %s → %s in %s (%s)",
						i, got.Old, got.By, got.Latency, got.Class, w.Old, w.By, w.Latency, w.Class)
				}
			}
			times := invariant.FailoverTimes(h, invariant.RoleNameNode)
			if len(times) != tt.fromInvariant {
				t.Fatalf("invariant.FailoverTimes = %v, want %d latencies", times, tt.fromInvariant)
			}
			for i, d := range times {
				if got := d.String(); got != tt.want[i].Latency {
					t.Errorf("invariant.FailoverTimes[%d] = %s, the report says %s", i, got, tt.want[i].Latency)
				}
			}
			page := render(t, h, nil)
			es := parse(t, page)
			if n := len(find(es, "g", "class", "fo")); n != len(tt.want) {
				t.Errorf("%d failover markers on the timeline, want %d", n, len(tt.want))
			}
			for _, w := range tt.want {
				if !bytes.Contains(page, []byte(`<td class="lat">`+w.Latency+`</td>`)) {
					t.Errorf("failover table does not show %s", w.Latency)
				}
			}
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
			if len(tt.h.Events) == 0 && !bytes.Contains(page, []byte("no events")) {
				t.Error("empty history's page does not say it holds no events")
			}
		})
	}
}

func TestWriteFile(t *testing.T) {
	h := loadFixture(t, "clean-failover")
	path := filepath.Join(t.TempDir(), "report.html")
	if err := WriteFile(path, h, checks(h)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := render(t, h, checks(h)); !bytes.Equal(b, want) {
		t.Error("file differs from HTML's page")
	}
	if err := WriteFile(filepath.Join(t.TempDir(), "missing", "report.html"), h, nil); err == nil || !strings.HasPrefix(err.Error(), "write report: ") {
		t.Errorf("WriteFile into a missing directory: %v, want a write report error", err)
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
			if len(ts) < 5 || len(ts) > 13 {
				t.Errorf("%d ticks, want 5 to 13", len(ts))
			}
			for i, want := range tt.first {
				if ts[i].Label != want {
					t.Errorf("tick %d is %q, want %q", i, ts[i].Label, want)
				}
			}
		})
	}
}
