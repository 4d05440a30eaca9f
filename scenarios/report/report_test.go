package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
)

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

func TestOverallVerdict(t *testing.T) {
	// nn1, frozen and superseded by nn2 at +10.5s, logs a create of a key
	// whose write was acknowledged.
	violated := loadFixture(t, "clean-failover-audit")
	violated.Add(invariant.Event{Time: at(11.4), Kind: invariant.KindServed, Daemon: "nn1", Op: invariant.AuditCreate, Key: "/ha/k2"})
	tests := []struct {
		name    string
		h       invariant.History
		results func(invariant.History) []invariant.Result
		want    string
	}{
		{"audited clean failover", loadFixture(t, "clean-failover-audit"), checks, "pass"},
		{"clean failover with served-by notes", loadFixture(t, "clean-failover"), checks, "pass"},
		{"write served by a superseded NameNode", violated, checks, "fail"},
		{"audited split brain", loadFixture(t, "split-brain-audit"), checks, "fail"},
		{"no write served known", loadFixture(t, "never-failover"), func(h invariant.History) []invariant.Result {
			return []invariant.Result{invariant.SingleActive(h, invariant.RoleNameNode), invariant.NoSplitBrainWrites(h)}
		}, "inconclusive"},
		{"no checks", loadFixture(t, "clean-failover-audit"), func(invariant.History) []invariant.Result { return nil }, "unchecked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results := tt.results(tt.h)
			badges := find(parse(t, render(t, tt.h, results)), "span", "class", "badge")
			require.NotEmpty(t, badges, "page has no verdict badge")
			assert.Equal(t, tt.want, badges[0].text, "header verdict; results: %v", results)
			assert.Contains(t, strings.Fields(badges[0].attrs["class"]), tt.want, "header badge class")
		})
	}
	r := invariant.NoSplitBrainWrites(violated)
	assert.Equal(t, invariant.Fail, r.Verdict, "injected violation: %s", r)
	assert.Contains(t, strings.Join(r.Details, "; "), "write of /ha/k2 acknowledged at 2025-06-01T10:00:12.000Z by superseded nn1", "injected violation")
}
