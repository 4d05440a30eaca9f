package addon

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
)

// What the modules share: shell calls on a host, an HTTP probe, a CLI
// flag of settings, and the processes of YARN applications.

// ShellQuote quotes s for a POSIX shell.
func ShellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// MustShell runs script on host and fails on a non-zero exit, with the
// output's last lines.
func MustShell(ctx context.Context, c Cluster, host, script string) (docker.Result, error) {
	res, err := c.Shell(ctx, host, script)
	if err != nil {
		return res, err
	}
	if res.ExitCode != 0 {
		return res, fmt.Errorf("exit %d: %s", res.ExitCode, LastLines(res.Combined(), 15))
	}
	return res, nil
}

// LastLines is s's last n lines, trimmed.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// FirstLine is s's first line, trimmed.
func FirstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

var httpClient = &http.Client{Timeout: 3 * time.Second}

// Answers reports whether GET url answers 200 (a web UI or REST API up).
func Answers(ctx context.Context, url string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// Settings is a repeatable CLI flag of KEY=VALUE settings (flag.Value).
type Settings map[string]string

func (s Settings) String() string { return fmt.Sprint(map[string]string(s)) }

// Set adds one KEY=VALUE.
func (s Settings) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	s[k] = val
	return nil
}

// AppProcess is one JVM of a YARN application on a host, found by its
// -Dproc_ markers (a module's Role names).
type AppProcess struct {
	Host string `json:"host"`
	PID  int    `json:"pid"`
	// Markers are the kinds asked for that its command line carries.
	Markers []topology.Role `json:"markers"`
	// Container is its YARN container ("" for a JVM in none: a client-mode
	// driver) and App the application the container belongs to.
	Container string `json:"container,omitempty"`
	App       string `json:"app,omitempty"`
}

// Is reports whether p carries marker k.
func (p AppProcess) Is(k topology.Role) bool { return slices.Contains(p.Markers, k) }

// AppProcesses lists the JVMs marked with one of kinds on every host
// (pgrep on -Dproc_KIND, the bash wrappers YARN starts containers with
// left out), sorted by host and PID. A host that cannot be asked is left
// out.
func AppProcesses(ctx context.Context, c Cluster, hosts []string, kinds ...topology.Role) []AppProcess {
	var alts []string
	for _, k := range kinds {
		alts = append(alts, regexp.QuoteMeta(string(k)))
	}
	script := fmt.Sprintf(`pgrep -a -f -- '-Dproc_(%s)( |$)' | grep -v -e ' bash ' -e '^[0-9]* /bin/bash ' || true`, strings.Join(alts, "|"))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var out []AppProcess
	for _, h := range hosts {
		wg.Go(func() {
			res, err := c.Shell(ctx, h, script)
			if err != nil {
				return
			}
			ps := ParseAppProcesses(h, res.Stdout, kinds...)
			mu.Lock()
			out = append(out, ps...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.SortFunc(out, func(a, b AppProcess) int {
		if c := strings.Compare(a.Host, b.Host); c != 0 {
			return c
		}
		return a.PID - b.PID
	})
	return out
}

var containerPattern = regexp.MustCompile(`container(?:_e\d+)?_(\d+)_(\d+)_\d+_\d+`)

// ParseAppProcesses parses `pgrep -a` lines of host (PID, command line):
// the java processes with a -Dproc_ marker of kinds; the container in
// their log paths names their application.
func ParseAppProcesses(host, out string, kinds ...topology.Role) []AppProcess {
	var ps []AppProcess
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		pid, cmd, ok := strings.Cut(strings.TrimSpace(line), " ")
		n, err := strconv.Atoi(pid)
		if !ok || err != nil || !strings.Contains(strings.Fields(cmd)[0], "java") {
			continue
		}
		markers := map[topology.Role]bool{}
		for _, f := range strings.Fields(cmd) {
			if k, ok := strings.CutPrefix(f, "-Dproc_"); ok && slices.Contains(kinds, topology.Role(k)) {
				markers[topology.Role(k)] = true
			}
		}
		if len(markers) == 0 {
			continue
		}
		p := AppProcess{Host: host, PID: n, Markers: slices.Sorted(maps.Keys(markers))}
		if m := containerPattern.FindStringSubmatch(cmd); m != nil {
			p.Container = m[0]
			p.App = "application_" + m[1] + "_" + m[2]
		}
		ps = append(ps, p)
	}
	return ps
}

// Newest is the application started last.
func Newest(apps []observe.App) observe.App {
	return slices.MaxFunc(apps, func(a, b observe.App) int {
		switch {
		case a.Started < b.Started:
			return -1
		case a.Started > b.Started:
			return 1
		}
		return 0
	})
}

// FirstHost is the first host (by name) of the processes match keeps,
// "" when none.
func FirstHost[P any](ps []P, host func(P) string, match func(P) bool) string {
	var hosts []string
	for _, p := range ps {
		if match(p) {
			hosts = append(hosts, host(p))
		}
	}
	if len(hosts) == 0 {
		return ""
	}
	return slices.Min(hosts)
}

// AwaitSession waits (up to timeout) until conn, just made by zk.Connect
// with events, has a session, then drains events so the client never
// blocks. gaveUp, when it closes, ends the wait at once (every server
// refused). conn is closed on failure.
func AwaitSession(ctx context.Context, conn *zk.Conn, events <-chan zk.Event, gaveUp <-chan struct{}, timeout time.Duration, servers []string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				go func() {
					for range events { //nolint:revive // drain so the client never blocks
					}
				}()
				return nil
			}
		case <-gaveUp:
			conn.Close()
			return fmt.Errorf("connect zookeeper %v: every server refused the connection", servers)
		case <-ctx.Done():
			conn.Close()
			return fmt.Errorf("connect zookeeper %v: no session: %w", servers, ctx.Err())
		}
	}
}
