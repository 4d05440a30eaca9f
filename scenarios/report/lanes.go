package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/scenarios/invariant"
)

type laneView struct {
	Y, H         float64
	Daemon, Role string
	Segs         []segView
	Audits       []auditView
}

type segView struct {
	X, W, TextX  float64
	Class, Title string
	Text         string // shown only when it fits
}

// auditView is a mark at the bottom of a NameNode's lane where its audit
// log says it served a create or append.
type auditView struct {
	X, Y, H float64
	Title   string
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

// stateClass maps a state to the CSS class that colours it.
func stateClass(s string) string {
	switch s {
	case invariant.StateActive, invariant.StateStandby, invariant.StateDown, invariant.StateFrozen:
		return s
	}
	return otherClass
}

// otherClass is the class of every state stateClass does not draw in a
// colour of its own.
const otherClass = "other"

// audited reports whether e is an audit record the write checks read: a
// NameNode serving a create or append.
func audited(e invariant.Event) bool {
	return e.Kind == invariant.KindServed && (e.Op == invariant.AuditCreate || e.Op == invariant.AuditAppend)
}

// stateLanes lays out one lane per daemon with state samples: NameNodes,
// then ResourceManagers, then the rest by role, each role's daemons by name.
// Each state holds from its transition until the daemon's next one, the last
// to the end of the history (tEnd). Audit records of creates and appends are
// marked on the serving NameNode's lane, and windows with several active
// daemons of a role boxed across the role's lanes.
func (l *lay) stateLanes(h invariant.History, events []invariant.Event, tEnd time.Time) {
	type lane struct {
		daemon, role string
		ts           []invariant.Transition
	}
	roles := map[string]bool{}
	for _, e := range events {
		if e.Kind == invariant.KindState {
			roles[e.Role] = true
		}
	}
	var lanes []lane
	for role := range roles {
		for d, ts := range h.Transitions(role) {
			lanes = append(lanes, lane{daemon: d, role: role, ts: ts})
		}
	}
	rank := func(d lane) string {
		switch d.role {
		case invariant.RoleNameNode:
			return "0\x00" + d.daemon
		case invariant.RoleResourceManager:
			return "1\x00" + d.daemon
		}
		return "2" + d.role + "\x00" + d.daemon
	}
	slices.SortFunc(lanes, func(a, b lane) int { return strings.Compare(rank(a), rank(b)) })
	used := map[string]bool{}
	lanesAt := map[string]int{} // daemon → index of its lane in tl.Lanes
	for i, d := range lanes {
		if i > 0 && d.role != lanes[i-1].role {
			l.y += groupGap
		}
		if i == 0 || d.role != lanes[i-1].role {
			l.groups[d.role] = [2]float64{l.y, 0}
		}
		l.groups[d.role] = [2]float64{l.groups[d.role][0], l.y + laneH}
		l.laneY[d.daemon] = l.y
		lanesAt[d.daemon] = len(l.tl.Lanes)
		lv := laneView{Y: l.y, H: laneH, Daemon: d.daemon, Role: d.role}
		for k, tr := range d.ts {
			from, to := tr.Time, tEnd
			if k+1 < len(d.ts) {
				to = d.ts[k+1].Time
			}
			s := tr.To
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
	for _, c := range []string{invariant.StateActive, invariant.StateStandby, invariant.StateDown, invariant.StateFrozen, otherClass} {
		if used[c] {
			l.tl.StateClassesUsed = append(l.tl.StateClassesUsed, c)
		}
	}
	for _, e := range events {
		i, ok := lanesAt[e.Daemon]
		if !ok || !audited(e) {
			continue
		}
		lv := &l.tl.Lanes[i]
		lv.Audits = append(lv.Audits, auditView{X: l.x(e.Time), Y: lv.Y + lv.H - auditH, H: auditH,
			Title: fmt.Sprintf("%s audit log: %s %s at %s", e.Daemon, e.Op, e.Key, l.rel(e.Time))})
		l.tl.Audited = true
	}
	for _, role := range slices.Sorted(maps.Keys(l.groups)) {
		g := l.groups[role]
		sets, _ := invariant.ActiveSets(h, role)
		for _, o := range sets {
			l.tl.Overlaps = append(l.tl.Overlaps, overlapView{X: l.x(o.From), Y: g[0] - 2, W: max(l.x(o.To)-l.x(o.From), 2), H: g[1] - g[0] + 4,
				Title: fmt.Sprintf("%s all active from %s to %s (%s)", strings.Join(o.Daemons, ", "), l.rel(o.From), l.rel(o.To), round(o.To.Sub(o.From)))})
		}
	}
	if len(lanes) > 0 {
		l.y += groupGap - laneGap
	}
}

// opLanes lays out one lane per op name, writes first, then reads, then
// the rest by name: a mark at each op's return and a line back to its
// invocation, in up to opRows rows so that ops overlapping in time do not
// hide each other. An acknowledged write's details name the NameNodes whose
// audit logs say they served it.
func (l *lay) opLanes(h invariant.History, events []invariant.Event) {
	servedBy := map[int][]invariant.Serving{}
	for _, sw := range invariant.ServedWrites(h) {
		servedBy[sw.Index] = sw.By
	}
	byOp := map[string][]int{}
	for i, e := range events {
		if e.Kind == invariant.KindOp {
			byOp[e.Op] = append(byOp[e.Op], i)
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
		for i, k := range list {
			e := events[k]
			ext[i] = [2]float64{l.x(e.Time) - 5, l.x(e.Time) + 5}
			if !e.Start.IsZero() {
				ext[i][0] = min(ext[i][0], l.x(e.Start))
			}
		}
		row, n := rows(ext, opRows)
		ov := opLaneView{Y: l.y, H: float64(n)*opRowH + 8, Op: cmp.Or(op, "op")}
		for i, k := range list {
			e := events[k]
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
			for _, s := range servedBy[k] {
				if !s.Note {
					title = append(title, fmt.Sprintf("served by %s at %s (audit log)", s.Daemon, l.rel(s.Time)))
				}
			}
			m.Title = strings.Join(title, "\n")
			ov.Marks = append(ov.Marks, m)
		}
		l.tl.OpLanes = append(l.tl.OpLanes, ov)
		l.y += ov.H + laneGap
	}
}
