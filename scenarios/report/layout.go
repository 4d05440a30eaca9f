package report

import (
	"fmt"
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
	auditH     = 6.0  // height of an audit mark at the bottom of a lane
)

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
	Audited          bool // some lane has audit marks
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

type foMark struct {
	X0, X1, Y, TextX, LineTop, LineBottom, DiamondY float64
	PillW                                           float64 // width of the label's backing when it sits on the arrow
	Label, Title, Class, Anchor, Arrow, Diamond     string
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

// rel formats t as a duration since t0, rounded to the millisecond.
func rel(t, t0 time.Time) string {
	return "+" + round(t.Sub(t0)).String()
}

func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") }

// labelW is the rough width of an 11px label.
func labelW(s string) float64 { return float64(len([]rune(s))) * charW }

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// layout places everything of the timeline of h (whose sorted events are
// events and span t0 to tEnd): from the top, fault labels (each band starts
// at its label's row and runs down to the bottom of the lanes), failover
// arrows, state lanes, op lanes, and the time axis.
func layout(h invariant.History, events []invariant.Event, fos []invariant.Failover, t0, tEnd time.Time) *timeline {
	l := &lay{t0: t0, span: max(tEnd.Sub(t0), 0), y: 6, laneY: map[string]float64{}, groups: map[string][2]float64{},
		tl: &timeline{W: svgWidth, X0: labelWidth, X1: svgWidth - rightPad, PlotW: svgWidth - rightPad - labelWidth}}
	if l.span == 0 {
		l.span = time.Second
	}
	tl := l.tl

	ws := invariant.FaultWindows(h)
	ext := make([][2]float64, len(ws))
	for i, w := range ws {
		ext[i] = [2]float64{l.x(w.Start), max(l.x(w.End), l.x(w.Start)+labelW(w.Fault)+12)}
	}
	bandRow, n := rows(ext, 0)
	bandsTop := l.y
	l.y += float64(n) * rowH

	measured := slices.DeleteFunc(slices.Clone(fos), func(f invariant.Failover) bool { return f.To == "" })
	marks, ext := l.failoverLabels(measured)
	foRow, n := rows(ext, 0)
	foTop := l.y
	if n > 0 {
		l.y += float64(n)*rowH + 4
	}

	tl.Top = l.y
	l.stateLanes(h, events, tEnd)
	l.opLanes(h, events)
	tl.Bottom = max(l.y-laneGap, tl.Top)

	for i, w := range ws {
		b := bandView{X: l.x(w.Start), Y: bandsTop + float64(bandRow[i])*rowH, Label: w.Fault, Open: !w.Healed}
		b.W, b.H, b.LabelY = max(l.x(w.End)-b.X, 1.5), tl.Bottom-b.Y, b.Y+13
		from, to := l.rel(w.Start), l.rel(w.End)
		switch {
		case !w.Started:
			from = "before the history (start not recorded)"
		case !w.Healed:
			to += " (not healed: end of the history)"
		}
		b.Title = fmt.Sprintf("%s\nfrom %s to %s (%s)", w.Fault, from, to, round(w.End.Sub(w.Start)))
		tl.Bands = append(tl.Bands, b)
	}

	for i, f := range measured {
		m := marks[i]
		m.Y, m.LineTop, m.LineBottom, m.DiamondY = foTop+float64(foRow[i])*rowH+rowH/2+2, tl.Top-2, l.groups[invariant.RoleNameNode][1]+2, l.laneY[f.To]+laneH/2
		m.Arrow = fmt.Sprintf("%.1f,%.1f %.1f,%.1f %.1f,%.1f", m.X1, m.Y, m.X1-8, m.Y-4.5, m.X1-8, m.Y+4.5)
		m.Diamond = fmt.Sprintf("%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f", m.X1, m.DiamondY-7, m.X1+7, m.DiamondY, m.X1, m.DiamondY+7, m.X1-7, m.DiamondY)
		m.Title = fmt.Sprintf("fault %s injected at %s; %s became active at %s, %s later", f.Fault, l.rel(f.Start), f.To, l.rel(f.At), round(f.Latency()))
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
func (l *lay) failoverLabels(fs []invariant.Failover) ([]foMark, [][2]float64) {
	marks := make([]foMark, len(fs))
	ext := make([][2]float64, len(fs))
	for i, f := range fs {
		m := foMark{X0: l.x(f.Start), X1: l.x(f.At), Class: "fo", Anchor: "start",
			Label: fmt.Sprintf("%s → %s %s", strings.Join(f.From, ","), f.To, round(f.Latency()))}
		if !f.During {
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
