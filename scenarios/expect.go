package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// judge turns a scenario file's expectations into checks of the plan:
// those of the History with the run's facts as their parameters (the
// faults that must fail over, the actives the schedule began with, each
// fault's window), those of the live cluster and of the run's own
// records judged now and recorded. It runs after the final heal, so "at
// the end" means on the healed cluster.
func (r *fileRun) judge(ctx context.Context, e *Env) invariant.Plan {
	x := r.f.Expect
	var out invariant.Plan
	bound := FailoverBound()
	if x.FailoverWithin > 0 {
		bound = x.FailoverWithin.D()
	}
	// Hadoop's roles first, then the add-ons' HA roles (failover: ROLE).
	roles := []topology.Role{topology.NameNode, topology.ResourceManager}
	for _, role := range slices.Sorted(maps.Keys(r.failoverLabels)) {
		if !slices.Contains(roles, role) {
			roles = append(roles, role)
		}
	}
	for _, role := range roles {
		if labels := r.failoverLabels[role]; len(labels) > 0 {
			out = append(out, invariant.Check{Check: invariant.CheckFailoverWithin, Role: historyRole(role), Bound: bound,
				Faults: labels, Of: "items with failover: " + string(role)})
		}
	}
	for _, role := range x.NoFailover {
		out = append(out, invariant.Check{Check: invariant.CheckNoFailover, Role: historyRole(topology.Role(role)), Initial: r.initial[topology.Role(role)]})
	}
	for _, w := range x.Writes {
		win := r.windows[w.Fault]
		out = append(out, invariant.Check{Check: invariant.CheckWritesDuring, Fault: w.Fault, From: win.from, To: win.to,
			Acknowledged: w.Acknowledged, AtLeast: w.AtLeast})
	}
	if x.ActiveAtEnd.NameNode != "" || x.ActiveAtEnd.ResourceManager != "" {
		out = append(out, invariant.Recorded(r.activeAtEnd(ctx, e)))
	}
	if x.Job != "" {
		out = append(out, invariant.Recorded(r.jobCheck(x.Job)))
	}
	if len(x.Files) > 0 {
		out = append(out, invariant.Recorded(filesCheck(ctx, e, x.Files)))
	}
	if len(x.Logs) > 0 {
		out = append(out, invariant.Recorded(logsCheck(ctx, e, x.Logs)))
	}
	for _, it := range r.f.Schedule {
		if it.Probe != "" {
			out = append(out, invariant.Recorded(r.probeCheck(it)))
		}
	}
	if r.zk != nil {
		out = append(out, invariant.Recorded(r.zk.Verify(ctx)))
	}
	return out
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
