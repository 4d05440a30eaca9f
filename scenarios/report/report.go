package report

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/scenarios/invariant"
)

// Layout of the timeline, in SVG user units.
const (
	svgWidth   = 1300.0
	labelWidth = 112.0 // lane labels left of the plot
	rightPad   = 16.0
	rowH       = 18.0 // one row of fault labels or failover arrows
	laneH      = 24.0
	laneGap    = 5.0
	groupGap   = 12.0
	opRowH     = 11.0 // one row of op marks
	opRows     = 3    // at most this many rows of op marks per op lane
	charW      = 6.3  // rough width of a character of an 11px label
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

// window is one fault: from its fault-start to the first unmatched
// fault-end of the same name, or to the end of the history. Indices are into
// the sorted events; a fault-end without a start gets startIdx -1 and starts
// at the start of the history.
type window struct {
	fault            string
	start, end       time.Time
	healed           bool
	startIdx, endIdx int
	nextFault        int // index of the next fault-start after this one's, or len(events)
}

func faultWindows(events []invariant.Event, t0, tEnd time.Time) []window {
	var out []window
	used := map[int]bool{}
	var starts []int
	for i, e := range events {
		if e.Kind == invariant.KindFaultStart {
			starts = append(starts, i)
		}
	}
	for n, i := range starts {
		w := window{fault: events[i].Fault, start: events[i].Time, end: tEnd, startIdx: i, endIdx: len(events), nextFault: len(events)}
		if n+1 < len(starts) {
			w.nextFault = starts[n+1]
		}
		for j := i + 1; j < len(events); j++ {
			if events[j].Kind == invariant.KindFaultEnd && events[j].Fault == w.fault && !used[j] {
				used[j] = true
				w.end, w.healed, w.endIdx = events[j].Time, true, j
				break
			}
		}
		out = append(out, w)
	}
	for j, e := range events {
		if e.Kind == invariant.KindFaultEnd && !used[j] {
			out = append(out, window{fault: e.Fault, start: t0, end: e.Time, healed: true, startIdx: -1, endIdx: j, nextFault: j})
		}
	}
	slices.SortStableFunc(out, func(a, b window) int { return a.start.Compare(b.start) })
	return out
}

// failover is what happened to the NameNodes after one fault.
type failover struct {
	w      window
	old    []string // NameNodes whose latest sample before the fault was active
	by     string   // first other NameNode sampled active after the fault's start
	at     time.Time
	during bool // by took over while the fault was on
}

// measureFailovers finds, for each fault, the first "active" sample of a
// NameNode other than those active at the fault's start. Like
// invariant.FailoverTimes it looks while the fault is on; unlike it, it goes
// on looking after the heal, up to the next fault's start, so a failover
// that only came once the fault was healed is shown as such.
func measureFailovers(events []invariant.Event, ws []window) []failover {
	isNN := func(e invariant.Event) bool {
		return e.Kind == invariant.KindState && e.Role == invariant.RoleNameNode
	}
	var out []failover
	for _, w := range ws {
		if w.startIdx < 0 {
			continue
		}
		f := failover{w: w}
		state := map[string]string{}
		for _, e := range events[:w.startIdx] {
			if isNN(e) {
				state[e.Daemon] = e.State
			}
		}
		for _, d := range slices.Sorted(maps.Keys(state)) {
			if state[d] == invariant.StateActive {
				f.old = append(f.old, d)
			}
		}
		limit := max(w.endIdx, w.nextFault)
		for k := w.startIdx + 1; len(f.old) > 0 && k < limit; k++ {
			e := events[k]
			if isNN(e) && e.State == invariant.StateActive && !slices.Contains(f.old, e.Daemon) {
				f.by, f.at, f.during = e.Daemon, e.Time, k < w.endIdx
				break
			}
		}
		out = append(out, f)
	}
	return out
}

// overlap is a window in which several daemons of a role were active.
type overlap struct {
	from, to time.Time
	daemons  []string
}

// overlaps returns the windows in which two or more daemons of role were
// active, each daemon taken to be in the state of its latest sample as
// invariant.SingleActive does; samples with the same time apply together.
func overlaps(events []invariant.Event, role string, tEnd time.Time) []overlap {
	var out []overlap
	var cur *overlap
	state := map[string]string{}
	samples := slices.DeleteFunc(slices.Clone(events), func(e invariant.Event) bool {
		return e.Kind != invariant.KindState || e.Role != role
	})
	for i, e := range samples {
		state[e.Daemon] = e.State
		if i+1 < len(samples) && samples[i+1].Time.Equal(e.Time) {
			continue
		}
		var active []string
		for _, d := range slices.Sorted(maps.Keys(state)) {
			if state[d] == invariant.StateActive {
				active = append(active, d)
			}
		}
		if cur != nil && !slices.Equal(cur.daemons, active) {
			cur.to = e.Time
			out, cur = append(out, *cur), nil
		}
		if cur == nil && len(active) > 1 {
			cur = &overlap{from: e.Time, daemons: active}
		}
	}
	if cur != nil {
		cur.to = tEnd
		out = append(out, *cur)
	}
	return out
}

// rows assigns each [lo, hi) extent, in order, the first row whose last
// extent ends before lo, and returns the rows and how many there are. With
// limit > 0 extents beyond it share the row that frees up first.
func rows(ext [][2]float64, limit int) ([]int, int) {
	var ends []float64
	out := make([]int, len(ext))
	for i, e := range ext {
		r := slices.IndexFunc(ends, func(end float64) bool { return end < e[0] })
		switch {
		case r >= 0:
		case limit <= 0 || len(ends) < limit:
			r = len(ends)
			ends = append(ends, 0)
		default:
			r = slices.Index(ends, slices.Min(ends))
		}
		ends[r] = e[1]
		out[i] = r
	}
	return out, len(ends)
}

// rel formats t as a duration since t0, rounded to the millisecond.
func rel(t, t0 time.Time) string {
	return "+" + round(t.Sub(t0)).String()
}

func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") }

// stateClass maps a state to the CSS class that colours it.
func stateClass(s string) string {
	switch s {
	case invariant.StateActive, invariant.StateStandby, invariant.StateDown, invariant.StateFrozen:
		return s
	}
	return "other"
}

func verdictClass(v invariant.Verdict) string {
	switch v {
	case invariant.Pass, invariant.Fail, invariant.Inconclusive:
		return string(v)
	}
	return "other"
}

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

type timeline struct {
	W, H, X0, X1     float64
	PlotW            float64
	Top, Bottom      float64 // of the lanes
	Overlaps         []overlapView
	AxisY            float64
	Ticks            []tick
	Bands            []bandView
	Lanes            []laneView
	OpLanes          []opLaneView
	Failovers        []foMark
	StateClassesUsed []string
}

type overlapView struct {
	X, Y, W, H float64
	Title      string
}

type tick struct {
	X     float64
	Label string
}

type bandView struct {
	X, Y, W, H, LabelY float64
	Label, Title       string
	Open               bool // not healed
}

type laneView struct {
	Y, H         float64
	Daemon, Role string
	Segs         []segView
}

type segView struct {
	X, W, TextX  float64
	Class, Title string
	Text         string // shown only when it fits
}

type opLaneView struct {
	Y, H  float64
	Op    string
	Marks []markView
}

type markView struct {
	X, X0, Y     float64
	Whisker      bool
	Class, Title string
}

type foMark struct {
	X0, X1, Y, TextX, LineTop, LineBottom, DiamondY float64
	PillW                                           float64 // width of the label's backing when it sits on the arrow
	Label, Title, Class, Anchor, Arrow, Diamond     string
}

type failoverRow struct {
	Fault, Injected, Healed, Old, By, Latency, Note, Class string
}

func build(h invariant.History, results []invariant.Result) page {
	events := h.Sorted()
	p := page{Scenario: h.Scenario, Seed: h.Seed, Overall: "unchecked"}
	if p.Scenario == "" {
		p.Scenario = "unnamed scenario"
	}
	p.Title = fmt.Sprintf("%s · seed %d · haharness", p.Scenario, p.Seed)
	verdicts := map[invariant.Verdict]bool{}
	for _, r := range results {
		verdicts[r.Verdict] = true
		p.Results = append(p.Results, resultView{Check: r.Check, Verdict: string(r.Verdict), Class: verdictClass(r.Verdict), Details: r.Details})
	}
	switch {
	case verdicts[invariant.Fail]:
		p.Overall = string(invariant.Fail)
	case verdicts[invariant.Inconclusive]:
		p.Overall = string(invariant.Inconclusive)
	case verdicts[invariant.Pass]:
		p.Overall = string(invariant.Pass)
	}
	if len(events) == 0 {
		p.Counts = "no events"
		return p
	}

	// The history starts at its first event or its earliest op invocation.
	t0, tEnd := events[0].Time, events[len(events)-1].Time
	var nState, nFault, nOps, nFailed int
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
			if !e.Start.IsZero() && e.Start.Before(t0) {
				t0 = e.Start
			}
		}
	}
	p.Start, p.End, p.Span = utc(t0), utc(tEnd), round(tEnd.Sub(t0)).String()
	p.Counts = fmt.Sprintf("%d state samples · %d faults · %d ops (%d not ok)", nState, nFault, nOps, nFailed)

	ws := faultWindows(events, t0, tEnd)
	fos := measureFailovers(events, ws)
	for _, f := range fos {
		row := failoverRow{Fault: f.w.fault, Injected: rel(f.w.start, t0), Healed: "not healed", Old: strings.Join(f.old, ", "), By: f.by, Latency: "—"}
		if f.w.healed {
			row.Healed = rel(f.w.end, t0)
		}
		switch {
		case len(f.old) == 0:
			row.Old, row.Note, row.Class = "none", "no active NameNode at the fault's start; not measured", "muted"
		case f.by == "":
			row.Note, row.Class = "no other NameNode became active", "none"
		case f.during:
			row.Latency, row.Note, row.Class = round(f.at.Sub(f.w.start)).String(), "while the fault was on", "during"
		default:
			row.Latency, row.Note, row.Class = round(f.at.Sub(f.w.start)).String(), "only after the fault was healed", "late"
		}
		p.Failovers = append(p.Failovers, row)
	}
	p.TL = layout(events, ws, fos, t0, tEnd)
	return p
}

// lay is the state of laying out a timeline: the time scale and the next
// free y.
type lay struct {
	tl     *timeline
	t0     time.Time
	span   time.Duration
	y      float64
	laneY  map[string]float64    // y of each daemon's lane
	groups map[string][2]float64 // top and bottom of each role's lanes
}

func (l *lay) x(t time.Time) float64 {
	return l.tl.X0 + float64(t.Sub(l.t0))/float64(l.span)*(l.tl.X1-l.tl.X0)
}

func (l *lay) rel(t time.Time) string { return rel(t, l.t0) }

// labelW is the rough width of an 11px label.
func labelW(s string) float64 { return float64(len([]rune(s))) * charW }

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// layout places everything of the timeline: from the top, fault labels (each
// band starts at its label's row and runs down to the bottom of the lanes),
// failover arrows, state lanes, op lanes, and the time axis.
func layout(events []invariant.Event, ws []window, fos []failover, t0, tEnd time.Time) *timeline {
	l := &lay{t0: t0, span: max(tEnd.Sub(t0), 0), y: 6, laneY: map[string]float64{}, groups: map[string][2]float64{},
		tl: &timeline{W: svgWidth, X0: labelWidth, X1: svgWidth - rightPad, PlotW: svgWidth - rightPad - labelWidth}}
	if l.span == 0 {
		l.span = time.Second
	}
	tl := l.tl

	ext := make([][2]float64, len(ws))
	for i, w := range ws {
		ext[i] = [2]float64{l.x(w.start), max(l.x(w.end), l.x(w.start)+labelW(w.fault)+12)}
	}
	bandRow, n := rows(ext, 0)
	bandsTop := l.y
	l.y += float64(n) * rowH

	var measured []failover
	for _, f := range fos {
		if f.by != "" {
			measured = append(measured, f)
		}
	}
	marks, ext := l.failoverLabels(measured)
	foRow, n := rows(ext, 0)
	foTop := l.y
	if n > 0 {
		l.y += float64(n)*rowH + 4
	}

	tl.Top = l.y
	l.stateLanes(events, tEnd)
	l.opLanes(events)
	tl.Bottom = max(l.y-laneGap, tl.Top)

	for i, w := range ws {
		b := bandView{X: l.x(w.start), Y: bandsTop + float64(bandRow[i])*rowH, Label: w.fault, Open: !w.healed}
		b.W, b.H, b.LabelY = max(l.x(w.end)-b.X, 1.5), tl.Bottom-b.Y, b.Y+13
		from, to := l.rel(w.start), l.rel(w.end)
		switch {
		case w.startIdx < 0:
			from = "before the history (start not recorded)"
		case !w.healed:
			to += " (not healed: end of the history)"
		}
		b.Title = fmt.Sprintf("%s\nfrom %s to %s (%s)", w.fault, from, to, round(w.end.Sub(w.start)))
		tl.Bands = append(tl.Bands, b)
	}

	for i, f := range measured {
		m := marks[i]
		m.Y, m.LineTop, m.LineBottom, m.DiamondY = foTop+float64(foRow[i])*rowH+rowH/2+2, tl.Top-2, l.groups[invariant.RoleNameNode][1]+2, l.laneY[f.by]+laneH/2
		m.Arrow = fmt.Sprintf("%.1f,%.1f %.1f,%.1f %.1f,%.1f", m.X1, m.Y, m.X1-8, m.Y-4.5, m.X1-8, m.Y+4.5)
		m.Diamond = fmt.Sprintf("%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f", m.X1, m.DiamondY-7, m.X1+7, m.DiamondY, m.X1, m.DiamondY+7, m.X1-7, m.DiamondY)
		m.Title = fmt.Sprintf("fault %s injected at %s; %s became active at %s, %s later", f.w.fault, l.rel(f.w.start), f.by, l.rel(f.at), round(f.at.Sub(f.w.start)))
		tl.Failovers = append(tl.Failovers, m)
	}

	tl.AxisY = tl.Bottom + 8
	tl.H = tl.AxisY + 30
	tl.Ticks = ticks(l.span, func(d time.Duration) float64 { return l.x(t0.Add(d)) })
	return tl
}

// failoverLabels places the label of each failover arrow: right of the
// arrow, else left of it, else on it. It returns the marks and the extents
// each takes on its row.
func (l *lay) failoverLabels(fs []failover) ([]foMark, [][2]float64) {
	marks := make([]foMark, len(fs))
	ext := make([][2]float64, len(fs))
	for i, f := range fs {
		m := foMark{X0: l.x(f.w.start), X1: l.x(f.at), Class: "fo", Anchor: "start",
			Label: fmt.Sprintf("%s → %s %s", strings.Join(f.old, ","), f.by, round(f.at.Sub(f.w.start)))}
		if !f.during {
			m.Class, m.Label = "fo late", m.Label+" (after heal)"
		}
		w := labelW(m.Label)
		switch {
		case m.X1+8+w <= l.tl.X1:
			m.TextX = m.X1 + 8
			ext[i] = [2]float64{m.X0, m.TextX + w}
		case m.X0-6-w >= 4:
			m.TextX, m.Anchor = m.X0-6, "end"
			ext[i] = [2]float64{m.TextX - w, m.X1}
		default:
			m.TextX, m.Anchor, m.PillW = (m.X0+m.X1)/2, "middle", w+10
			ext[i] = [2]float64{m.X0, m.X1}
		}
		marks[i] = m
	}
	return marks, ext
}

// stateLanes lays out one lane per daemon with state samples: NameNodes,
// then ResourceManagers, then the rest by role, each role's daemons by name.
// Each sample's state holds until the daemon's next sample, the last one to
// the end of the history.
func (l *lay) stateLanes(events []invariant.Event, tEnd time.Time) {
	type samples struct {
		daemon, role string
		times        []time.Time
		states       []string
	}
	byDaemon := map[string]*samples{}
	for _, e := range events {
		if e.Kind != invariant.KindState {
			continue
		}
		d := byDaemon[e.Daemon]
		if d == nil {
			d = &samples{daemon: e.Daemon, role: e.Role}
			byDaemon[e.Daemon] = d
		}
		if n := len(d.states); n == 0 || d.states[n-1] != e.State {
			d.times, d.states = append(d.times, e.Time), append(d.states, e.State)
		}
	}
	rank := func(d *samples) string {
		switch d.role {
		case invariant.RoleNameNode:
			return "0\x00" + d.daemon
		case invariant.RoleResourceManager:
			return "1\x00" + d.daemon
		}
		return "2" + d.role + "\x00" + d.daemon
	}
	lanes := slices.SortedFunc(maps.Values(byDaemon), func(a, b *samples) int { return strings.Compare(rank(a), rank(b)) })
	used := map[string]bool{}
	for i, d := range lanes {
		if i > 0 && d.role != lanes[i-1].role {
			l.y += groupGap
		}
		if i == 0 || d.role != lanes[i-1].role {
			l.groups[d.role] = [2]float64{l.y, 0}
		}
		l.groups[d.role] = [2]float64{l.groups[d.role][0], l.y + laneH}
		l.laneY[d.daemon] = l.y
		lv := laneView{Y: l.y, H: laneH, Daemon: d.daemon, Role: d.role}
		for k, s := range d.states {
			from, to := d.times[k], tEnd
			if k+1 < len(d.times) {
				to = d.times[k+1]
			}
			sv := segView{X: l.x(from), W: max(l.x(to)-l.x(from), 1.5), Class: stateClass(s), Text: s,
				Title: fmt.Sprintf("%s %s from %s to %s (%s)", d.daemon, s, l.rel(from), l.rel(to), round(to.Sub(from)))}
			sv.TextX = sv.X + sv.W/2
			if labelW(s)+10 > sv.W {
				sv.Text = ""
			}
			used[sv.Class] = true
			lv.Segs = append(lv.Segs, sv)
		}
		l.tl.Lanes = append(l.tl.Lanes, lv)
		l.y += laneH + laneGap
	}
	for _, c := range []string{"active", "standby", "down", "frozen", "other"} {
		if used[c] {
			l.tl.StateClassesUsed = append(l.tl.StateClassesUsed, c)
		}
	}
	for _, role := range slices.Sorted(maps.Keys(l.groups)) {
		g := l.groups[role]
		for _, o := range overlaps(events, role, tEnd) {
			l.tl.Overlaps = append(l.tl.Overlaps, overlapView{X: l.x(o.from), Y: g[0] - 2, W: max(l.x(o.to)-l.x(o.from), 2), H: g[1] - g[0] + 4,
				Title: fmt.Sprintf("%s all active from %s to %s (%s)", strings.Join(o.daemons, ", "), l.rel(o.from), l.rel(o.to), round(o.to.Sub(o.from)))})
		}
	}
	if len(lanes) > 0 {
		l.y += groupGap - laneGap
	}
}

// opLanes lays out one lane per op name, writes first, then reads, then
// the rest by name: a mark at each op's return and a line back to its
// invocation, in up to opRows rows so that ops overlapping in time do not
// hide each other.
func (l *lay) opLanes(events []invariant.Event) {
	byOp := map[string][]invariant.Event{}
	for _, e := range events {
		if e.Kind == invariant.KindOp {
			byOp[e.Op] = append(byOp[e.Op], e)
		}
	}
	rank := func(op string) string {
		switch op {
		case invariant.OpWrite:
			return "0"
		case invariant.OpRead:
			return "1"
		}
		return "2" + op
	}
	for _, op := range slices.SortedFunc(maps.Keys(byOp), func(a, b string) int { return strings.Compare(rank(a), rank(b)) }) {
		list := byOp[op]
		ext := make([][2]float64, len(list))
		for i, e := range list {
			ext[i] = [2]float64{l.x(e.Time) - 5, l.x(e.Time) + 5}
			if !e.Start.IsZero() {
				ext[i][0] = min(ext[i][0], l.x(e.Start))
			}
		}
		row, n := rows(ext, opRows)
		ov := opLaneView{Y: l.y, H: float64(n)*opRowH + 8, Op: cmp.Or(op, "op")}
		for i, e := range list {
			m := markView{X: l.x(e.Time), X0: l.x(e.Time), Y: l.y + 4 + opRowH/2 + float64(row[i])*opRowH, Class: "ok"}
			what := "ok"
			if !e.OK {
				m.Class, what = "err", "not ok"
			}
			title := []string{fmt.Sprintf("%s: %s at %s", strings.TrimSpace(ov.Op+" "+e.Key), what, l.rel(e.Time))}
			if !e.Start.IsZero() {
				m.X0, m.Whisker = l.x(e.Start), true
				title = append(title, fmt.Sprintf("invoked at %s, took %s", l.rel(e.Start), round(e.Time.Sub(e.Start))))
			}
			for _, s := range []string{e.Err, e.Note} {
				if s != "" {
					title = append(title, s)
				}
			}
			m.Title = strings.Join(title, "\n")
			ov.Marks = append(ov.Marks, m)
		}
		l.tl.OpLanes = append(l.tl.OpLanes, ov)
		l.y += ov.H + laneGap
	}
}

// ticks returns tick marks at a round step giving at most about 12 ticks.
func ticks(span time.Duration, x func(time.Duration) float64) []tick {
	step := span / 10
	for _, s := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour} {
		if span/s <= 12 {
			step = s
			break
		}
	}
	var out []tick
	for d := time.Duration(0); d <= span; d += step {
		label := fmt.Sprintf("%gs", d.Seconds())
		if step >= time.Minute && d%time.Minute == 0 {
			label = fmt.Sprintf("%dm", d/time.Minute)
		}
		out = append(out, tick{X: x(d), Label: label})
	}
	return out
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"f":   func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"add": func(a, b float64) float64 { return a + b },
	"mul": func(a, b float64) float64 { return a * b },
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>{{.Title}}</title>
<style>
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2933;background:#f3f4f6}
main{max-width:1360px;margin:0 auto;padding:14px 20px 28px}
header{display:flex;align-items:baseline;gap:14px;flex-wrap:wrap}
h1{font-size:22px;margin:0}
h2{font-size:15px;margin:0 0 8px;color:#3e4c59}
section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:12px 14px;margin-top:12px}
.meta{color:#52606d;font-size:13px;margin:4px 0 0}
.meta b{color:#1f2933;font-weight:600}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:#fff;background:#9aa5b1}
.badge.pass{background:#2f9e44}.badge.fail{background:#e03131}.badge.inconclusive{background:#e8a33d}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;color:#52606d;font-weight:600;border-bottom:1px solid #e1e4e8;padding:4px 8px}
td{border-bottom:1px solid #f0f1f3;padding:4px 8px;vertical-align:top}
td.check{font-family:ui-monospace,"DejaVu Sans Mono",monospace;white-space:nowrap}
td ul{margin:0;padding-left:16px}
tr.during td.lat{color:#0b7285;font-weight:700}tr.late td.lat,tr.late td.note{color:#d9480f;font-weight:600}tr.none td.note,tr.muted td{color:#7b8794}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:#3e4c59;margin-bottom:6px}
.legend span{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:14px;height:10px;border-radius:2px}
.sw.active{background:#2f9e44}.sw.standby{background:#91a7c0}.sw.down{background:#e03131}.sw.frozen{background:#8b5cf6}.sw.other{background:#d3d7dc}
.sw.band{background:rgba(245,159,0,.22);border:1px dashed #e67700}.sw.ok{background:#2f9e44;border-radius:50%;width:9px;height:9px}.sw.err{background:#e03131;border-radius:50%;width:9px;height:9px}
.sw.fo{background:#0b7285;height:3px}.sw.overlap{background:rgba(224,49,49,.12);border:2px solid #e03131}
svg.tl{width:100%;height:auto;display:block}
svg text{font:11px system-ui,"DejaVu Sans",sans-serif;fill:#3e4c59}
svg .lname{font-weight:700;font-size:12px;fill:#1f2933}svg .lrole{font-size:10px;fill:#7b8794}
svg .lanebg{fill:#f5f6f8}
svg .grid{stroke:#e4e7eb;stroke-width:1}
svg .seg.active{fill:#2f9e44}svg .seg.standby{fill:#91a7c0}svg .seg.down{fill:#e03131}svg .seg.frozen{fill:#8b5cf6}svg .seg.other{fill:#d3d7dc}
svg .stext{font-size:10px;fill:#fff;text-anchor:middle;pointer-events:none}svg .stext.other,svg .stext.standby{fill:#1f2933}
svg .bandfill{fill:rgba(245,159,0,.16)}
svg .band{fill:url(#hatch);stroke:#e67700;stroke-dasharray:5 3;stroke-width:1.2}
svg .band.open{stroke-dasharray:2 3}
svg .hatch{stroke:#fff;stroke-width:2.2;stroke-opacity:.3}
svg .overlap{fill:rgba(224,49,49,.12);stroke:#e03131;stroke-width:2.5}
svg .blabel{font-weight:600;fill:#b35c00}
svg .op .whisker{stroke-width:1.5;opacity:.45}svg .op.ok .whisker{stroke:#2f9e44}svg .op.err .whisker{stroke:#e03131}
svg .op circle{stroke:#fff;stroke-width:1}svg .op.ok circle{fill:#2f9e44}svg .op.err circle{fill:#e03131}
svg .fo line.arrow,svg .fo line.cap{stroke:#0b7285;stroke-width:2}svg .fo polygon{fill:#0b7285}
svg .fo line.take{stroke:#0b7285;stroke-width:1.5;stroke-dasharray:3 3}svg .fo text{fill:#0b7285;font-weight:700}
svg .fo.late line.arrow,svg .fo.late line.cap,svg .fo.late line.take{stroke:#d9480f}svg .fo.late polygon{fill:#d9480f}svg .fo.late text{fill:#d9480f}
svg .fo rect.pill{fill:#fff;stroke:#0b7285}svg .fo.late rect.pill{stroke:#d9480f}
svg .fo polygon.diamond{stroke:#fff;stroke-width:1.5}
svg .axis{stroke:#7b8794}svg .tlabel{text-anchor:middle}
footer{color:#9aa5b1;font-size:11px;margin-top:10px}
</style>
</head>
<body>
<main>
<header>
<h1>{{.Scenario}}</h1><span class="badge {{.Overall}}">{{.Overall}}</span>
</header>
<p class="meta">seed <b>{{.Seed}}</b>{{if .Start}} · from <b>{{.Start}}</b> to <b>{{.End}}</b> · span <b>{{.Span}}</b>{{end}} · {{.Counts}}</p>

<section id="results">
<h2>Invariants</h2>
{{if .Results}}<table>
<tr><th>check</th><th>verdict</th><th>details</th></tr>
{{range .Results}}<tr><td class="check">{{.Check}}</td><td><span class="badge {{.Class}}">{{.Verdict}}</span></td><td>{{if .Details}}<ul>{{range .Details}}<li>{{.}}</li>{{end}}</ul>{{end}}</td></tr>
{{end}}</table>{{else}}<p class="meta">No invariant was checked.</p>{{end}}
</section>

<section id="timeline">
<h2>Timeline</h2>
{{with .TL}}<div class="legend">
{{range .StateClassesUsed}}<span><i class="sw {{.}}"></i>{{if eq . "other"}}unknown / other{{else}}{{.}}{{end}}</span>{{end}}
{{if .Bands}}<span><i class="sw band"></i>fault window</span>{{end}}
{{if .OpLanes}}<span><i class="sw ok"></i>op ok</span><span><i class="sw err"></i>op not ok (line: from invocation)</span>{{end}}
{{if .Failovers}}<span><i class="sw fo"></i>failover: fault start → new active NameNode</span>{{end}}
{{if .Overlaps}}<span><i class="sw overlap"></i>two or more active at once</span>{{end}}
</div>
<svg class="tl" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{f .W}} {{f .H}}" width="{{f .W}}" height="{{f .H}}" role="img">
<defs><pattern id="hatch" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="7" class="hatch"/></pattern></defs>
{{range .Lanes}}<rect class="lanebg" x="{{f $.TL.X0}}" y="{{f .Y}}" width="{{f $.TL.PlotW}}" height="{{f .H}}"/>{{end}}
{{range .OpLanes}}<rect class="lanebg" x="{{f $.TL.X0}}" y="{{f .Y}}" width="{{f $.TL.PlotW}}" height="{{f .H}}"/>{{end}}
{{range .Bands}}<rect class="bandfill" x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}"/>{{end}}
<g class="grid">{{$top := .Top}}{{$bottom := .Bottom}}{{range .Ticks}}<line x1="{{f .X}}" x2="{{f .X}}" y1="{{f $top}}" y2="{{f $bottom}}"/>{{end}}</g>
{{range .Lanes}}<g class="lane" data-daemon="{{.Daemon}}">
<text class="lname" x="8" y="{{f .Y}}" dy="12">{{.Daemon}}</text><text class="lrole" x="8" y="{{f .Y}}" dy="22">{{.Role}}</text>
{{$y := .Y}}{{$h := .H}}{{range .Segs}}<rect class="seg {{.Class}}" x="{{f .X}}" y="{{f $y}}" width="{{f .W}}" height="{{f $h}}"><title>{{.Title}}</title></rect>{{if .Text}}<text class="stext {{.Class}}" x="{{f .TextX}}" y="{{f $y}}" dy="15.5">{{.Text}}</text>{{end}}
{{end}}</g>
{{end}}
{{range .OpLanes}}<g class="oplane" data-op="{{.Op}}">
<text class="lname" x="8" y="{{f .Y}}" dy="12">{{.Op}}s</text><text class="lrole" x="8" y="{{f .Y}}" dy="22">client ops</text>
{{range .Marks}}<g class="op {{.Class}}">{{if .Whisker}}<line class="whisker" x1="{{f .X0}}" x2="{{f .X}}" y1="{{f .Y}}" y2="{{f .Y}}"/>{{end}}<circle cx="{{f .X}}" cy="{{f .Y}}" r="4"/><title>{{.Title}}</title></g>
{{end}}</g>
{{end}}
{{range .Bands}}<g class="fault"><rect class="band{{if .Open}} open{{end}}" x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}"><title>{{.Title}}</title></rect><text class="blabel" x="{{f .X}}" dx="5" y="{{f .LabelY}}">{{.Label}}</text></g>
{{end}}
{{range .Overlaps}}<rect class="overlap" x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}"><title>{{.Title}}</title></rect>
{{end}}
{{range .Failovers}}<g class="{{.Class}}"><title>{{.Title}}</title>
<line class="take" x1="{{f .X1}}" x2="{{f .X1}}" y1="{{f .LineTop}}" y2="{{f .LineBottom}}"/>
<polygon class="diamond" points="{{.Diamond}}"/>
<line class="cap" x1="{{f .X0}}" x2="{{f .X0}}" y1="{{f (add .Y -5)}}" y2="{{f (add .Y 5)}}"/>
<line class="arrow" x1="{{f .X0}}" x2="{{f (add .X1 -3)}}" y1="{{f .Y}}" y2="{{f .Y}}"/><polygon points="{{.Arrow}}"/>
{{if .PillW}}<rect class="pill" x="{{f (add .TextX (mul .PillW -0.5))}}" y="{{f (add .Y -8)}}" width="{{f .PillW}}" height="16" rx="8"/>{{end}}<text x="{{f .TextX}}" y="{{f .Y}}" dy="4" text-anchor="{{.Anchor}}">{{.Label}}</text></g>
{{end}}
<line class="axis" x1="{{f .X0}}" x2="{{f .X1}}" y1="{{f .AxisY}}" y2="{{f .AxisY}}"/>
{{$ay := .AxisY}}{{range .Ticks}}<line class="axis" x1="{{f .X}}" x2="{{f .X}}" y1="{{f $ay}}" y2="{{f (add $ay 4)}}"/><text class="tlabel" x="{{f .X}}" y="{{f $ay}}" dy="15">{{.Label}}</text>{{end}}
<text x="8" y="{{f .AxisY}}" dy="15">seconds</text>
</svg>{{else}}<p class="meta">The history holds no events.</p>{{end}}
</section>

<section id="failovers">
<h2>Failover latency (NameNode)</h2>
{{if .Failovers}}<table>
<tr><th>fault</th><th>injected</th><th>healed</th><th>active at start</th><th>new active</th><th>latency</th><th>note</th></tr>
{{range .Failovers}}<tr class="{{.Class}}"><td class="check">{{.Fault}}</td><td>{{.Injected}}</td><td>{{.Healed}}</td><td>{{.Old}}</td><td>{{.By}}</td><td class="lat">{{.Latency}}</td><td class="note">{{.Note}}</td></tr>
{{end}}</table>{{else}}<p class="meta">No fault was injected.</p>{{end}}
</section>

<footer>haharness run report · times are relative to the history's start · hover a segment, band or op for details</footer>
</main>
</body>
</html>
`
