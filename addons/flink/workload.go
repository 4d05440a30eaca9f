package flink

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/scenarios/invariant"
)

// WorkloadParams is a scenario file's workload.flink section: the
// harness's KeyedCounts job run through the schedule's faults.
type WorkloadParams struct {
	// Records is the number of records the job reads (default 1600),
	// Rate how many a second (default 20: 80 s of input, so the
	// schedule's faults and the recovery from them land while it runs)
	// and Keys over how many keys (default 10).
	Records int `json:"records,omitempty"`
	Rate    int `json:"rate,omitempty"`
	Keys    int `json:"keys,omitempty"`
	// Parallelism is the job's parallelism: its TaskManagers (default 2).
	Parallelism int `json:"parallelism,omitempty"`
	// MinAttempts is the number of ApplicationMaster (JobManager)
	// attempts the application must have had (default 1; 2 when the
	// schedule kills its JobManager).
	MinAttempts int `json:"minAttempts,omitempty"`
	// RecoverySeconds bounds the time from a kill of a JobManager or a
	// TaskManager to the job running all its tasks again (default
	// DefaultRecoveryBound).
	RecoverySeconds int `json:"recoverySeconds,omitempty"`
	// Host is where the client runs (default: the HistoryServer's host).
	Host string `json:"host,omitempty"`
}

// DefaultRecoveryBound bounds a JobManager's or TaskManager's recovery.
// Measured on this kind of machine (2 cores, another cluster busy): a
// JobManager killed was RUNNING again after 15.6 s (the ZooKeeper session
// of ZKSessionTimeout to expire, a new AM container, the JVM, the restore)
// and a TaskManager after 17-24 s (the restart delay of 2 s, a new YARN
// container, the TaskManager's JVM); 60 s is 2.5 times the slowest.
const DefaultRecoveryBound = 60 * time.Second

const workloadSchema = `{
  "type": "object",
  "description": "the harness's KeyedCounts Flink job (a bounded source of records over keys at a rate, keyed counts in state, a FileSink exactly once to hdfs://mycluster) deployed on YARN before the schedule and waited for after it: it must finish under its one application id, its committed output must hold every record exactly once, and after a JobManager or TaskManager kill it must restore from the latest checkpoint completed before the kill, within the recovery bound",
  "additionalProperties": false,
  "properties": {
    "records": {"type": "integer", "minimum": 10, "maximum": 1000000},
    "rate": {"type": "integer", "minimum": 1, "maximum": 100000},
    "keys": {"type": "integer", "minimum": 1, "maximum": 1000},
    "parallelism": {"type": "integer", "minimum": 1, "maximum": 4},
    "minAttempts": {"type": "integer", "minimum": 1, "maximum": 2},
    "recoverySeconds": {"type": "integer", "minimum": 1, "maximum": 600},
    "host": {"type": "string"}
  }
}`

// The checks the workload records.
const (
	CheckFinished       = "flink-job-finished"
	CheckOneApp         = "flink-keeps-its-application"
	CheckExactlyOnce    = "flink-output-exactly-once"
	CheckRestoredLatest = "flink-restored-latest-checkpoint"
	CheckRecovery       = "flink-recovery-within-bound"
	CheckAttempts       = "flink-jobmanager-attempts"
)

func workload() *addon.Workload {
	return &addon.Workload{Schema: workloadSchema, Start: startWorkload}
}

// job is a running Flink workload.
type job struct {
	c    addon.Cluster
	p    WorkloadParams
	sub  *Submission
	out  string
	note func(string, ...any)
}

func (p WorkloadParams) withDefaults() WorkloadParams {
	p.Records, p.Rate, p.Keys = cmpOr(p.Records, 1600), cmpOr(p.Rate, 20), cmpOr(p.Keys, 10)
	p.Parallelism, p.MinAttempts = cmpOr(p.Parallelism, Parallelism), cmpOr(p.MinAttempts, 1)
	p.RecoverySeconds = cmpOr(p.RecoverySeconds, int(DefaultRecoveryBound.Seconds()))
	return p
}

func startWorkload(ctx context.Context, c addon.Cluster, params json.RawMessage, run addon.Run) (addon.Running, error) {
	p, err := addon.DecodeParams[WorkloadParams](Name, params)
	if err != nil {
		return nil, err
	}
	p = p.withDefaults()
	if p.Keys > p.Records {
		return nil, fmt.Errorf("flink workload: keys %d > records %d: give every key a record", p.Keys, p.Records)
	}
	tag := strings.NewReplacer(" ", "-", "/", "-", "'", "-").Replace(run.Name)
	w := &job{c: c, p: p, out: OutDir + "/" + tag + "/out", note: run.Note}
	j := Job{Out: w.out, Records: p.Records, Rate: p.Rate, Keys: p.Keys, Parallelism: p.Parallelism,
		Name: "haharness-flink-" + tag, Host: p.Host}
	if j, err = complete(c.Topology(), j); err != nil {
		return nil, err
	}
	if _, err := addon.MustShell(ctx, c, j.Host, "hdfs dfs -rm -r -f -skipTrash "+OutDir+"/"+tag+" >/dev/null 2>&1; true"); err != nil {
		return nil, fmt.Errorf("flink workload: clear %s/%s: %w", OutDir, tag, err)
	}
	if w.sub, err = Submit(ctx, c, j); err != nil {
		return nil, err
	}
	run.Note("flink: submitted KeyedCounts (%d records over %d keys at %d/s, parallelism %d) from %s: %s, job %s",
		p.Records, p.Keys, p.Rate, p.Parallelism, j.Host, w.sub.ID(), w.sub.JobID())
	return w, nil
}

// Going reports whether the job runs all its tasks and has completed a
// checkpoint (so a failure has a checkpoint to restore from).
func (w *job) Going(context.Context) (bool, string, error) {
	s, cp := w.sub.Latest()
	// Ended (a busy cluster may run it through before this looks), it has
	// done its work, and Stop judges how.
	ok := s.AllRunning && cp.Latest > 0 || s.State == "FINISHED" || s.State == "FAILED" || s.State == "CANCELED"
	return ok, fmt.Sprintf("flink %s job %s tasks %s, checkpoint %d", w.sub.ID(), orDash(s.State), orDash(s.Tasks), cp.Latest), nil
}

// Stop waits for the job's end and judges it.
func (w *job) Stop(ctx context.Context, h *invariant.History) ([]invariant.Check, error) {
	res, err := w.sub.Wait(ctx)
	if err != nil {
		return nil, fmt.Errorf("flink workload: %w", err)
	}
	timeline, seen := w.sub.Seen()
	w.note("flink: %s ended %s/%s, job %s %s after %v, attempts %s, last checkpoint %d, restored from %v",
		res.ID, res.State, res.FinalStatus, res.JobID, res.JobState, res.Ended.Sub(res.Submitted).Round(100*time.Millisecond),
		addon.FormatAttempts(res.Attempts), res.LastCheckpoint, res.Restored)
	var windows []invariant.FaultWindow
	if h != nil {
		windows = invariant.FaultWindows(*h)
	}
	recoveries := Recoveries(windows, timeline, seen)
	for _, r := range recoveries {
		w.note("flink: %s", r)
	}
	checks := []invariant.Check{
		invariant.Recorded(finished(res)),
		invariant.Recorded(addon.OneApplication(ctx, w.c, CheckOneApp, res.Name, res.ID)),
		invariant.Recorded(Attempts(res, w.p.MinAttempts)),
		invariant.Recorded(w.exactlyOnce(ctx)),
	}
	if len(recoveries) > 0 {
		checks = append(checks, invariant.Recorded(RestoredLatest(recoveries, res.Restored)),
			invariant.Recorded(RecoveredWithin(recoveries, time.Duration(w.p.RecoverySeconds)*time.Second)))
	}
	return checks, nil
}

func finished(r Result) invariant.Result {
	res := invariant.Result{Check: CheckFinished, Verdict: invariant.Pass,
		Details: []string{fmt.Sprintf("%s: %s/%s, job %s %s", r.ID, r.State, r.FinalStatus, r.JobID, r.JobState)}}
	// The run's notes are read before the workload stops: the figures go
	// in the details too.
	res.Details = append(res.Details, fmt.Sprintf("ran %v, attempts %s, last checkpoint %d, restored from %v",
		r.Ended.Sub(r.Submitted).Round(100*time.Millisecond), addon.FormatAttempts(r.Attempts), r.LastCheckpoint, r.Restored))
	if !r.Succeeded() {
		res.Verdict = invariant.Fail
		res.Details = append(res.Details, "diagnostics: "+addon.FirstLine(r.Diagnostics), "JobManager log: "+addon.LastLines(r.JobManagerLog, 10))
	}
	return res
}

// Attempts checks that r had at least min JobManager (AM) attempts and
// no more than MaxAttempts.
func Attempts(r Result, min int) invariant.Result {
	return addon.AttemptsWithin(CheckAttempts, r.Attempts, min, MaxAttempts)
}

// exactlyOnce reads the committed part files back (the FileSink's
// finished files; in-progress ones, hidden with a leading dot, hold
// uncommitted records of a failed attempt) and checks every record is in
// them exactly once.
func (w *job) exactlyOnce(ctx context.Context) invariant.Result {
	res := invariant.Result{Check: CheckExactlyOnce, Verdict: invariant.Fail}
	host := w.sub.job.Host
	cat, err := addon.MustShell(ctx, w.c, host, fmt.Sprintf("hdfs dfs -cat '%s/*/part-*' 2>&1", w.out))
	if err != nil {
		res.Details = []string{"read the committed output: " + err.Error()}
		return res
	}
	ls, _ := w.c.Shell(ctx, host, fmt.Sprintf("hdfs dfs -ls -C '%s/*' 2>/dev/null", w.out))
	committed, inprogress := 0, 0
	for _, f := range strings.Fields(ls.Stdout) {
		base := f[strings.LastIndex(f, "/")+1:]
		switch {
		case strings.HasPrefix(base, "part-"):
			committed++
		case strings.HasPrefix(base, ".part-"):
			inprogress++
		}
	}
	bad := VerifyOutput(cat.Stdout, w.p.Records, w.p.Keys)
	if len(bad) == 0 {
		res.Verdict = invariant.Pass
		bad = []string{fmt.Sprintf("%d records over %d keys, each exactly once in %d committed part file(s); counts 1..%d per key; %d uncommitted in-progress file(s) ignored",
			w.p.Records, w.p.Keys, committed, w.p.Records/w.p.Keys, inprogress)}
	}
	res.Details = bad
	return res
}

// VerifyOutput checks KeyedCounts' committed output text (lines
// "key,seq,count") for records records over keys keys: record i is
// (k(i%keys), i/keys), each exactly once, and each key's counts are
// exactly 1..n once each (keyed state neither lost nor replayed). It
// lists every difference (the first dozen).
func VerifyOutput(text string, records, keys int) []string {
	var bad []string
	seen := map[string]int{}
	counts := map[string]map[int64]int{}
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line == "" {
			continue
		}
		lines++
		f := strings.Split(line, ",")
		if len(f) != 3 {
			bad = append(bad, "a line that is no key,seq,count: "+line)
			continue
		}
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			bad = append(bad, "a line that is no key,seq,count: "+line)
			continue
		}
		seen[f[0]+","+f[1]]++
		if counts[f[0]] == nil {
			counts[f[0]] = map[int64]int{}
		}
		counts[f[0]][n]++
	}
	want := map[string]bool{}
	perKey := map[string]int64{}
	for i := range records {
		k := fmt.Sprintf("k%d", i%keys)
		want[fmt.Sprintf("%s,%d", k, i/keys)] = true
		perKey[k]++
	}
	var missing, twice, unexpected []string
	for r := range want {
		switch n := seen[r]; {
		case n == 0:
			missing = append(missing, r)
		case n > 1:
			twice = append(twice, fmt.Sprintf("%s (%d times)", r, n))
		}
	}
	for r := range seen {
		if !want[r] {
			unexpected = append(unexpected, r)
		}
	}
	for _, l := range []struct {
		what string
		rs   []string
	}{{"missing", missing}, {"written more than once", twice}, {"unexpected", unexpected}} {
		if len(l.rs) > 0 {
			slices.Sort(l.rs)
			bad = append(bad, fmt.Sprintf("%d record(s) %s: %s", len(l.rs), l.what, strings.Join(l.rs[:min(5, len(l.rs))], " ")))
		}
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range perKey {
			if !yield(k) {
				return
			}
		}
	}) {
		for n := int64(1); n <= perKey[k]; n++ {
			if c := counts[k][n]; c != 1 {
				bad = append(bad, fmt.Sprintf("key %s: count %d appears %d times, want once (state lost or replayed)", k, n, c))
				break
			}
		}
	}
	if lines != records && len(bad) == 0 {
		bad = append(bad, fmt.Sprintf("%d lines, want %d", lines, records))
	}
	if len(bad) > 12 {
		bad = append(bad[:12], fmt.Sprintf("... and %d more differences", len(bad)-12))
	}
	return bad
}

// Recovery is a kill of a JobManager or TaskManager and how the job came
// back from it.
type Recovery struct {
	Fault string
	Kind  string // "jobmanager" or "taskmanager"
	At    time.Time
	// Before is the latest checkpoint the watch saw completed before the
	// kill (0: none).
	Before int64
	// Down is whether the watch saw the job not running all its tasks
	// after the kill; Running when it ran them all again (zero: never).
	Down    bool
	Running time.Time
}

// Took is the time from the kill to the job running all its tasks again
// (0 when it did not).
func (r Recovery) Took() time.Duration {
	if r.Running.IsZero() {
		return 0
	}
	return r.Running.Sub(r.At)
}

func (r Recovery) String() string {
	took := "never running all its tasks again"
	if !r.Running.IsZero() {
		took = "all tasks RUNNING again after " + r.Took().Round(100*time.Millisecond).String()
	}
	return fmt.Sprintf("%s kill (%s) at %s: latest completed checkpoint before it %d; %s", r.Kind, r.Fault, r.At.Format("15:04:05.000"), r.Before, took)
}

// Recoveries finds the kills of JobManagers and TaskManagers among the
// fault windows and, from the watch's timeline and checkpoints, the
// latest checkpoint completed before each and when the job ran all its
// tasks again after it.
func Recoveries(windows []invariant.FaultWindow, timeline []Sample, seen []CheckpointSeen) []Recovery {
	var out []Recovery
	for _, fw := range windows {
		var kind string
		switch {
		case strings.Contains(fw.Fault, string(JobManager)):
			kind = "jobmanager"
		case strings.Contains(fw.Fault, string(TaskManager)):
			kind = "taskmanager"
		default:
			continue
		}
		r := Recovery{Fault: fw.Fault, Kind: kind, At: fw.Start}
		for _, c := range seen {
			if !c.At.IsZero() && c.At.Before(fw.Start) && c.ID > r.Before {
				r.Before = c.ID
			}
		}
		for _, s := range timeline {
			if !s.At.After(fw.Start) {
				continue
			}
			if !s.AllRunning {
				r.Down = true
			} else if r.Down {
				r.Running = s.At
				break
			}
		}
		out = append(out, r)
	}
	return out
}

// RestoredLatest checks that after each kill the job was restored from
// the latest checkpoint completed before it: restored (the checkpoints the
// job was restored from) holds a checkpoint no older than it. The watch
// polls every 0.5 s and checkpoints complete every 2 s, so one may complete
// unseen in the last half second before a kill: the next id counts too.
func RestoredLatest(rs []Recovery, restored []int64) invariant.Result {
	res := invariant.Result{Check: CheckRestoredLatest, Verdict: invariant.Pass}
	for _, r := range rs {
		var got int64 = -1
		for _, id := range restored {
			if id >= r.Before && (got < 0 || id < got) {
				got = id
			}
		}
		ok := r.Before > 0 && (got == r.Before || got == r.Before+1)
		d := fmt.Sprintf("%s kill at %s: latest checkpoint completed before it %d, restored from %d (all restores %v)",
			r.Kind, r.At.Format("15:04:05.000"), r.Before, got, restored)
		if !ok {
			res.Verdict = invariant.Fail
			d += ": NOT the latest"
			if r.Before == 0 {
				d = fmt.Sprintf("%s kill at %s: no checkpoint had completed before it (restores %v)", r.Kind, r.At.Format("15:04:05.000"), restored)
			}
		}
		res.Details = append(res.Details, d)
	}
	return res
}

// RecoveredWithin checks the job ran all its tasks again within bound of
// each kill.
func RecoveredWithin(rs []Recovery, bound time.Duration) invariant.Result {
	res := invariant.Result{Check: CheckRecovery, Verdict: invariant.Pass}
	for _, r := range rs {
		d := r.String() + fmt.Sprintf(" (bound %v)", bound)
		if r.Running.IsZero() || r.Took() > bound {
			res.Verdict = invariant.Fail
			d += ": NOT within the bound"
		}
		res.Details = append(res.Details, d)
	}
	return res
}
