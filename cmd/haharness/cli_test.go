package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/internal/docker"
)

// buildCLI builds the haharness binary into a temporary directory.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "haharness")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type cliResult struct {
	args           []string
	stdout, stderr string
	code           int
	took           time.Duration
}

// transcript is what a session looked like at a terminal.
func (r cliResult) transcript() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ haharness %s\n", strings.Join(r.args, " "))
	b.WriteString(r.stdout)
	if r.stderr != "" {
		b.WriteString("--- stderr ---\n")
		b.WriteString(r.stderr)
	}
	fmt.Fprintf(&b, "[exit %d after %v]\n\n", r.code, r.took.Round(100*time.Millisecond))
	return b.String()
}

// runCLI runs the binary with args; after interruptAfter (if > 0) it sends
// SIGINT, as a user pressing ^C would. It does not use t.Context: that is
// cancelled before cleanups run, and the cleanup's `down` must still work.
func runCLI(t *testing.T, bin string, timeout, interruptAfter time.Duration, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start haharness %v: %v", args, err)
	}
	if interruptAfter > 0 {
		stop := time.AfterFunc(interruptAfter, func() { _ = cmd.Process.Signal(syscall.SIGINT) })
		defer stop.Stop()
	}
	err := cmd.Wait()
	r := cliResult{args: args, stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("haharness %v: no exit within %v\nstdout:\n%s\nstderr:\n%s", args, timeout, r.stdout, r.stderr)
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run haharness %v: %v", args, err)
	}
	return r
}

// assertNothingCreated checks, through the Engine API, that no container
// or network carries the cluster's label. Without an engine nothing can
// have been created.
func assertNothingCreated(t *testing.T, cluster string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	eng, err := docker.Connect(ctx)
	if err != nil {
		return
	}
	cs, err := eng.Containers(ctx, docker.LabelCluster+"="+cluster)
	if assert.NoError(t, err) {
		assert.Empty(t, cs, "want no container created")
	}
	nets, err := eng.Networks(ctx, docker.LabelCluster+"="+cluster)
	if assert.NoError(t, err) {
		assert.Empty(t, nets, "want no network created")
	}
}

// TestCLIUsage checks argument and input errors; none needs a cluster.
func TestCLIUsage(t *testing.T) {
	bin := buildCLI(t)
	run := func(t *testing.T, args ...string) cliResult {
		t.Helper()
		r := runCLI(t, bin, 2*time.Minute, 0, args...)
		t.Log(r.transcript())
		return r
	}
	t.Run("no-args", func(t *testing.T) {
		r := run(t)
		if r.code != 2 || !strings.Contains(r.stderr, "Usage: haharness COMMAND") {
			t.Errorf("want usage and exit 2, got exit %d", r.code)
		}
	})
	t.Run("help", func(t *testing.T) {
		r := run(t, "help")
		if r.code != 0 || !strings.Contains(r.stdout, "wait-failover") {
			t.Errorf("want the command list on stdout and exit 0, got exit %d", r.code)
		}
	})
	t.Run("unknown-command", func(t *testing.T) {
		r := run(t, "frobnicate")
		if r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
			t.Errorf("want an unknown command message and exit 2, got exit %d", r.code)
		}
	})
	t.Run("unknown-addon", func(t *testing.T) {
		r := run(t, "up", "--with", harness.Addons()[0]+",hive")
		if r.code != 2 || !strings.Contains(r.stderr, `unknown add-on "hive": the add-ons are `+strings.Join(harness.Addons(), ", ")) {
			t.Errorf("want an unknown add-on message and exit 2 before anything is created, got exit %d", r.code)
		}
	})
	t.Run("kill-without-selector", func(t *testing.T) {
		r := run(t, "kill")
		if r.code != 2 || !strings.Contains(r.stderr, "missing SELECTOR") || !strings.Contains(r.stderr, "usage: haharness kill") {
			t.Errorf("want a missing SELECTOR message with the usage and exit 2, got exit %d", r.code)
		}
	})
	t.Run("skew-clock-without-offset", func(t *testing.T) {
		r := run(t, "skew-clock", "--name", "clitest-none", "hadoop001")
		if r.code != 2 || !strings.Contains(r.stderr, "give --ahead or --behind") || strings.Contains(r.stderr, "no such cluster") {
			t.Errorf("want a give --ahead or --behind message before any cluster is looked for and exit 2, got exit %d", r.code)
		}
	})
	t.Run("unknown-flag", func(t *testing.T) {
		r := run(t, "status", "--bogus")
		if r.code != 2 || !strings.Contains(r.stderr, "flag provided but not defined: -bogus") {
			t.Errorf("want flag's own message and exit 2, got exit %d", r.code)
		}
	})
	t.Run("bad-fencing", func(t *testing.T) {
		r := run(t, "up", "--name", "clitest-bogus", "--fencing", "bogus")
		if r.code != 1 && r.code != 2 {
			t.Errorf("want exit 1 or 2, got %d", r.code)
		}
		for _, want := range []string{`"bogus"`, `"sshfence+shell"`, `"sshfence"`, `"shell"`} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("want the message to name %s", want)
			}
		}
		assertNothingCreated(t, "clitest-bogus")
	})
	t.Run("topology-with-two-zookeepers", func(t *testing.T) {
		topo := map[string]any{
			"hosts": []string{"hadoop001", "hadoop002", "hadoop003"},
			"roles": map[string][]string{
				"zookeeper":       {"hadoop001", "hadoop002"},
				"journalnode":     {"hadoop001", "hadoop002", "hadoop003"},
				"namenode":        {"hadoop001", "hadoop002"},
				"zkfc":            {"hadoop001", "hadoop002"},
				"datanode":        {"hadoop001", "hadoop002", "hadoop003"},
				"resourcemanager": {"hadoop002", "hadoop003"},
				"nodemanager":     {"hadoop001", "hadoop002", "hadoop003"},
			},
		}
		b, _ := json.Marshal(topo)
		file := filepath.Join(t.TempDir(), "two-zk.json")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, "up", "--name", "clitest-topo", "--topology", file)
		if r.code != 1 || !strings.Contains(r.stderr, "invalid topology") || !strings.Contains(r.stderr, "ZooKeeper needs an odd number") {
			t.Errorf("want the validation error and exit 1, got exit %d", r.code)
		}
		assertNothingCreated(t, "clitest-topo")
	})
	t.Run("invalid-scenario-file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(file, []byte("apiVersion: haharness/v1\nname: clitest-bad\nschedule:\n  - id: a\n    fault: kill-daemon\n    target: hadoop009\n    hold: 10\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{"validate", "run", "shrink"} {
			r := run(t, "scenario", sub, "-f", file)
			for _, want := range []string{file + ":7: schedule[0].hold: got number, want string", "a Go duration string such as 500ms"} {
				if r.code != 1 || !strings.Contains(r.stderr, want) {
					t.Errorf("scenario %s: want %q and exit 1, got exit %d", sub, want, r.code)
				}
			}
		}
		if err := os.WriteFile(file, []byte("apiVersion: haharness/v1\nname: clitest-bad\nschedule:\n  - id: a\n    fault: kill-daemon\n    target: hadoop009\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, "scenario", "run", "-f", file)
		if r.code != 1 || !strings.Contains(r.stderr, file+`:6: schedule[0].target: unknown target "hadoop009"`) {
			t.Errorf("want the rule's problem with file and line, got exit %d", r.code)
		}
	})
	t.Run("scenario-file-with-cluster-on-a-running-one", func(t *testing.T) {
		r := run(t, "scenario", "run", "--name", "clitest-none", "-f", filepath.Join("..", "..", "scenarios", "files", "freeze-active-namenode-shell-fencing.yaml"))
		if r.code != 1 || !strings.Contains(r.stderr, "asks for its own cluster") || !strings.Contains(r.stderr, "leave out --name") {
			t.Errorf("want the refusal with the fix, got exit %d", r.code)
		}
	})
	t.Run("validate-built-in-files", func(t *testing.T) {
		r := run(t, "scenario", "validate", "-f", filepath.Join("..", "..", "scenarios", "files"), "-f", filepath.Join("..", "..", "scenarios", "examples"))
		if r.code != 0 || strings.Count(r.stdout, ": valid") < 16 {
			t.Errorf("want every built-in and example file valid, got exit %d", r.code)
		}
	})
	t.Run("status-of-missing-cluster", func(t *testing.T) {
		harnesstest.RequireDocker(t)
		r := run(t, "status", "--name", "does-not-exist")
		if r.code != 1 || !strings.Contains(r.stderr, "no such cluster") || !strings.Contains(r.stderr, "haharness up") {
			t.Errorf("want \"no such cluster\" with a hint and exit 1, got exit %d", r.code)
		}
	})
}

// TestCLISession drives a real cluster through the CLI the way a user would:
// up, status, kill the active NameNode, watch the failover, heal, exec,
// logs, down. The transcript goes to the test log, and to
// testdata/session.txt when HAHARNESS_WRITE_SESSION=1.
func TestCLISession(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real cluster (about a minute); not in -short")
	}
	harnesstest.RequireDocker(t)
	bin := buildCLI(t)
	const name = "clitest"

	var transcript strings.Builder
	fmt.Fprintf(&transcript, "# haharness CLI session, %s\n\n", time.Now().UTC().Format(time.RFC3339))
	t.Cleanup(func() { // registered first, so it runs last and includes the final down
		t.Log("session transcript:\n" + transcript.String())
		if os.Getenv("HAHARNESS_WRITE_SESSION") == "1" {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(filepath.Join("testdata", "session.txt"), []byte(transcript.String()), 0o644); err != nil {
				t.Error(err)
			}
		}
	})
	sess := func(timeout time.Duration, args ...string) cliResult {
		t.Helper()
		r := runCLI(t, bin, timeout, 0, args...)
		transcript.WriteString(r.transcript())
		return r
	}

	r := sess(10*time.Minute, "up", "--name", name)
	t.Cleanup(func() {
		if r := runCLI(t, bin, 3*time.Minute, 0, "down", "--name", name); r.code != 0 {
			t.Errorf("cleanup: down: exit %d: %s", r.code, r.stderr)
		}
	})
	if r.code != 0 {
		t.Fatalf("up: exit %d", r.code)
	}
	if !strings.Contains(r.stderr, "init step done") {
		t.Errorf("up: want the init steps logged on stderr")
	}

	r = sess(time.Minute, "ls")
	if r.code != 0 || !strings.Contains(r.stdout, name) {
		t.Errorf("ls: want %s listed, exit 0; got exit %d", name, r.code)
	}

	r = sess(3*time.Minute, "status", "--name", name, "--json")
	var st struct {
		Ready          bool   `json:"ready"`
		ActiveNameNode string `json:"activeNameNode"`
		HA             struct {
			NameNodes []struct {
				ID  string `json:"id"`
				JMX string `json:"jmx"`
			} `json:"namenodes"`
		} `json:"ha"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 {
		t.Fatalf("status --json: exit %d, parse: %v", r.code, err)
	}
	actives := 0
	for _, n := range st.HA.NameNodes {
		if n.JMX == "active" {
			actives++
		}
	}
	if actives != 1 || st.ActiveNameNode == "" || !st.Ready {
		t.Fatalf("status --json: want one active NameNode and HA ready, got %d active (%+v), ready=%v", actives, st.HA.NameNodes, st.Ready)
	}

	r = sess(3*time.Minute, "kill", "--name", name, "active-namenode")
	if r.code != 0 || !strings.Contains(r.stdout, "=> hadoop00") || !strings.Contains(r.stdout, "/namenode") {
		t.Fatalf("kill active-namenode: want the resolved daemon printed, exit 0; got exit %d", r.code)
	}

	r = sess(3*time.Minute, "wait-failover", "--name", name, "--timeout", "90s")
	if r.code != 0 || !strings.Contains(r.stdout, "failover") {
		t.Errorf("wait-failover: want a failover reported, exit 0; got exit %d", r.code)
	}

	r = sess(6*time.Minute, "heal", "--name", name)
	if r.code != 0 {
		t.Fatalf("heal: exit %d", r.code)
	}

	r = sess(3*time.Minute, "status", "--name", name)
	for _, want := range []string{"HA ready", "nn1", "nn2", "NameNode", "DFSZKFailoverController", "http://127.0.0.1:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status after heal: want %q in the view", want)
		}
	}
	if r.code != 0 || strings.Contains(r.stdout, "NOT HA ready") {
		t.Errorf("status after heal: want HA ready, exit 0; got exit %d", r.code)
	}

	// Heal undoes what an earlier CLI process injected, whatever its kind:
	// packet loss (iptables HH-DEGRADE where netem is missing) and a
	// frozen JVM, checked from inside the host afterwards.
	r = sess(time.Minute, "degrade", "--name", name, "--loss", "20", "hadoop003")
	if r.code != 0 {
		t.Fatalf("degrade: exit %d", r.code)
	}
	r = sess(time.Minute, "freeze", "--name", name, "hadoop003/nodemanager")
	if r.code != 0 {
		t.Fatalf("freeze: exit %d", r.code)
	}
	r = sess(6*time.Minute, "heal", "--name", name)
	if r.code != 0 || !strings.Contains(r.stdout, "hadoop003: cleared") {
		t.Fatalf("heal after degrade and freeze: want hadoop003 cleared, exit 0; got exit %d", r.code)
	}
	r = sess(time.Minute, "exec", "--name", name, "hadoop003", "--", "sh", "-c",
		"echo $(iptables -S HH-DEGRADE 2>/dev/null | grep -c -- -A) $(tc qdisc show dev eth0 | grep -c netem) $(ps -eo stat=,args= | grep -- -Dproc_ | grep -v grep | grep -c '^T')")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "0 0 0" {
		t.Errorf("after heal, hadoop003 keeps loss rules, netem or a frozen JVM: %q (exit %d)", r.stdout, r.code)
	}

	r = sess(3*time.Minute, "exec", "--name", name, "hadoop001", "--", "hdfs", "dfs", "-ls", "/")
	if r.code != 0 {
		t.Errorf("exec hdfs dfs -ls /: exit %d", r.code)
	}
	r = sess(time.Minute, "exec", "--name", name, "hadoop001", "--", "sh", "-c", "echo to-stderr >&2; exit 3")
	if r.code != 3 || !strings.Contains(r.stderr, "to-stderr") {
		t.Errorf("exec: want the command's exit code 3 and its stderr, got exit %d", r.code)
	}

	r = sess(time.Minute, "logs", "--name", name, "hadoop001/namenode", "-n", "5")
	if r.code != 0 || len(strings.TrimSpace(r.stdout)) == 0 {
		t.Errorf("logs: want lines, exit 0; got exit %d", r.code)
	}
	r = runCLI(t, bin, time.Minute, 4*time.Second, "logs", "--name", name, "hadoop002/zkfc", "-n", "3", "-f")
	transcript.WriteString(strings.Replace(r.transcript(), "\n", "   (SIGINT after 4s)\n", 1))
	if r.code != 0 || len(strings.TrimSpace(r.stdout)) == 0 {
		t.Errorf("logs -f: want lines and exit 0 on SIGINT; got exit %d", r.code)
	}

	// reset: what a shared test cluster gets before each test, by hand.
	r = sess(3*time.Minute, "exec", "--name", name, "hadoop001", "--", "sh", "-c", "echo x | hdfs dfs -put - /cli-reset.txt")
	if r.code != 0 {
		t.Fatalf("exec hdfs dfs -put: exit %d", r.code)
	}
	r = sess(6*time.Minute, "reset", "--name", name, "--namenode", "nn2")
	if r.code != 0 || !strings.Contains(r.stdout, "deleted 1 path(s): /cli-reset.txt") || !strings.Contains(r.stdout, "nn2=active") {
		t.Errorf("reset --namenode nn2: want /cli-reset.txt deleted and nn2 active, exit 0; got exit %d", r.code)
	}
	r = sess(time.Minute, "ls", "--snapshots")
	if r.code != 0 || !strings.Contains(r.stdout, "haharness/snapshot:") {
		t.Errorf("ls --snapshots: want the snapshot the cluster's start used or saved, exit 0; got exit %d", r.code)
	}

	r = sess(3*time.Minute, "down", "--name", name)
	if r.code != 0 || !strings.Contains(r.stdout, "removed cluster "+name) {
		t.Errorf("down: exit %d", r.code)
	}
	assertNothingCreated(t, name)
}
