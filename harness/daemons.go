package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
)

// ExecResult is the output and exit code of a command run on a host.
type ExecResult = docker.Result

// Exec runs a command on host h (inside its container, with the image's
// PATH, so hdfs, yarn, mapred and hadoop are there). A non-zero exit is not an
// error: read ExecResult.ExitCode.
func (c *Cluster) Exec(ctx context.Context, h string, cmd ...string) (ExecResult, error) {
	if !slices.Contains(c.topo.Hosts, h) {
		return ExecResult{}, fmt.Errorf("exec on %q: unknown host: hosts are %v", h, c.topo.Hosts)
	}
	return c.engine.Exec(ctx, c.Container(h), cmd, docker.ExecOptions{})
}

// Shell runs a bash command line on host h.
func (c *Cluster) Shell(ctx context.Context, h, script string) (ExecResult, error) {
	return c.Exec(ctx, h, "bash", "-c", script)
}

// mustShell runs script on h and turns a non-zero exit into an error.
func (c *Cluster) mustShell(ctx context.Context, h, script string) (ExecResult, error) {
	res, err := c.Shell(ctx, h, script)
	if err != nil {
		return res, fmt.Errorf("%s on %s: %w", script, h, err)
	}
	if res.ExitCode != 0 {
		return res, fmt.Errorf("%s on %s: exit %d: %s", script, h, res.ExitCode, lastLines(res.Combined(), 15))
	}
	return res, nil
}

// procName is the -Dproc_ name (and pid/log file part) of a role's JVM.
func procName(r topology.Role) string { return string(r) }

// launcher returns the command that controls role r's daemon.
func launcher(r topology.Role) (prog, sub string) {
	switch r {
	case topology.ZooKeeper:
		return "zookeeper", "server"
	case topology.ResourceManager, topology.NodeManager:
		return "yarn", string(r)
	}
	if a, ok := addonRole(r); ok {
		return a.Launcher, a.Sub
	}
	return "hdfs", string(r)
}

// StartDaemon starts role r on host h in the background (`hdfs --daemon
// start namenode` and so on) and returns once its JVM is running. It does
// not wait for the daemon to serve; use the Wait methods for that.
func (c *Cluster) StartDaemon(ctx context.Context, h string, r topology.Role) error {
	if !c.topo.Has(h, r) {
		return fmt.Errorf("start %s on %s: the topology does not place it there", r, h)
	}
	prog, sub := launcher(r)
	if _, err := c.mustShell(ctx, h, fmt.Sprintf("%s --daemon start %s", prog, sub)); err != nil {
		return fmt.Errorf("start %s/%s: %w\n%s", h, r, err, c.logTail(ctx, h, r, 20))
	}
	c.events.add(Event{Kind: EventDaemon, Daemon: topology.Daemon{Host: h, Role: r}.String(), State: "started"})
	return nil
}

// StopDaemon stops role r on host h gracefully (SIGTERM, then SIGKILL after 5 s).
func (c *Cluster) StopDaemon(ctx context.Context, h string, r topology.Role) error {
	prog, sub := launcher(r)
	if _, err := c.mustShell(ctx, h, fmt.Sprintf("%s --daemon stop %s", prog, sub)); err != nil {
		return fmt.Errorf("stop %s/%s: %w", h, r, err)
	}
	c.events.add(Event{Kind: EventDaemon, Daemon: topology.Daemon{Host: h, Role: r}.String(), State: "stopped"})
	return nil
}

// Process is one daemon JVM found on a host, like a line of jps.
type Process struct {
	Host   string        `json:"host"`
	Role   topology.Role `json:"role"`
	Class  string        `json:"class"`
	PID    int           `json:"pid"`
	Frozen bool          `json:"frozen"`
}

// Processes lists the daemon JVMs running on host h (the guide's jps view).
// A host that is not running (stopped or paused) has none: nil.
func (c *Cluster) Processes(ctx context.Context, h string) ([]Process, error) {
	res, err := c.Shell(ctx, h, "ps -eo pid=,stat=,args=")
	if errors.Is(err, docker.ErrConflict) {
		return nil, nil // the engine refuses exec in a stopped or paused container
	}
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("ps on %s: exit %d: %s", h, res.ExitCode, lastLines(res.Combined(), 5))
	}
	return parseProcesses(h, res.Stdout, c.topo.AllRoles()), nil
}

// parseProcesses returns the daemon JVMs in ps output: never nil, so an
// empty list (a running host with no daemon) differs from a stopped host's.
func parseProcesses(h, ps string, roles []topology.Role) []Process {
	out := []Process{}
	for _, line := range strings.Split(ps, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasSuffix(f[2], "/java") {
			continue
		}
		for _, a := range f[3:] {
			name, ok := strings.CutPrefix(a, "-Dproc_")
			if !ok {
				continue
			}
			pid, _ := strconv.Atoi(f[0])
			r := topology.Role(name)
			if !slices.Contains(roles, r) {
				break // a client JVM (haadmin, dfs...), not a daemon
			}
			out = append(out, Process{Host: h, Role: r, Class: roleClass(r), PID: pid, Frozen: strings.HasPrefix(f[1], "T")})
			break
		}
	}
	return out
}

// LogPath is the log4j file of role r's daemon on host h.
func LogPath(h string, r topology.Role) string {
	return fmt.Sprintf("%s/hadoop-root-%s-%s.log", config.LogDir, procName(r), h)
}

// Logs returns the last n lines (all when n <= 0) of role r's daemon log on
// host h, followed by its stdout/stderr (.out) file. It works on a stopped host too.
func (c *Cluster) Logs(ctx context.Context, h string, r topology.Role, n int) (string, error) {
	if !slices.Contains(c.topo.Hosts, h) {
		return "", fmt.Errorf("logs of %q: unknown host: hosts are %v", h, c.topo.Hosts)
	}
	var b strings.Builder
	for _, p := range []string{LogPath(h, r), strings.TrimSuffix(LogPath(h, r), ".log") + ".out"} {
		files, err := c.engine.CopyFrom(ctx, c.Container(h), p)
		if err != nil {
			continue
		}
		for _, content := range files {
			text := string(content)
			if n > 0 {
				text = lastLines(text, n)
			}
			fmt.Fprintf(&b, "==> %s <==\n%s\n", p, text)
		}
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("logs of %s/%s: no log file yet (%s)", h, r, LogPath(h, r))
	}
	return b.String(), nil
}

// AuditRecords returns what the NameNode on host h served, from its HDFS
// audit log (config.AuditLogName, rotated files included), oldest first.
// It works on a stopped host too. A NameNode that served nothing yet has
// no log: nil, no error.
func (c *Cluster) AuditRecords(ctx context.Context, h string) ([]observe.AuditRecord, error) {
	if !c.topo.Has(h, topology.NameNode) {
		return nil, fmt.Errorf("audit log of %q: no namenode there: namenodes are on %v", h, c.topo.On(topology.NameNode))
	}
	var out []observe.AuditRecord
	for _, suffix := range []string{".2", ".1", ""} {
		p := config.LogDir + "/" + config.AuditLogName + suffix
		files, err := c.engine.CopyFrom(ctx, c.Container(h), p)
		if errors.Is(err, docker.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("audit log of %s: %w", h, err)
		}
		for _, b := range files {
			recs, err := observe.ParseAudit(string(b))
			if err != nil {
				return out, fmt.Errorf("audit log of %s (%s): %w", h, p, err)
			}
			out = append(out, recs...)
		}
	}
	return out, nil
}

// logTail is Logs for error messages: never fails.
func (c *Cluster) logTail(ctx context.Context, h string, r topology.Role, n int) string {
	s, err := c.Logs(ctx, h, r, n)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// WebUI is a daemon's web UI published on 127.0.0.1.
type WebUI struct {
	Host string        `json:"host"`
	Role topology.Role `json:"role"`
	URL  string        `json:"url"`
}

// WebUIs lists the web UIs of running hosts at their published ports
// (http://127.0.0.1:PORT/ for a local engine).
func (c *Cluster) WebUIs(ctx context.Context) ([]WebUI, error) {
	views, err := c.refresh(ctx)
	if err != nil {
		return nil, err
	}
	var out []WebUI
	for _, h := range c.topo.Hosts {
		if views[h].State != "running" {
			continue
		}
		for _, r := range c.topo.RolesOf(h) {
			port := uiPort(r)
			if port == 0 || views[h].Ports[port] == 0 {
				continue
			}
			out = append(out, WebUI{Host: h, Role: r, URL: "http://" + c.Addr(h, port) + "/"})
		}
	}
	return out, nil
}

func uiPort(r topology.Role) int {
	switch r {
	case topology.NameNode:
		return config.PortNameNodeHTTP
	case topology.DataNode:
		return config.PortDataNodeHTTP
	case topology.JournalNode:
		return config.PortJournalHTTP
	case topology.ResourceManager:
		return config.PortRMWeb
	case topology.NodeManager:
		return config.PortNMWeb
	}
	a, _ := addonRole(r)
	return a.WebPort
}

// HostState returns the engine state of host h's container: running,
// paused, exited, created...
func (c *Cluster) HostState(ctx context.Context, h string) (string, error) {
	st, err := c.engine.Inspect(ctx, c.Container(h))
	if err != nil {
		return "", err
	}
	if st.Paused {
		return "paused", nil
	}
	return st.Status, nil
}

// MemoryMiB returns the memory all running hosts of the cluster use now, in MiB.
func (c *Cluster) MemoryMiB(ctx context.Context) (int, error) {
	u, err := c.usage(ctx)
	var total uint64
	for _, x := range u {
		total += x.MemoryBytes
	}
	return int(total >> 20), err
}

// CPUSeconds returns the CPU time the processes of all running hosts used
// since their containers started (cgroup accounting, read through the
// engine's stats), in seconds.
func (c *Cluster) CPUSeconds(ctx context.Context) (float64, error) {
	u, err := c.usage(ctx)
	var total time.Duration
	for _, x := range u {
		total += x.CPU
	}
	return total.Seconds(), err
}

func (c *Cluster) usage(ctx context.Context) (map[string]docker.Usage, error) {
	views, err := c.refresh(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, h := range c.topo.Hosts {
		if views[h].State == "running" {
			names = append(names, c.Container(h))
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	return c.engine.Usage(ctx, names...)
}

// roleClass is the name jps prints for role r's main class.
func roleClass(r topology.Role) string {
	if a, ok := addonRole(r); ok && a.Class != "" {
		return a.Class
	}
	return r.Short()
}
