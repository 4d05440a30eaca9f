package spark

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// Mode is a job's deploy mode.
type Mode string

// The deploy modes: the driver in the ApplicationMaster's container
// (cluster) or in the submitting JVM on the job's host (client).
const (
	ClusterMode Mode = "cluster"
	ClientMode  Mode = "client"
)

// Job is a Spark application to submit with --master yarn.
type Job struct {
	// Class and Jar are the main class and its jar on the host; default
	// the harness's jobs (JobsClass in JobsJar), whose Args are a job
	// name and its arguments: "pi", "4"; "wordcount", IN, OUT, PARTITIONS
	// (image/SparkJobs.java).
	Class, Jar string
	Args       []string
	// Mode is the deploy mode (default ClusterMode).
	Mode Mode
	// Name is the application's name (default "haharness-" + Args[0]).
	Name string
	// Conf are more --conf settings (spark.executor.instances...).
	Conf map[string]string
	// Host is where spark-submit runs (default: the History Server's
	// host), a cluster host: in client mode the driver runs there.
	Host string
}

// App is a submitted application as YARN and its driver tell it.
type App struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Mode Mode   `json:"mode"`
	// Host is where it was submitted from (the client-mode driver's host).
	Host string `json:"host"`
	// State and FinalStatus are YARN's (FINISHED / SUCCEEDED...), and
	// Diagnostics its reason when the job failed.
	State       string `json:"state"`
	FinalStatus string `json:"finalStatus"`
	Diagnostics string `json:"diagnostics,omitempty"`
	// Attempts are its ApplicationMaster attempts, the first first.
	Attempts []observe.AppAttempt `json:"attempts"`
	// DriverLog is the driver's output: the last AM container's stdout
	// and stderr (cluster mode), or the driver JVM's output (client mode).
	DriverLog string `json:"-"`
	// Lines are the driver's lines for the harness ("haharness: " dropped).
	Lines []string `json:"lines,omitempty"`
	// Submitted and Ended are when Submit started and Wait saw the end.
	Submitted time.Time `json:"submitted"`
	Ended     time.Time `json:"ended"`
}

// Succeeded reports whether YARN says the application succeeded.
func (a App) Succeeded() bool { return a.State == "FINISHED" && a.FinalStatus == "SUCCEEDED" }

// Submission is a submitted job: Submit returns it once YARN knows the
// application's id.
type Submission struct {
	c       addon.Cluster
	job     Job
	id      string
	log     string
	started time.Time
}

// ID is the application's id (application_...).
func (s *Submission) ID() string { return s.id }

var appIDPattern = regexp.MustCompile(`application_\d+_\d+`)

// Submit submits job and returns once YARN has accepted it: in cluster
// mode when spark-submit has handed the driver to YARN (it does not wait
// for the end: spark.yarn.submit.waitAppCompletion=false), in client mode
// once the driver JVM on job.Host has its application id (the driver runs
// on in the background until the job ends). c is a *harness.Cluster
// started with the spark add-on.
func Submit(ctx context.Context, c addon.Cluster, job Job) (*Submission, error) {
	job, err := complete(c.Topology(), job)
	if err != nil {
		return nil, err
	}
	s := &Submission{c: c, job: job, started: time.Now(),
		log: fmt.Sprintf("%s/spark-submit-%s-%d.log", config.LogDir, job.Name, time.Now().UnixNano())}
	if job.Mode == ClusterMode {
		job.Conf = maps.Clone(job.Conf)
		if job.Conf == nil {
			job.Conf = map[string]string{}
		}
		job.Conf["spark.yarn.submit.waitAppCompletion"] = "false"
	}
	cmd := submitCommand(job)
	if job.Mode == ClusterMode {
		res, err := c.Shell(ctx, job.Host, fmt.Sprintf("%s > %s 2>&1; echo \"haharness: exit $?\" >> %s; cat %s", cmd, s.log, s.log, s.log))
		if err != nil {
			return nil, fmt.Errorf("spark submit %s on %s: %w", job.Name, job.Host, err)
		}
		s.id = appIDPattern.FindString(submittedLine(res.Stdout))
		if s.id == "" {
			return nil, fmt.Errorf("spark submit %s on %s: no application id in its output (%s):\n%s", job.Name, job.Host, s.log, addon.LastLines(res.Stdout, 20))
		}
		return s, nil
	}
	// Client mode: the driver lives as long as the job.
	bg := fmt.Sprintf("nohup setsid bash -c %s > %s 2>&1 < /dev/null &", addon.ShellQuote(cmd+"; echo \"haharness: exit $?\""), s.log)
	if _, err := addon.MustShell(ctx, c, job.Host, bg); err != nil {
		return nil, fmt.Errorf("spark submit %s on %s: %w", job.Name, job.Host, err)
	}
	err = poll.Until(ctx, "spark driver of "+job.Name+" on "+job.Host+" has its application id", 0, func(ctx context.Context) (bool, string, error) {
		b, err := c.ReadFile(ctx, job.Host, s.log)
		if err != nil {
			return false, "no log yet", nil
		}
		out := string(b)
		if s.id = appIDPattern.FindString(submittedLine(out)); s.id != "" {
			return true, "", nil
		}
		if strings.Contains(out, "haharness: exit ") {
			return false, "", poll.Permanent(fmt.Errorf("the driver exited before YARN accepted it (%s):\n%s", s.log, addon.LastLines(out, 20)))
		}
		return false, addon.LastLines(out, 1), nil
	})
	return s, err
}

// submittedLine is the line of spark-submit's output that names the
// application it hands to YARN (Spark's yarn.Client logs it).
func submittedLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Submitting application application_") || strings.Contains(l, "Submitted application application_") {
			return l
		}
	}
	return ""
}

// complete fills job's defaults and checks it.
func complete(t topology.Topology, job Job) (Job, error) {
	if len(t.On(History)) == 0 {
		return job, errors.New("spark: this cluster does not run the Spark add-on: start it with harness.WithAddons(\"spark\") or `--with spark`")
	}
	if job.Class == "" && job.Jar == "" {
		job.Class, job.Jar = JobsClass, JobsJar
		if len(job.Args) == 0 {
			return job, errors.New("spark job: name one of the harness's jobs in Args (pi or wordcount) or give a Class and Jar")
		}
	}
	if job.Class == "" || job.Jar == "" {
		return job, fmt.Errorf("spark job: give both Class and Jar (got class %q, jar %q)", job.Class, job.Jar)
	}
	switch job.Mode {
	case "":
		job.Mode = ClusterMode
	case ClusterMode, ClientMode:
	default:
		return job, fmt.Errorf("spark job: deploy mode %q: use %q or %q", job.Mode, ClusterMode, ClientMode)
	}
	if job.Name == "" {
		job.Name = "haharness-" + job.Args[0]
	}
	if strings.ContainsAny(job.Name, " '/\"$`\\") {
		return job, fmt.Errorf("spark job: name %q: use letters, digits, '-', '_' and '.'", job.Name)
	}
	if job.Host == "" {
		job.Host = t.On(History)[0]
	}
	if !slices.Contains(t.Hosts, job.Host) {
		return job, fmt.Errorf("spark job: host %q is not a cluster host %v", job.Host, t.Hosts)
	}
	return job, nil
}

// submitCommand is the spark-submit command line of job.
func submitCommand(job Job) string {
	sub := "spark submit"
	if job.Mode == ClientMode {
		sub = "spark driver"
	}
	args := []string{sub, "--master", "yarn", "--deploy-mode", string(job.Mode), "--name", job.Name, "--class", addon.ShellQuote(job.Class)}
	for _, k := range slices.Sorted(maps.Keys(job.Conf)) {
		args = append(args, "--conf", addon.ShellQuote(k+"="+job.Conf[k]))
	}
	args = append(args, addon.ShellQuote(job.Jar))
	for _, a := range job.Args {
		args = append(args, addon.ShellQuote(a))
	}
	return strings.Join(args, " ")
}

// Wait waits until the application has ended (a failover of the
// ResourceManagers in between is waited out: it keeps its id) and returns
// it with its attempts and its driver's log. An error means Wait could
// not tell, not that the job failed: see App.Succeeded.
func (s *Submission) Wait(ctx context.Context) (App, error) {
	app := App{ID: s.id, Name: s.job.Name, Mode: s.job.Mode, Host: s.job.Host, Submitted: s.started}
	var last observe.App
	err := poll.Until(ctx, "spark application "+s.id+" ended", time.Second, func(ctx context.Context) (bool, string, error) {
		a, err := addon.Application(ctx, s.c, s.id)
		if err != nil {
			return false, "", err
		}
		last = a
		return a.Done(), fmt.Sprintf("%s %d attempt(s)", a.State, len(a.Attempts)), nil
	})
	app.State, app.FinalStatus, app.Diagnostics, app.Attempts, app.Ended = last.State, last.FinalState, last.Diagnostics, last.Attempts, time.Now()
	if err != nil {
		return app, err
	}
	log, err := s.driverLog(ctx, last)
	app.DriverLog = log
	for _, l := range strings.Split(log, "\n") {
		if _, rest, ok := strings.Cut(l, "haharness: "); ok && !strings.HasPrefix(rest, "exit ") {
			app.Lines = append(app.Lines, rest)
		}
	}
	return app, err
}

// driverLog reads the driver's output: the client-mode driver's log file
// once its JVM has exited, or the last AM container's stdout and stderr
// as YARN's log aggregation saved them (`yarn logs -am -1`).
func (s *Submission) driverLog(ctx context.Context, a observe.App) (string, error) {
	if s.job.Mode == ClientMode {
		var out string
		err := poll.Until(ctx, "spark driver of "+s.id+" on "+s.job.Host+" exited", 0, func(ctx context.Context) (bool, string, error) {
			b, err := s.c.ReadFile(ctx, s.job.Host, s.log)
			out = string(b)
			return err == nil && strings.Contains(out, "haharness: exit "), addon.LastLines(out, 1), err
		})
		return out, err
	}
	var out string
	err := poll.Until(ctx, "yarn logs of "+s.id+"'s last ApplicationMaster", time.Second, func(ctx context.Context) (bool, string, error) {
		res, err := s.c.Shell(ctx, s.job.Host, "yarn logs -applicationId "+s.id+" -am -1 -log_files stdout,stderr 2>&1")
		if err != nil {
			return false, "", err
		}
		out = res.Stdout
		// Aggregation runs once the containers end: until then no log or
		// only part of it.
		done := res.ExitCode == 0 && strings.Count(out, "End of LogType:") >= 2
		return done, addon.LastLines(out, 1), nil
	})
	return out, err
}

// Run submits job and waits for its end (Submit, then Wait).
func Run(ctx context.Context, c addon.Cluster, job Job) (App, error) {
	s, err := Submit(ctx, c, job)
	if err != nil {
		return App{}, err
	}
	return s.Wait(ctx)
}
