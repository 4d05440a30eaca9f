// Package testplan runs the parts of a test command one after the other
// and ends with a table of where the minutes went: each part's time and
// result, and below it the rows its output announced — every top-level go
// test result (`--- PASS: TestX (12.3s)`) and every line of the form
// `timing: LABEL: DURATION [note]` (the scenario runner's groups, a nested
// plan's parts). `make test` and `make test-long` run through it, so every
// CI log shows the table, also when a part failed (the parts after a failed
// one are listed as not run).
//
// The parsing and the table are pure; Run is the only part that starts
// processes.
package testplan

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Part is one step of a plan: a shell command line.
type Part struct {
	Name    string
	Command string
}

// ParsePart reads "NAME=COMMAND".
func ParsePart(s string) (Part, error) {
	name, cmd, ok := strings.Cut(s, "=")
	name, cmd = strings.TrimSpace(name), strings.TrimSpace(cmd)
	if !ok || name == "" || cmd == "" {
		return Part{}, fmt.Errorf("part %q: want NAME=COMMAND, e.g. 'lint=make lint'", s)
	}
	return Part{Name: name, Command: cmd}, nil
}

// Row is a line of the table below a part.
type Row struct {
	Label  string
	Took   time.Duration
	Result string // PASS, FAIL, SKIP or a note
}

// Outcome is what a part came to.
type Outcome struct {
	Part
	Took  time.Duration
	Ran   bool
	Err   error
	Rows  []Row
	Skips int // go tests skipped (another tier, no engine, ...)
}

var (
	goResult = regexp.MustCompile(`^--- (PASS|FAIL|SKIP): (\S+) \(([0-9.]+)s\)`)
	timing   = regexp.MustCompile(`^timing: (.+?): ([0-9][0-9hmsµun.]*)(?:\s+(.*))?$`)
)

// Scanner collects the rows of a part's output, line by line.
type Scanner struct {
	Rows  []Row
	Skips int
}

// Line takes one line of output.
func (s *Scanner) Line(line string) {
	line = strings.TrimRight(line, "\r\n")
	if m := goResult.FindStringSubmatch(line); m != nil {
		if m[1] == "SKIP" {
			s.Skips++
			return
		}
		secs, _ := strconv.ParseFloat(m[3], 64)
		s.Rows = append(s.Rows, Row{Label: m[2], Took: time.Duration(secs * float64(time.Second)), Result: m[1]})
		return
	}
	if m := timing.FindStringSubmatch(line); m != nil {
		d, err := time.ParseDuration(m[2])
		if err != nil {
			return
		}
		s.Rows = append(s.Rows, Row{Label: m[1], Took: d, Result: m[3]})
	}
}

// Writer feeds a Scanner from a byte stream, a line at a time, and passes
// the bytes on to W.
type Writer struct {
	W    io.Writer
	S    *Scanner
	part []byte
}

func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.W.Write(p)
	w.part = append(w.part, p...)
	for {
		i := strings.IndexByte(string(w.part), '\n')
		if i < 0 {
			break
		}
		w.S.Line(string(w.part[:i]))
		w.part = w.part[i+1:]
	}
	return n, err
}

// Flush takes a last line without its newline.
func (w *Writer) Flush() {
	if len(w.part) > 0 {
		w.S.Line(string(w.part))
		w.part = nil
	}
}

// Table renders the outcomes: a part a line with its time and result, its
// rows indented below, then the total against the budget (0: none).
func Table(title string, outs []Outcome, total, budget time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n== %s: where the time went\n", title)
	tw := newTabs(&b)
	for _, o := range outs {
		res := "ok"
		switch {
		case !o.Ran:
			res = "not run"
		case o.Err != nil:
			res = "FAILED: " + o.Err.Error()
		}
		took := Round(o.Took)
		if !o.Ran {
			took = "-"
		}
		tw.row(o.Name, took, res)
		for _, r := range o.Rows {
			tw.row("  "+r.Label, Round(r.Took), r.Result)
		}
		if o.Skips > 0 {
			tw.row(fmt.Sprintf("  (%d go tests skipped: other tiers)", o.Skips), "", "")
		}
	}
	line := "total"
	tot := Round(total)
	note := ""
	if budget > 0 {
		note = fmt.Sprintf("budget %s", Round(budget))
		if total > budget {
			note += fmt.Sprintf(": OVER by %s", Round(total-budget))
		}
	}
	tw.row(line, tot, note)
	tw.flush()
	return b.String()
}

// TimingLines renders the outcomes as `timing:` lines, for a plan nested in
// another one (whose table shows them under its part).
func TimingLines(outs []Outcome) string {
	var b strings.Builder
	for _, o := range outs {
		if !o.Ran {
			continue
		}
		res := "ok"
		if o.Err != nil {
			res = "FAILED"
		}
		fmt.Fprintf(&b, "timing: %s: %s %s\n", o.Name, o.Took.Round(100*time.Millisecond), res)
	}
	return b.String()
}

// Round prints d as 1m23s or 4.5s.
func Round(d time.Duration) string {
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// tabs aligns three columns, the second (times) to the right.
type tabs struct {
	w    io.Writer
	rows [][3]string
}

func newTabs(w io.Writer) *tabs { return &tabs{w: w} }

func (t *tabs) row(a, b, c string) { t.rows = append(t.rows, [3]string{a, b, c}) }

func (t *tabs) flush() {
	wa, wb := 0, 0
	for _, r := range t.rows {
		wa, wb = max(wa, len(r[0])), max(wb, len(r[1]))
	}
	bw := bufio.NewWriter(t.w)
	for _, r := range t.rows {
		fmt.Fprintf(bw, "%-*s  %*s  %s\n", wa, r[0], wb, r[1], r[2])
	}
	bw.Flush()
}
