package flink

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
)

// Status is Flink's section of the cluster's Status: the HistoryServer,
// the running Flink applications (YARN's view: attempts and where the AM,
// the JobManager, runs), their jobs (the JobManager's REST API through the
// active ResourceManager's proxy) and the JobManager and TaskManager
// processes found on the hosts.
type Status struct {
	// HistoryHost is the HistoryServer's host; HistoryUp whether it answers.
	HistoryHost string `json:"historyHost"`
	HistoryUp   bool   `json:"historyUp"`
	// Apps are the Flink applications YARN has running or accepted.
	Apps []App `json:"apps"`
	// AppsErr is why Apps could not be read ("" when they were).
	AppsErr string `json:"appsError,omitempty"`
	// Processes are the Flink JVMs on the hosts (read while Apps is not
	// empty).
	Processes []Process `json:"processes,omitempty"`
}

// App is one running Flink application: YARN's view and its jobs.
type App struct {
	observe.App
	// Jobs are its Flink jobs with their latest checkpoints (none while no
	// JobManager answers: between attempts); JobsErr why not.
	Jobs    []JobStatus `json:"jobs,omitempty"`
	JobsErr string      `json:"jobsError,omitempty"`
}

// JobStatus is a Flink job of a running application with its checkpoints.
type JobStatus struct {
	JobOverview
	Checkpoints Checkpoints `json:"checkpoints"`
}

// Process is one JVM of a Flink application on a host.
type Process struct {
	Host string        `json:"host"`
	PID  int           `json:"pid"`
	Kind topology.Role `json:"kind"`
	// Container is its YARN container and App the application that
	// container belongs to.
	Container string `json:"container,omitempty"`
	App       string `json:"app,omitempty"`
}

var _ addon.Section = (*Status)(nil)

// StatusOf returns Flink's section of a cluster's status (Status.Addons),
// nil when the cluster has none.
func StatusOf(sections map[string]addon.Section) *Status {
	return addon.SectionOf[*Status](sections, Name)
}

// Ready lists what keeps Flink from ready: the HistoryServer answering.
// Applications are a test's own business, never a reason for not ready.
func (s *Status) Ready() []string {
	return addon.HistoryReady(Name, s.HistoryHost, s.HistoryUp)
}

// Summary is Flink's part of Status.String.
func (s *Status) Summary() string {
	return fmt.Sprintf("flink[history=%v apps=%d]", s.HistoryUp, len(s.Apps))
}

// Report is Flink's part of `haharness status`.
func (s *Status) Report() string {
	var b strings.Builder
	b.WriteString(addon.HistoryHeadline("Flink", s.HistoryHost, s.HistoryUp, PortHistoryWeb, len(s.Apps)))
	if s.AppsErr != "" {
		fmt.Fprintf(&b, "  applications unknown: %s\n", s.AppsErr)
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, a := range s.Apps {
		fmt.Fprintf(tw, "  %s\t%s\t%s\tJM (AM) on %s\tattempts %s\n", a.ID, a.Name, a.State, orDash(a.AMHost), addon.FormatAttempts(a.Attempts))
		for _, j := range a.Jobs {
			cp := "no checkpoint yet"
			if j.Checkpoints.Latest > 0 {
				cp = fmt.Sprintf("checkpoint %d", j.Checkpoints.Latest)
			}
			if j.Checkpoints.RestoredID > 0 {
				cp += fmt.Sprintf(", restored from %d", j.Checkpoints.RestoredID)
			}
			fmt.Fprintf(tw, "    job %s\t%s\ttasks %d/%d\t%s\t\n", j.ID, j.State, j.Tasks.Running, j.Tasks.Total, cp)
		}
		if a.JobsErr != "" {
			fmt.Fprintf(tw, "    jobs unknown\t%s\t\t\t\n", a.JobsErr)
		}
		for _, p := range s.Processes {
			if p.App == a.ID {
				fmt.Fprintf(tw, "    %s\t%s\tpid %d\t%s\t\n", p.Kind, p.Host, p.PID, p.Container)
			}
		}
	}
	tw.Flush()
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Fault is what Flink's selectors resolve against: the section itself.
func (s *Status) Fault() any { return s }

// readStatus asks the HistoryServer whether it answers, the active
// ResourceManager for the running Flink applications and their attempts,
// each one's JobManager for its jobs, and, while any runs, each host for
// the Flink JVMs.
func readStatus(ctx context.Context, c addon.Cluster, _ *zk.Conn) addon.Section {
	t := c.Topology()
	s := &Status{HistoryHost: t.On(History)[0]}
	s.HistoryUp, _ = historyUp(ctx, c.Addr(s.HistoryHost, PortHistoryWeb))
	apps, err := addon.Applications(ctx, c, "NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING")
	if err != nil {
		s.AppsErr = err.Error()
		return s
	}
	for _, a := range apps {
		if a.Type != AppType {
			continue
		}
		if full, err := addon.Application(ctx, c, a.ID); err == nil {
			a = full
		}
		app := App{App: a}
		if a.State == "RUNNING" {
			rest := JobManagerREST{c: c, AppID: a.ID}
			jobs, err := rest.Jobs(ctx)
			if err != nil {
				app.JobsErr = err.Error()
			}
			for _, j := range jobs {
				cp, _ := rest.Checkpoints(ctx, j.ID)
				app.Jobs = append(app.Jobs, JobStatus{JobOverview: j, Checkpoints: cp})
			}
		}
		s.Apps = append(s.Apps, app)
	}
	if len(s.Apps) > 0 {
		s.Processes = processes(ctx, c, t.Hosts)
	}
	return s
}

// processes lists the Flink JVMs of every host (addon.AppProcesses).
func processes(ctx context.Context, c addon.Cluster, hosts []string) []Process {
	return fromApp(addon.AppProcesses(ctx, c, hosts, JobManager, TaskManager))
}

// ParseProcesses parses `pgrep -a` lines of host: PID and command line of
// the java processes marked as a JobManager or a TaskManager; the
// container in their log paths names their application.
func ParseProcesses(host, out string) []Process {
	return fromApp(addon.ParseAppProcesses(host, out, JobManager, TaskManager))
}

func fromApp(aps []addon.AppProcess) []Process {
	var ps []Process
	for _, a := range aps {
		ps = append(ps, Process{Host: a.Host, PID: a.PID, Kind: a.Markers[0], Container: a.Container, App: a.App})
	}
	return ps
}
