package report

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/haharness/haharness/scenarios/invariant"
)

// HTML renders h and the results of the checks run over it as one
// self-contained HTML page: a header with the results, a timeline of each
// daemon's HA state with the fault windows, client ops and failovers drawn
// over it, and a table of NameNode failover latencies. The page loads
// nothing from elsewhere, so it opens from disk.
func HTML(h invariant.History, results []invariant.Result) ([]byte, error) {
	p := build(h, results)
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFile renders the page HTML returns and writes it to path.
func WriteFile(path string, h invariant.History, results []invariant.Result) error {
	b, err := HTML(h, results)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// page is what the template renders.
type page struct {
	Title, Scenario string
	Seed            int64
	Overall         string
	Start, End      string
	Span            string
	Counts          string
	Results         []resultView
	TL              *timeline
	Failovers       []failoverRow
}

type resultView struct {
	Check, Verdict, Class string
	Details               []string
}

type failoverRow struct {
	Fault, Injected, Healed, Old, By, Latency, Note, Class string
}

func verdictClass(v invariant.Verdict) string {
	switch v {
	case invariant.Pass, invariant.Fail, invariant.Inconclusive:
		return string(v)
	}
	return "other"
}

// build makes the page of h and results. Everything it shows of h's
// meaning (fault windows, failovers, overlaps, who served a write) comes
// from the invariant package; build only places it.
func build(h invariant.History, results []invariant.Result) page {
	events := h.Sorted()
	p := page{Scenario: h.Scenario, Seed: h.Seed, Overall: "unchecked"}
	if p.Scenario == "" {
		p.Scenario = "unnamed scenario"
	}
	p.Title = fmt.Sprintf("%s · seed %d · haharness", p.Scenario, p.Seed)
	for _, r := range results {
		p.Results = append(p.Results, resultView{Check: r.Check, Verdict: string(r.Verdict), Class: verdictClass(r.Verdict), Details: r.Details})
	}
	if v, ok := invariant.Overall(results...); ok {
		p.Overall = string(v)
	}
	if len(events) == 0 {
		p.Counts = "no events"
		return p
	}

	t0, tEnd := invariant.Span(h)
	var nState, nFault, nOps, nFailed, nServed int
	for _, e := range events {
		switch e.Kind {
		case invariant.KindState:
			nState++
		case invariant.KindFaultStart:
			nFault++
		case invariant.KindOp:
			nOps++
			if !e.OK {
				nFailed++
			}
		case invariant.KindServed:
			nServed++
		}
	}
	p.Start, p.End, p.Span = utc(t0), utc(tEnd), round(tEnd.Sub(t0)).String()
	p.Counts = fmt.Sprintf("%d state samples · %d faults · %d ops (%d not ok)", nState, nFault, nOps, nFailed)
	if nServed > 0 {
		p.Counts += fmt.Sprintf(" · %d NameNode audit records", nServed)
	}

	fos := invariant.Failovers(h, invariant.RoleNameNode)
	for _, f := range fos {
		row := failoverRow{Fault: f.Fault, Injected: rel(f.Start, t0), Healed: "not healed", Old: strings.Join(f.From, ", "), By: f.To, Latency: "—"}
		if f.Healed {
			row.Healed = rel(f.End, t0)
		}
		switch {
		case len(f.From) == 0:
			row.Old, row.Note, row.Class = "none", "no active NameNode at the fault's start; not measured", "muted"
		case f.To == "":
			row.Note, row.Class = "no other NameNode became active", "none"
		case f.During:
			row.Latency, row.Note, row.Class = round(f.Latency()).String(), "while the fault was on", "during"
		default:
			row.Latency, row.Note, row.Class = round(f.Latency()).String(), "only after the fault was healed", "late"
		}
		p.Failovers = append(p.Failovers, row)
	}
	p.TL = layout(h, events, fos, t0, tEnd)
	return p
}
