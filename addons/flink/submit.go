package flink

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// Job is a Flink application to deploy on YARN (`flink run -t
// yarn-application -d`): an application cluster of its own.
type Job struct {
	// Jar and Class are your job's jar on the host and its main class
	// ("": the jar's Main-Class), with Args its arguments. Without a Jar
	// the harness's KeyedCounts (JobsJar) runs with Out, Records, Rate
	// and Keys.
	Jar, Class string
	Args       []string
	// Out is the harness job's output directory (an hdfs:// URI or a path
	// on the nameservice); Records the number of records it reads (default
	// 1000), Rate how many a second (default 50) and Keys over how many
	// keys (default 10).
	Out                 string
	Records, Rate, Keys int
	// Name is the YARN application's name (default "haharness-flink").
	Name string
	// Parallelism is the job's parallelism: its TaskManagers (one slot
	// each; default Parallelism).
	Parallelism int
	// Conf are more -D settings of config.yaml's keys for this job.
	Conf map[string]string
	// Host is where the client runs (default: the HistoryServer's host).
	Host string
}

// Result is a deployed Flink application as YARN, its JobManager and the
// HistoryServer tell it.
type Result struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Host string `json:"host"`
	// State and FinalStatus are YARN's (FINISHED / SUCCEEDED...), and
	// Diagnostics its reason when the application failed.
	State       string `json:"state"`
	FinalStatus string `json:"finalStatus"`
	Diagnostics string `json:"diagnostics,omitempty"`
	// Attempts are its ApplicationMaster (JobManager) attempts, the first first.
	Attempts []observe.AppAttempt `json:"attempts"`
	// JobID and JobState are the Flink job's (FINISHED, FAILED, CANCELED...).
	JobID    string `json:"jobId"`
	JobState string `json:"jobState"`
	// LastCheckpoint is the job's last completed checkpoint; Restored the
	// checkpoints it was restored from, in order (the JobManagers' logs,
	// and what the REST API said while it ran).
	LastCheckpoint int64   `json:"lastCheckpoint"`
	Restored       []int64 `json:"restored,omitempty"`
	// Timeline is the job's state as the REST API told it, each change once.
	Timeline []Sample `json:"timeline,omitempty"`
	// JobManagerLog is the lines of the JobManagers' logs (every attempt,
	// as YARN aggregated them) about leadership, recovery, restores and
	// state changes.
	JobManagerLog string `json:"-"`
	// Submitted and Ended are when Submit started and Wait saw the end.
	Submitted time.Time `json:"submitted"`
	Ended     time.Time `json:"ended"`
}

// Succeeded reports whether YARN says the application succeeded and its
// Flink job FINISHED.
func (r Result) Succeeded() bool {
	return r.State == "FINISHED" && r.FinalStatus == "SUCCEEDED" && r.JobState == "FINISHED"
}

// Sample is the job's state at a time, as its JobManager's REST API said
// it (State "" when no JobManager answered), with the application's
// attempt count then.
type Sample struct {
	At       time.Time `json:"at"`
	State    string    `json:"state"`
	Tasks    string    `json:"tasks,omitempty"`
	Attempts int       `json:"attempts"`
	// AllRunning is RUNNING with every task running.
	AllRunning bool `json:"allRunning,omitempty"`
}

// CheckpointSeen is a completed checkpoint as the REST API told it, with
// its acknowledgement time.
type CheckpointSeen struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
}

// Submission is a deployed job: Submit returns it once YARN knows the
// application's id. It watches the job in the background (every 0.5 s,
// until the application ends or Wait returns).
type Submission struct {
	c       addon.Cluster
	job     Job
	id      string
	jobID   string
	log     string
	started time.Time

	watchOnce sync.Once
	stop      context.CancelFunc
	done      chan struct{}

	mu          sync.Mutex
	timeline    []Sample
	checkpoints []CheckpointSeen
	restored    []int64
	latest      Sample
	latestCP    Checkpoints
	app         observe.App
}

// ID is the YARN application's id (application_...).
func (s *Submission) ID() string { return s.id }

// JobID is the Flink job's id: fixed by the application id in
// application mode with HA (ExpectedJobID), confirmed by the JobManager.
func (s *Submission) JobID() string { return s.jobID }

var appIDPattern = regexp.MustCompile(`application_\d+_\d+`)

// Submit deploys job as an application cluster on YARN from a cluster
// host and returns once YARN has accepted it (the client returns once the
// AM is deployed: about 10 s). c is a *harness.Cluster started with the
// flink add-on.
func Submit(ctx context.Context, c addon.Cluster, job Job) (*Submission, error) {
	job, err := complete(c.Topology(), job)
	if err != nil {
		return nil, err
	}
	s := &Submission{c: c, job: job, started: time.Now(), done: make(chan struct{}),
		log: fmt.Sprintf("%s/flink-run-%s-%d.log", config.LogDir, job.Name, time.Now().UnixNano())}
	res, err := c.Shell(ctx, job.Host, fmt.Sprintf("%s > %s 2>&1; echo \"haharness: exit $?\" >> %s; cat %s", runCommand(job), s.log, s.log, s.log))
	if err != nil {
		return nil, fmt.Errorf("flink run %s on %s: %w", job.Name, job.Host, err)
	}
	s.id = appIDPattern.FindString(submittedLine(res.Stdout))
	if s.id == "" {
		return nil, fmt.Errorf("flink run %s on %s: no application id in the client's output (%s):\n%s", job.Name, job.Host, s.log, addon.LastLines(res.Stdout, 25))
	}
	if !strings.Contains(res.Stdout, "haharness: exit 0") {
		return nil, fmt.Errorf("flink run %s on %s: the client failed after submitting %s (%s); see `yarn logs -applicationId %s`:\n%s",
			job.Name, job.Host, s.id, s.log, s.id, addon.LastLines(res.Stdout, 25))
	}
	s.jobID = ExpectedJobID(s.id)
	s.watch()
	return s, nil
}

// submittedLine is the line of the client's output that names the
// application it deployed (YarnClusterDescriptor logs it).
func submittedLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Submitting application master application_") || strings.Contains(l, "Submitted application application_") {
			return l
		}
	}
	return ""
}

// complete fills job's defaults and checks it.
func complete(t topology.Topology, job Job) (Job, error) {
	if len(t.On(History)) == 0 {
		return job, errors.New("flink: this cluster does not run the Flink add-on: start it with harness.WithAddons(\"flink\") or `--with flink`")
	}
	if job.Jar == "" {
		if job.Class != "" || len(job.Args) > 0 {
			return job, fmt.Errorf("flink job: Class and Args are for your own Jar (got class %q, args %q): give a Jar, or use Out, Records, Rate and Keys for the harness's job", job.Class, job.Args)
		}
		if job.Out == "" {
			return job, errors.New("flink job: give the harness's job an Out directory (hdfs://mycluster/...) or your own Jar")
		}
		if !strings.HasPrefix(job.Out, "hdfs://") {
			job.Out = "hdfs://" + t.Nameservice + "/" + strings.TrimPrefix(job.Out, "/")
		}
		job.Records, job.Rate, job.Keys = cmpOr(job.Records, 1000), cmpOr(job.Rate, 50), cmpOr(job.Keys, 10)
		if job.Records < 1 || job.Rate < 1 || job.Keys < 1 || job.Keys > job.Records {
			return job, fmt.Errorf("flink job: records %d, rate %d, keys %d: want each at least 1 and keys <= records", job.Records, job.Rate, job.Keys)
		}
	}
	job.Parallelism = cmpOr(job.Parallelism, Parallelism)
	if job.Name == "" {
		job.Name = "haharness-flink"
	}
	if strings.ContainsAny(job.Name, " '/\"$`\\") {
		return job, fmt.Errorf("flink job: name %q: use letters, digits, '-', '_' and '.'", job.Name)
	}
	if job.Host == "" {
		job.Host = t.On(History)[0]
	}
	if !slices.Contains(t.Hosts, job.Host) {
		return job, fmt.Errorf("flink job: host %q is not a cluster host %v", job.Host, t.Hosts)
	}
	return job, nil
}

func cmpOr(v, dflt int) int {
	if v == 0 {
		return dflt
	}
	return v
}

// runCommand is the client's command line of job.
func runCommand(job Job) string {
	args := []string{"flink run -t yarn-application -d", addon.ShellQuote("-Dyarn.application.name=" + job.Name),
		addon.ShellQuote(fmt.Sprintf("-Dparallelism.default=%d", job.Parallelism))}
	for _, k := range slices.Sorted(maps.Keys(job.Conf)) {
		args = append(args, addon.ShellQuote("-D"+k+"="+job.Conf[k]))
	}
	if job.Jar == "" {
		args = append(args, JobsJar, addon.ShellQuote(job.Out), strconv.Itoa(job.Records), strconv.Itoa(job.Rate), strconv.Itoa(job.Keys))
		return strings.Join(args, " ")
	}
	if job.Class != "" {
		args = append(args, "-c", addon.ShellQuote(job.Class))
	}
	args = append(args, addon.ShellQuote(job.Jar))
	for _, a := range job.Args {
		args = append(args, addon.ShellQuote(a))
	}
	return strings.Join(args, " ")
}

// watch starts the background watch once: every 0.5 s the application
// (YARN), the job and its checkpoints (the JobManager through the RM
// proxy), until the application has ended.
func (s *Submission) watch() {
	s.watchOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop = cancel
		go func() {
			defer close(s.done)
			_ = poll.Until(ctx, "flink application "+s.id+" ended", 500*time.Millisecond, func(ctx context.Context) (bool, string, error) {
				return s.sample(ctx), "", nil
			})
		}()
	})
}

// sample reads the application and its job once and records what
// changed; true once the application has ended.
func (s *Submission) sample(ctx context.Context) bool {
	app, err := addon.Application(ctx, s.c, s.id)
	if err != nil {
		return false // a ResourceManager failover: YARN answers again soon
	}
	smp := Sample{At: time.Now(), Attempts: len(app.Attempts)}
	var cp Checkpoints
	cpOK := false
	if !app.Done() {
		rest := JobManagerREST{c: s.c, AppID: s.id}
		if jobs, err := rest.Jobs(ctx); err == nil && len(jobs) > 0 {
			j := jobs[0]
			smp.State, smp.AllRunning = j.State, j.AllRunning()
			smp.Tasks = fmt.Sprintf("%d/%d", j.Tasks.Running, j.Tasks.Total)
			if c, err := rest.Checkpoints(ctx, j.ID); err == nil {
				cp, cpOK = c, true
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app = app
	if n := len(s.timeline); n == 0 || s.timeline[n-1].State != smp.State || s.timeline[n-1].AllRunning != smp.AllRunning ||
		s.timeline[n-1].Attempts != smp.Attempts {
		s.timeline = append(s.timeline, smp)
	}
	s.latest = smp
	if cpOK {
		s.latestCP = cp
		if cp.Latest > 0 && !slices.ContainsFunc(s.checkpoints, func(c CheckpointSeen) bool { return c.ID == cp.Latest }) {
			s.checkpoints = append(s.checkpoints, CheckpointSeen{ID: cp.Latest, At: cp.LatestAt})
		}
		if cp.RestoredID > 0 && (len(s.restored) == 0 || s.restored[len(s.restored)-1] != cp.RestoredID) {
			s.restored = append(s.restored, cp.RestoredID)
		}
	}
	return app.Done()
}

// Latest is the job's latest sample and checkpoint statistics.
func (s *Submission) Latest() (Sample, Checkpoints) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest, s.latestCP
}

// Seen returns the job's timeline and the completed checkpoints the
// watch saw so far.
func (s *Submission) Seen() ([]Sample, []CheckpointSeen) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.timeline), slices.Clone(s.checkpoints)
}

// Wait waits until the application has ended (a ResourceManager failover
// in between is waited out: it keeps its id) and returns it with its
// attempts, its Flink job's final state and checkpoints (from the
// HistoryServer's archive) and its JobManagers' log lines. An error means
// Wait could not tell, not that the job failed: see Result.Succeeded.
func (s *Submission) Wait(ctx context.Context) (Result, error) {
	s.watch()
	r := Result{ID: s.id, Name: s.job.Name, Host: s.job.Host, JobID: s.jobID, Submitted: s.started}
	select {
	case <-s.done:
	case <-ctx.Done():
		s.stop()
		return r, fmt.Errorf("wait for flink application %s to end: %w", s.id, ctx.Err())
	}
	s.mu.Lock()
	app, cp := s.app, s.latestCP
	r.Timeline, r.Restored = slices.Clone(s.timeline), slices.Clone(s.restored)
	s.mu.Unlock()
	r.State, r.FinalStatus, r.Diagnostics, r.Attempts, r.Ended = app.State, app.FinalState, app.Diagnostics, app.Attempts, time.Now()
	r.LastCheckpoint = cp.Latest
	// The final state is in the archive the JobManager wrote on HDFS,
	// which the HistoryServer fetches every 2 s. A job that failed to
	// start leaves none: the attempts' logs tell.
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := poll.Until(wait, "flink job "+s.jobID+" in the history server's archive", time.Second, func(ctx context.Context) (bool, string, error) {
		j, c, ok, err := archived(ctx, s.c, s.jobID)
		if ok {
			r.JobState = j.State
			r.LastCheckpoint = max(r.LastCheckpoint, c.Latest)
		}
		return ok, "", err
	})
	cancel()
	if err != nil && ctx.Err() != nil {
		return r, err
	}
	log, err := s.jobManagerLog(ctx)
	r.JobManagerLog = log
	for _, id := range RestoredFrom(log) {
		if !slices.Contains(r.Restored, id) {
			r.Restored = append(r.Restored, id)
		}
	}
	slices.Sort(r.Restored)
	if r.JobState == "" {
		r.JobState = lastJobState(log)
	}
	return r, err
}

var (
	restorePattern = regexp.MustCompile(`Restoring job [0-9a-f]+ from Checkpoint (\d+)`)
	stateLine      = regexp.MustCompile(`Job .* \([0-9a-f]{32}\) switched from state \w+ to (\w+)`)
	// logLines are the JobManager log lines the result keeps.
	logLines = regexp.MustCompile(`granted leadership|revoked leadership|Recovered \d+ workers|persisted job graph|Restoring job|switched from state|Completed checkpoint|Container .* exited|Worker .* is terminated|Starting YarnApplicationClusterEntryPoint|Shutting down`)
)

// RestoredFrom lists the checkpoints a JobManager log says the job was
// restored from, in the log's order.
func RestoredFrom(log string) []int64 {
	var out []int64
	for _, m := range restorePattern.FindAllStringSubmatch(log, -1) {
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// lastJobState is the last state a JobManager log says the job switched to.
func lastJobState(log string) string {
	ms := stateLine.FindAllStringSubmatch(log, -1)
	if len(ms) == 0 {
		return ""
	}
	return ms[len(ms)-1][1]
}

// jobManagerLog reads the JobManagers' logs of every attempt as YARN's
// log aggregation saved them and keeps the lines about leadership,
// recovery, restores and state changes.
func (s *Submission) jobManagerLog(ctx context.Context) (string, error) {
	var out string
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := poll.Until(wait, "yarn logs of "+s.id+"'s JobManagers", time.Second, func(ctx context.Context) (bool, string, error) {
		res, err := s.c.Shell(ctx, s.job.Host, "yarn logs -applicationId "+s.id+" -log_files jobmanager.log 2>&1")
		if err != nil {
			return false, "", err
		}
		out = res.Stdout
		return res.ExitCode == 0 && strings.Contains(out, "End of LogType:jobmanager.log"), addon.LastLines(out, 1), nil
	})
	return Excerpt(out), err
}

// Excerpt keeps the lines of a JobManager log the result keeps, and the
// container headers YARN's logs put between the attempts.
func Excerpt(log string) string {
	var b strings.Builder
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "Container: container_") || logLines.MatchString(l) {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Run deploys job and waits for its end (Submit, then Wait).
func Run(ctx context.Context, c addon.Cluster, job Job) (Result, error) {
	s, err := Submit(ctx, c, job)
	if err != nil {
		return Result{}, err
	}
	return s.Wait(ctx)
}
