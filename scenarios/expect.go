package scenarios

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// judge turns a scenario file's expectations into checks. It runs after
// the final heal, so "at the end" means on the healed cluster.
func (r *fileRun) judge(ctx context.Context, e *Env) []invariant.Result {
	x := r.f.Expect
	h := *e.H
	var out []invariant.Result
	bound := FailoverBound()
	if x.FailoverWithin > 0 {
		bound = x.FailoverWithin.D()
	}
	for _, role := range []topology.Role{topology.NameNode, topology.ResourceManager} {
		if labels := r.failoverLabels[role]; len(labels) > 0 {
			res := invariant.FailoverWithin(OnlyFaults(h, labels), historyRole(role), bound)
			res.Check += " (items with failover: " + string(role) + ")"
			out = append(out, res)
		}
	}
	for _, role := range x.NoFailover {
		out = append(out, NoFailover(h, historyRole(topology.Role(role)), r.initial[topology.Role(role)]))
	}
	for _, w := range x.Writes {
		win := r.windows[w.Fault]
		out = append(out, WritesDuring(h, w.Fault, win.from, win.to, w.Acknowledged, w.AtLeast))
	}
	if x.ActiveAtEnd.NameNode != "" || x.ActiveAtEnd.ResourceManager != "" {
		out = append(out, r.activeAtEnd(ctx, e))
	}
	if x.Job != "" {
		out = append(out, r.jobCheck(x.Job))
	}
	if len(x.Files) > 0 {
		out = append(out, filesCheck(ctx, e, x.Files))
	}
	if len(x.Logs) > 0 {
		out = append(out, logsCheck(ctx, e, x.Logs))
	}
	for _, it := range r.f.Schedule {
		if it.Probe != "" {
			out = append(out, r.probeCheck(it))
		}
	}
	if r.zk != nil {
		out = append(out, r.zk.Verify(ctx))
	}
	return out
}

// OnlyFaults returns h with only the fault events whose label is in keep.
func OnlyFaults(h invariant.History, keep []string) invariant.History {
	out := invariant.History{Seed: h.Seed, Scenario: h.Scenario}
	for _, e := range h.Sorted() {
		if (e.Kind == invariant.KindFaultStart || e.Kind == invariant.KindFaultEnd) && !slices.Contains(keep, e.Fault) {
			continue
		}
		out.Events = append(out.Events, e)
	}
	return out
}

// NoFailover checks that no daemon of role but initial was ever sampled
// active: the active never changed.
func NoFailover(h invariant.History, role, initial string) invariant.Result {
	r := invariant.Result{Check: "no-failover " + role}
	n := 0
	for _, ev := range h.Sorted() {
		if ev.Kind != invariant.KindState || ev.Role != role {
			continue
		}
		n++
		if ev.State == invariant.StateActive && ev.Daemon != initial {
			r.Verdict = invariant.Fail
			r.Details = append(r.Details, fmt.Sprintf("%s sampled active at %s; %s was active when the schedule began",
				ev.Daemon, ev.Time.UTC().Format("15:04:05.000"), initial))
			return r
		}
	}
	if n == 0 || initial == "" {
		r.Verdict = invariant.Inconclusive
		r.Details = []string{"no " + role + " state was sampled"}
		return r
	}
	r.Verdict = invariant.Pass
	r.Details = []string{fmt.Sprintf("%s stayed the only active %s over %d samples", initial, role, n)}
	return r
}

// WritesDuring checks what writes did while fault id was in effect, from
// the moment its injection returned (from) to the moment its heal began
// (to): "none" — no write begun in that window was acknowledged before it
// ended; "some" — at least atLeast (default 1) were.
func WritesDuring(h invariant.History, id string, start, end time.Time, want string, atLeast int) invariant.Result {
	r := invariant.Result{Check: fmt.Sprintf("writes-during %s: %s acknowledged", id, want)}
	if start.IsZero() || end.IsZero() {
		r.Verdict = invariant.Inconclusive
		r.Details = []string{fmt.Sprintf("fault %s was not injected and healed in this run", id)}
		return r
	}
	var acked, tried []string
	for _, ev := range h.Sorted() {
		if ev.Kind != invariant.KindOp || ev.Op != invariant.OpWrite || ev.Start.Before(start) || ev.Time.After(end) {
			continue
		}
		tried = append(tried, ev.Key)
		if ev.OK {
			acked = append(acked, path.Base(ev.Key))
		}
	}
	if atLeast < 1 {
		atLeast = 1
	}
	held := end.Sub(start).Round(100 * time.Millisecond)
	switch {
	case want == "none" && len(acked) > 0:
		r.Verdict = invariant.Fail
		r.Details = []string{fmt.Sprintf("%d write(s) begun and acknowledged while %s was in (%v): %s", len(acked), id, held, strings.Join(first(acked, 5), ", "))}
	case want == "none" && len(tried) == 0:
		r.Verdict = invariant.Inconclusive
		r.Details = []string{fmt.Sprintf("no write was begun and ended while %s was in (%v)", id, held)}
	case want == "none":
		r.Verdict = invariant.Pass
		r.Details = []string{fmt.Sprintf("none of %d write(s) begun while %s was in (%v) was acknowledged", len(tried), id, held)}
	case len(acked) < atLeast:
		r.Verdict = invariant.Fail
		r.Details = []string{fmt.Sprintf("%d of %d write(s) begun while %s was in (%v) acknowledged, want at least %d", len(acked), len(tried), id, held, atLeast)}
	default:
		r.Verdict = invariant.Pass
		r.Details = []string{fmt.Sprintf("%d of %d write(s) begun while %s was in (%v) acknowledged", len(acked), len(tried), id, held)}
	}
	return r
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("... (%d more)", len(xs)-n))
	}
	return xs
}

func (r *fileRun) activeAtEnd(ctx context.Context, e *Env) invariant.Result {
	want := r.f.Expect.ActiveAtEnd
	res := invariant.Result{Check: "active-at-end"}
	var got, bad []string
	for _, c := range []struct {
		role topology.Role
		id   string
	}{{topology.NameNode, want.NameNode}, {topology.ResourceManager, want.ResourceManager}} {
		if c.id == "" {
			continue
		}
		id, err := e.Active(ctx, c.role)
		got = append(got, fmt.Sprintf("%s %s (want %s)", c.role, orDash(id), c.id))
		if err != nil || id != c.id {
			bad = append(bad, fmt.Sprintf("active %s is %s, want %s%s", c.role, orDash(id), c.id, errSuffix(err)))
		}
	}
	if len(bad) > 0 {
		res.Verdict, res.Details = invariant.Fail, bad
	} else {
		res.Verdict, res.Details = invariant.Pass, got
	}
	return res
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (" + firstLine(err.Error()) + ")"
}

func (r *fileRun) jobCheck(want string) invariant.Result {
	res := invariant.Result{Check: "mapreduce-job " + want}
	j := r.job
	switch {
	case !j.submitted:
		res.Verdict, res.Details = invariant.Inconclusive, []string{"the job was not submitted"}
	case j.rc == "":
		res.Verdict, res.Details = invariant.Fail, []string{"the job did not finish: " + j.err}
	case (j.rc == "0") == (want == "succeeded"):
		res.Verdict, res.Details = invariant.Pass, []string{"exit " + j.rc + ": " + firstLine(lastLine(j.output))}
	default:
		res.Verdict, res.Details = invariant.Fail, []string{"exit " + j.rc + ", want " + want + ":\n" + j.output}
	}
	return res
}

func filesCheck(ctx context.Context, e *Env, files []spec.FileExpect) invariant.Result {
	res := invariant.Result{Check: "files", Verdict: invariant.Pass}
	client, err := e.C.HDFS(ctx)
	if err != nil {
		res.Verdict, res.Details = invariant.Inconclusive, []string{"hdfs client: " + err.Error()}
		return res
	}
	defer client.Close()
	for _, f := range files {
		p := strings.ReplaceAll(f.Path, "$DIR", e.Dir)
		_, serr := client.Stat(p)
		present := serr == nil
		line := fmt.Sprintf("%s: present=%v", p, present)
		if present != spec.Want(f.Present) {
			res.Verdict = invariant.Fail
			line += fmt.Sprintf(", want present=%v", spec.Want(f.Present))
		}
		res.Details = append(res.Details, line)
	}
	return res
}

// LogLines is how much of a daemon's log a log expectation reads.
const LogLines = 20000

func logsCheck(ctx context.Context, e *Env, logs []spec.LogExpect) invariant.Result {
	res := invariant.Result{Check: "logs", Verdict: invariant.Pass}
	for _, l := range logs {
		host, role, _ := strings.Cut(l.Daemon, "/")
		text, err := e.C.Logs(ctx, host, topology.Role(role), LogLines)
		if err != nil {
			res.Verdict = invariant.Inconclusive
			res.Details = append(res.Details, fmt.Sprintf("%s: %v", l.Daemon, err))
			continue
		}
		found := strings.Contains(text, l.Contains)
		line := fmt.Sprintf("%s: %q found=%v", l.Daemon, l.Contains, found)
		if found != spec.Want(l.Present) {
			res.Verdict = invariant.Fail
			line += fmt.Sprintf(", want found=%v", spec.Want(l.Present))
		}
		res.Details = append(res.Details, line)
	}
	return res
}

func (r *fileRun) probeCheck(it spec.Item) invariant.Result {
	res := invariant.Result{Check: fmt.Sprintf("probe %s: write through %s %s", it.ID, it.Target, it.Expect)}
	p, ok := r.probes[it.ID]
	switch {
	case !ok || !p.ran:
		res.Verdict, res.Details = invariant.Inconclusive, []string{"the probe did not run"}
	case p.acked == (it.Expect == "acknowledged"):
		res.Verdict = invariant.Pass
		res.Details = []string{fmt.Sprintf("through %s: acknowledged=%v %s", p.daemon, p.acked, p.err)}
	default:
		res.Verdict = invariant.Fail
		res.Details = []string{fmt.Sprintf("through %s: acknowledged=%v, want %s %s", p.daemon, p.acked, it.Expect, p.err)}
	}
	return res
}
