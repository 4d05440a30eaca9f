package spark

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/scenarios/invariant"
)

// WorkloadParams is a scenario file's workload.spark section: one job run
// through the schedule's faults.
type WorkloadParams struct {
	// Job is wordcount (default) or pi.
	Job string `json:"job,omitempty"`
	// Deploy is the deploy mode: cluster (default) or client.
	Deploy Mode `json:"deploy,omitempty"`
	// Partitions is the number of the job's tasks per stage (default 8).
	Partitions int `json:"partitions,omitempty"`
	// TaskDelayMS is how long each task of the first stage works (default
	// 3000: with 8 tasks on 2 executors the job runs about half a minute,
	// so the schedule's faults land while it runs).
	TaskDelayMS int `json:"taskDelayMs,omitempty"`
	// WriteDelayMS is how long each task writing wordcount's output pauses
	// with its file open on HDFS (default 0): a NameNode failover in that
	// window lands during the job's write.
	WriteDelayMS int `json:"writeDelayMs,omitempty"`
	// Lines is the number of input lines per file of wordcount (4 files;
	// default 2000).
	Lines int `json:"lines,omitempty"`
	// MinAttempts is the number of ApplicationMaster attempts the
	// application must have had (default 1; 2 when the schedule kills
	// its AM).
	MinAttempts int `json:"minAttempts,omitempty"`
	// Host is where spark-submit runs (default: the History Server's host).
	Host string `json:"host,omitempty"`
}

const workloadSchema = `{
  "type": "object",
  "description": "one Spark job on YARN (--master yarn), submitted before the schedule and waited for after it: it must succeed, keep its application id, and (wordcount) write exactly the expected counts in one set of part files",
  "additionalProperties": false,
  "properties": {
    "job": {"enum": ["wordcount", "pi"]},
    "deploy": {"enum": ["cluster", "client"]},
    "partitions": {"type": "integer", "minimum": 1, "maximum": 64},
    "taskDelayMs": {"type": "integer", "minimum": 0, "maximum": 120000},
    "writeDelayMs": {"type": "integer", "minimum": 0, "maximum": 120000},
    "lines": {"type": "integer", "minimum": 1, "maximum": 100000},
    "minAttempts": {"type": "integer", "minimum": 1, "maximum": 4},
    "host": {"type": "string"}
  }
}`

// The checks the workload records.
const (
	CheckSucceeded   = "spark-job-succeeded"
	CheckOneApp      = "spark-keeps-its-application"
	CheckAttempts    = "spark-am-attempts"
	CheckOutputExact = "spark-output-exact"
)

// WordCountFiles is the number of input files of the wordcount workload.
const WordCountFiles = 4

// vocabulary is the number of distinct words of the wordcount input.
const vocabulary = 500

func workload() *addon.Workload {
	return &addon.Workload{Schema: workloadSchema, Start: startWorkload}
}

// job is a running Spark workload.
type job struct {
	c    addon.Cluster
	p    WorkloadParams
	sub  *Submission
	dir  string
	salt int
	note func(string, ...any)
}

func startWorkload(ctx context.Context, c addon.Cluster, params json.RawMessage, run addon.Run) (addon.Running, error) {
	p, err := addon.DecodeParams[WorkloadParams](Name, params)
	if err != nil {
		return nil, err
	}
	p = p.withDefaults()
	tag := strings.NewReplacer(" ", "-", "/", "-", "'", "-").Replace(run.Name)
	w := &job{c: c, p: p, dir: "/haharness-spark/" + tag, salt: salt(tag), note: run.Note}
	j := Job{Mode: p.Deploy, Host: p.Host, Name: "haharness-" + p.Job + "-" + tag}
	switch p.Job {
	case "pi":
		j.Args = []string{"pi", fmt.Sprint(p.Partitions), fmt.Sprint(p.TaskDelayMS)}
	default:
		if err := w.writeInput(ctx); err != nil {
			return nil, err
		}
		j.Args = []string{"wordcount", w.dir + "/in", w.dir + "/out", fmt.Sprint(p.Partitions), fmt.Sprint(p.TaskDelayMS), fmt.Sprint(p.WriteDelayMS)}
	}
	if w.sub, err = Submit(ctx, c, j); err != nil {
		return nil, err
	}
	run.Note("spark: submitted %s %s (%s deploy mode) from %s: %s", p.Job, strings.Join(j.Args[1:], " "), p.Deploy, w.sub.job.Host, w.sub.ID())
	return w, nil
}

func (p WorkloadParams) withDefaults() WorkloadParams {
	if p.Job == "" {
		p.Job = "wordcount"
	}
	if p.Deploy == "" {
		p.Deploy = ClusterMode
	}
	if p.Partitions == 0 {
		p.Partitions = 8
	}
	if p.TaskDelayMS == 0 {
		p.TaskDelayMS = 3000
	}
	if p.Lines == 0 {
		p.Lines = 2000
	}
	if p.MinAttempts == 0 {
		p.MinAttempts = 1
	}
	return p
}

// salt varies the input with the run's name (its scenario and seed).
func salt(tag string) int {
	h := 0
	for _, r := range tag {
		h = (h*31 + int(r)) % 997
	}
	return h
}

// Line is line l of input file f of the wordcount workload: three words
// of a vocabulary of 500, a function of f, l and salt that awk computes on
// the host (writeInput) and the check computes here.
func Line(f, l, lines, salt int) []string {
	x := f*lines + l
	return []string{fmt.Sprintf("w%d", (x*31+salt)%vocabulary), fmt.Sprintf("w%d", (x*17+7)%vocabulary),
		fmt.Sprintf("w%d", (x*x+salt)%vocabulary)}
}

// WordCounts is what wordcount must write for its input.
func WordCounts(lines, salt int) map[string]int64 {
	out := map[string]int64{}
	for f := range WordCountFiles {
		for l := range lines {
			for _, w := range Line(f, l, lines, salt) {
				out[w]++
			}
		}
	}
	return out
}

// awkLine is the awk program that prints input file f: Line's formula.
const awkLine = `BEGIN{for(l=0;l<L;l++){x=f*L+l; printf "w%d w%d w%d\n", (x*31+s)%V, (x*17+7)%V, (x*x+s)%V}}`

// awkArgs are awk's arguments that print input file f.
func (w *job) awkArgs(f int) []string {
	return []string{"-v", fmt.Sprintf("f=%d", f), "-v", fmt.Sprintf("L=%d", w.p.Lines), "-v", fmt.Sprintf("V=%d", vocabulary),
		"-v", fmt.Sprintf("s=%d", w.salt), awkLine}
}

// writeInput writes the input files on HDFS with awk (Line's formula).
func (w *job) writeInput(ctx context.Context) error {
	script := fmt.Sprintf("set -e; hdfs dfs -rm -r -f -skipTrash %[1]s >/dev/null 2>&1; hdfs dfs -mkdir -p %[1]s/in\n", w.dir)
	for f := range WordCountFiles {
		var args []string
		for _, a := range w.awkArgs(f) {
			args = append(args, addon.ShellQuote(a))
		}
		script += fmt.Sprintf("awk %s | hdfs dfs -put - %s/in/part-%d.txt\n", strings.Join(args, " "), w.dir, f)
	}
	host := w.p.Host
	if host == "" {
		host = w.c.Topology().On(History)[0]
	}
	if _, err := addon.MustShell(ctx, w.c, host, script); err != nil {
		return fmt.Errorf("spark workload: write the wordcount input under %s: %w", w.dir, err)
	}
	return nil
}

// Going reports whether the application runs with its executors.
func (w *job) Going(ctx context.Context) (bool, string, error) {
	a, err := addon.Application(ctx, w.c, w.sub.ID())
	if err != nil {
		return false, "", err
	}
	// Running with its AM and an executor, the job is doing work (a busy
	// cluster may not give it every executor it asks for); ended, it has
	// done it, and Stop judges how.
	ok := a.State == "RUNNING" && a.Containers >= 2 || a.Done()
	return ok, fmt.Sprintf("spark %s %s with %d container(s)", a.ID, a.State, a.Containers), nil
}

// Stop waits for the job's end and judges it.
func (w *job) Stop(ctx context.Context, _ *invariant.History) ([]invariant.Check, error) {
	app, err := w.sub.Wait(ctx)
	if err != nil {
		return nil, fmt.Errorf("spark workload: %w", err)
	}
	w.note("spark: %s ended %s/%s after %v, attempts %s", app.ID, app.State, app.FinalStatus, app.Ended.Sub(app.Submitted).Round(100*time.Millisecond), addon.FormatAttempts(app.Attempts))
	for _, l := range app.Lines {
		w.note("spark: driver: %s", l)
	}
	checks := []invariant.Check{
		invariant.Recorded(succeeded(app)),
		invariant.Recorded(addon.OneApplication(ctx, w.c, CheckOneApp, app.Name, app.ID)),
		invariant.Recorded(Attempts(app, w.p.MinAttempts)),
	}
	switch w.p.Job {
	case "pi":
		checks = append(checks, invariant.Recorded(piResult(app)))
	default:
		checks = append(checks, invariant.Recorded(w.outputExact(ctx)))
	}
	return checks, nil
}

func succeeded(app App) invariant.Result {
	r := invariant.Result{Check: CheckSucceeded, Verdict: invariant.Pass,
		Details: []string{fmt.Sprintf("%s: %s/%s", app.ID, app.State, app.FinalStatus)}}
	if !app.Succeeded() {
		r.Verdict = invariant.Fail
		r.Details = append(r.Details, "driver log: "+addon.LastLines(app.DriverLog, 10))
	}
	return r
}

// Attempts checks that app had at least min ApplicationMaster attempts
// (a killed AM was retried) and no more than MaxAttempts.
func Attempts(app App, min int) invariant.Result {
	return addon.AttemptsWithin(CheckAttempts, app.Attempts, min, MaxAttempts)
}

func piResult(app App) invariant.Result {
	r := invariant.Result{Check: CheckOutputExact, Verdict: invariant.Fail, Details: []string{"no pi line in the driver's output"}}
	for _, l := range app.Lines {
		if v, ok := strings.CutPrefix(l, "pi is roughly "); ok {
			f, err := strconv.ParseFloat(v, 64)
			r.Details = []string{l}
			if err == nil && math.Abs(f-math.Pi) < 0.05 {
				r.Verdict = invariant.Pass
			}
		}
	}
	return r
}

// outputExact reads the output back: exactly the expected counts, each
// word once, in one set of part files (part-00000.. numbered without a
// gap or a repeat) beside _SUCCESS, nothing else (no _temporary left by
// an attempt).
func (w *job) outputExact(ctx context.Context) invariant.Result {
	r := invariant.Result{Check: CheckOutputExact, Verdict: invariant.Fail}
	host := w.sub.job.Host
	ls, err := addon.MustShell(ctx, w.c, host, "hdfs dfs -ls -C "+w.dir+"/out 2>&1")
	if err != nil {
		r.Details = []string{"list the output: " + err.Error()}
		return r
	}
	cat, err := addon.MustShell(ctx, w.c, host, "hdfs dfs -cat "+w.dir+"/out/part-* 2>&1")
	if err != nil {
		r.Details = []string{"read the output: " + err.Error()}
		return r
	}
	r.Details = CompareOutput(strings.Fields(ls.Stdout), cat.Stdout, WordCounts(w.p.Lines, w.salt))
	if len(r.Details) == 0 {
		r.Verdict = invariant.Pass
		r.Details = []string{fmt.Sprintf("%d words, counts as expected, in one set of part files", vocabulary)}
	}
	return r
}

// CompareOutput compares wordcount's output (its file paths and their
// text) with want and lists every difference.
func CompareOutput(files []string, text string, want map[string]int64) []string {
	var bad []string
	parts := map[int]bool{}
	success := false
	for _, f := range files {
		base := f[strings.LastIndex(f, "/")+1:]
		switch {
		case base == "_SUCCESS":
			success = true
		case strings.HasPrefix(base, "part-"):
			n, err := strconv.Atoi(strings.TrimPrefix(base, "part-"))
			if err != nil || parts[n] {
				bad = append(bad, "an unexpected or repeated part file: "+base)
			}
			parts[n] = true
		default:
			bad = append(bad, "a file that is no committed output: "+base)
		}
	}
	if !success {
		bad = append(bad, "no _SUCCESS: the job's output was never committed")
	}
	for i := range len(parts) {
		if !parts[i] {
			bad = append(bad, fmt.Sprintf("part-%05d is missing among %d part files", i, len(parts)))
		}
	}
	got := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		word, n, ok := strings.Cut(line, "\t")
		c, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil {
			bad = append(bad, "a line that is no word count: "+line)
			continue
		}
		if _, dup := got[word]; dup {
			bad = append(bad, "word "+word+" written twice")
		}
		got[word] += c
	}
	for wd, n := range want {
		if got[wd] != n {
			bad = append(bad, fmt.Sprintf("word %s: count %d, want %d", wd, got[wd], n))
		}
	}
	for wd := range got {
		if _, ok := want[wd]; !ok {
			bad = append(bad, "an unexpected word "+wd)
		}
	}
	if len(bad) > 12 {
		bad = append(bad[:12], fmt.Sprintf("... and %d more differences", len(bad)-12))
	}
	return bad
}
