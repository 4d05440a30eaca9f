package spark

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

// Status is Spark's section of the cluster's Status: the History Server,
// the running Spark applications (YARN's view: attempts and where the AM
// runs) and the processes of their drivers, AMs and executors found on the
// hosts.
type Status struct {
	// HistoryHost is the History Server's host; HistoryUp whether it answers.
	HistoryHost string `json:"historyHost"`
	HistoryUp   bool   `json:"historyUp"`
	// Apps are the Spark applications YARN has running or accepted.
	Apps []observe.App `json:"apps"`
	// AppsErr is why Apps could not be read ("" when they were).
	AppsErr string `json:"appsError,omitempty"`
	// Processes are the Spark JVMs on the hosts (read while Apps is not
	// empty).
	Processes []Process `json:"processes,omitempty"`
}

// Process is one JVM of a Spark application on a host.
type Process struct {
	Host string        `json:"host"`
	PID  int           `json:"pid"`
	Kind topology.Role `json:"kind"`
	// RunsDriver is set for a driver: a client-mode driver, or the AM of
	// cluster deploy mode (its JVM runs the driver too).
	RunsDriver bool `json:"runsDriver,omitempty"`
	// Container is its YARN container ("" for a client-mode driver) and
	// App the application that container belongs to.
	Container string `json:"container,omitempty"`
	App       string `json:"app,omitempty"`
}

var _ addon.Section = (*Status)(nil)

// StatusOf returns Spark's section of a cluster's status (Status.Addons),
// nil when the cluster has none.
func StatusOf(sections map[string]addon.Section) *Status {
	return addon.SectionOf[*Status](sections, Name)
}

// Ready lists what keeps Spark from ready: the History Server answering.
// Applications are a test's own business, never a reason for not ready.
func (s *Status) Ready() []string {
	return addon.HistoryReady(Name, s.HistoryHost, s.HistoryUp)
}

// Summary is Spark's part of Status.String.
func (s *Status) Summary() string {
	return fmt.Sprintf("spark[history=%v apps=%d]", s.HistoryUp, len(s.Apps))
}

// Report is Spark's part of `haharness status`.
func (s *Status) Report() string {
	var b strings.Builder
	b.WriteString(addon.HistoryHeadline("Spark", s.HistoryHost, s.HistoryUp, PortHistoryWeb, len(s.Apps)))
	if s.AppsErr != "" {
		fmt.Fprintf(&b, "  applications unknown: %s\n", s.AppsErr)
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, a := range s.Apps {
		fmt.Fprintf(tw, "  %s\t%s\t%s\tAM on %s\tattempts %s\n", a.ID, a.Name, a.State, orDash(a.AMHost), addon.FormatAttempts(a.Attempts))
		for _, p := range s.Processes {
			if p.App == a.ID {
				fmt.Fprintf(tw, "    %s\t%s\tpid %d\t%s\t\n", p.Kind, p.Host, p.PID, p.Container)
			}
		}
	}
	for _, p := range s.Processes {
		if p.App == "" {
			fmt.Fprintf(tw, "  %s\t%s\tpid %d\t(client deploy mode)\t\n", p.Kind, p.Host, p.PID)
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

// Fault is what Spark's selectors resolve against: the section itself.
func (s *Status) Fault() any { return s }

// readStatus asks the History Server whether it answers, the active
// ResourceManager for the running Spark applications and their attempts,
// and, while any runs, each host for the Spark JVMs.
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
		if a.Type != "SPARK" {
			continue
		}
		if full, err := addon.Application(ctx, c, a.ID); err == nil {
			a = full
		}
		s.Apps = append(s.Apps, a)
	}
	if len(s.Apps) > 0 {
		s.Processes = processes(ctx, c, t.Hosts)
	}
	return s
}

// processes lists the Spark JVMs of every host (addon.AppProcesses).
func processes(ctx context.Context, c addon.Cluster, hosts []string) []Process {
	return fromApp(addon.AppProcesses(ctx, c, hosts, Driver, AM, Executor))
}

// ParseProcesses parses `pgrep -a` lines of host: PID and command line.
// A JVM marked both driver and AM (cluster deploy mode) is an AM; its
// container names its application.
func ParseProcesses(host, out string) []Process {
	return fromApp(addon.ParseAppProcesses(host, out, Driver, AM, Executor))
}

func fromApp(aps []addon.AppProcess) []Process {
	var ps []Process
	for _, a := range aps {
		p := Process{Host: a.Host, PID: a.PID, RunsDriver: a.Is(Driver), Container: a.Container, App: a.App}
		switch {
		case a.Is(AM):
			p.Kind = AM
		case a.Is(Executor):
			p.Kind = Executor
		default:
			p.Kind = Driver
		}
		ps = append(ps, p)
	}
	return ps
}
