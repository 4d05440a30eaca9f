// Command haharness is the command-line twin of the harness API: it starts
// real Apache Hadoop HA clusters in Docker, shows their HA state, injects
// faults and heals them, and runs the scenario catalogue.
//
// Every subcommand parses its flags, calls the same harness, fault, images
// or scenarios functions a Go test would, and prints the result; there is no
// logic of its own. A cluster started with `haharness up` outlives the
// command (it is detached), and later commands find it by name (Attach).
//
// Exit codes: 0 ok, 1 runtime error, 2 usage error.
//
// Layering: imports harness, harness/fault, harness/topology,
// harness/config, internal/docker (the engine for images), images and
// scenarios. Nothing imports it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/internal/docker"
)

// command is one subcommand of the dispatch table.
type command struct {
	name    string
	args    string // synopsis after the name
	summary string
	group   string
	run     func(ctx context.Context, e *env, args []string) error
}

// Command groups, in the order usage lists them.
const (
	groupCluster  = "Clusters"
	groupObserve  = "Observe and operate"
	groupFault    = "Faults (SELECTOR: HOST, HOST/ROLE, active-namenode, zookeeper-leader...; see `haharness help kill`)"
	groupScenario = "Scenarios"
	groupOther    = "Other"
)

var groupOrder = []string{groupCluster, groupObserve, groupFault, groupScenario, groupAddons, groupOther}

// commands is the dispatch table. The fault commands (kill, partition...)
// come from the fault registry (faultCommands), each followed by the
// command that undoes it, if any (undoCommands).
func commands() []command {
	var faults []command
	undo := undoCommands()
	for _, c := range faultCommands() {
		faults = append(faults, c)
		if u, ok := undo[c.name]; ok {
			faults = append(faults, u)
		}
	}
	return slices.Concat(commandsBefore(), faults, commandsAfter(), addonCommands())
}

// undoCommands are the commands that undo one fault command by hand, by
// the command they follow in the table.
func undoCommands() map[string]command {
	return map[string]command{
		"stop-host": {"start-host", "[--name N] HOST", "start a host and any of its daemons not running", groupFault, cmdStartHost},
		"freeze":    {"resume", "[--name N] SELECTOR", "thaw what freeze froze", groupFault, cmdResume},
	}
}

// commandsBefore are the commands listed before the fault commands.
func commandsBefore() []command {
	return []command{
		{"up", "[--name N] [--topology FILE] [--hadoop VERSION] [--image REF] [--fencing sshfence+shell|sshfence|shell] [--set FILE:KEY=VALUE]... [--timeout DUR] [--fresh] [--with " + addonList() + "]",
			"start a cluster (detached) and print its status", groupCluster, cmdUp},
		{"demo", "[--keep] [--name N]", "bring up the guide's cluster, print its status (§6), remove it unless --keep", groupCluster, cmdDemo},
		{"down", "[--name N]", "remove a cluster's containers and network", groupCluster, cmdDown},
		{"ls", "[--snapshots]", "list clusters (--snapshots: the saved init snapshots warm starts use)", groupCluster, cmdLs},
		{"gc", "[--all] [--snapshots]", "remove clusters whose creating process is gone (--all: every cluster; --snapshots: stale snapshots)", groupCluster, cmdGC},

		{"status", "[--name N] [--json]", "per host daemons (jps), NameNode/ResourceManager/ZooKeeper HA state, web UIs", groupObserve, cmdStatus},
		{"wait-failover", "[--name N] [--role " + strings.Join(haRoles(), "|") + "] [--from ID] [--timeout 60s]",
			"wait until another member is the single active, named by the election lock, and print how long it took", groupObserve, cmdWaitFailover},
		{"exec", "[--name N] HOST -- CMD...", "run a command on a host (one CMD argument: a bash command line); exits with its exit code", groupObserve, cmdExec},
		{"logs", "[--name N] HOST/ROLE [-n LINES] [-f]", "print a daemon's log (-f: follow)", groupObserve, cmdLogs},
	}
}

// commandsAfter are the commands listed after the fault commands.
func commandsAfter() []command {
	return []command{
		{"heal", "[--name N] [--timeout 5m]", "undo every fault of any process, wait for HA ready, print the status", groupFault, cmdHeal},
		{"reset", "[--name N] [--namenode nn1] [--resourcemanager rm1] [--keep PATH,...] [--timeout 5m]",
			"heal, make the wanted NameNode and ResourceManager active, empty HDFS (what a shared test cluster gets before each test)", groupFault, cmdReset},

		{"scenario", "list | run NAME [--name N] [--seed N] [--out DIR] | run -f FILE|DIR... [--name N] [--keep] | validate -f FILE|DIR... | shrink -f FILE [--budget 30m] [-o OUT]",
			"list or run the failure scenarios; run, validate or shrink scenario files", groupScenario, cmdScenario},
		{"report", "HISTORY.json [-o OUT.html]", "judge a saved history again with the checks its run saved, and render it as an HTML timeline", groupScenario, cmdReport},
		{"soak", "[--name N] [--seed N] [--duration 5m] [--writers 3] [--out DIR]",
			"run seeded faults with writers on a running cluster, heal after each, read every acknowledged write back", groupScenario, cmdSoak},

		{"images", "[--hadoop VERSION | --all] [--with " + addonList() + "] [--native | --from ADDR]", "pull, copy from another engine or build the cluster image if missing; print its ref", groupOther, cmdImages},
		{"bench", "[--runs 3] [--only cold-start,warm-start,nn-failover-kill,nn-failover-freeze,rm-failover-kill] [--json FILE]",
			"measure start and failover times on real clusters: median, p95, phases, CPU-s, peak memory", groupOther, cmdBench},
		{"engine", "[--reaper]", "print the container engine found (as testcontainers-go finds it) and where ports are published", groupOther, cmdEngine},
		{"version", "", "print the default Hadoop version and the known releases", groupOther, cmdVersion},
		{"help", "[COMMAND]", "show help", groupOther, nil},
	}
}

// env is where a command writes.
type env struct {
	stdout, stderr io.Writer
}

// errUsage is returned after a usage message was printed; it exits 2.
var errUsage = errors.New("usage error")

// errHelp is returned after help was printed on request; it exits 0.
var errHelp = errors.New("help requested")

// exitError carries an exit code chosen by a command (exec passes on the
// remote command's code).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	docker.QuietLibraryLogs() // the CLI prints its own lines, not testcontainers-go's banner
	docker.SkipReaperProbe()  // it runs no testcontainers-go containers of its own; `engine --reaper` reports as before
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run dispatches args and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		usage(e.stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			if c, ok := lookup(args[1]); ok && c.run != nil {
				return exitCode(e, c.run(ctx, e, []string{"-h"}))
			}
			fmt.Fprintf(e.stderr, "haharness: unknown command %q\n", args[1])
			usage(e.stderr)
			return 2
		}
		usage(e.stdout)
		return 0
	}
	c, ok := lookup(name)
	if !ok || c.run == nil {
		fmt.Fprintf(e.stderr, "haharness: unknown command %q\n\n", name)
		usage(e.stderr)
		return 2
	}
	return exitCode(e, c.run(ctx, e, args[1:]))
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// exitCode prints err with a hint when one helps and maps it to an exit code.
func exitCode(e *env, err error) int {
	var ee exitError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ee):
		return ee.code
	}
	msg := err.Error()
	fmt.Fprintf(e.stderr, "haharness: %s\n", msg)
	switch {
	case errors.Is(err, harness.ErrNoCluster) && !strings.Contains(msg, "haharness up"):
		fmt.Fprintln(e.stderr, "hint: start one with `haharness up`, or list them with `haharness ls`")
	case errors.Is(err, docker.ErrEngine) && !strings.Contains(msg, "scripts/"):
		fmt.Fprintln(e.stderr, "hint: start Docker or Podman (scripts/setup.sh does it on Debian as root), or set DOCKER_HOST")
	}
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "haharness starts Apache Hadoop HA clusters in Docker and injects faults.")
	fmt.Fprintln(w, "\nUsage: haharness COMMAND [flags] [args]")
	all := commands()
	for _, g := range groupOrder {
		fmt.Fprintf(w, "\n%s:\n", g)
		for _, c := range all {
			if c.group == g {
				fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
			}
		}
	}
	fmt.Fprintln(w, "\nRun `haharness help COMMAND` for a command's flags. The cluster name defaults to \"default\".")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 runtime error, 2 usage error.")
}

// newFlags returns a flag set for subcommand name whose usage prints the
// synopsis from the dispatch table and the flags.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	c, _ := lookup(name)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: haharness %s %s\n  %s\n", name, c.args, c.summary)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(e.stderr, "flags:")
			fs.PrintDefaults()
		}
		if c.group == groupFault {
			fmt.Fprint(e.stderr, selectorHelp())
		}
	}
	return fs
}

// selectorHelp explains the selectors of fault.Parse.
func selectorHelp() string {
	var named []string
	for _, n := range fault.Named() {
		named = append(named, string(n))
	}
	out := "selectors (resolved when the fault is injected):\n" +
		"  HOST        a whole host, e.g. hadoop001\n" +
		"  HOST/ROLE   one daemon, e.g. hadoop001/namenode (ROLE@HOST too)\n" +
		"  NAMED       " + strings.Join(named, ", ") + "\n"
	for _, m := range harness.AddonModules() {
		for _, ext := range m.Selectors {
			var names []string
			for _, h := range ext.Help() {
				names = append(names, h[0])
			}
			out += fmt.Sprintf("  %-11s %s (with --with %s)\n", m.Name, strings.Join(names, ", "), m.Name)
		}
	}
	return out
}

// nameFlag adds the common --name flag.
func nameFlag(fs *flag.FlagSet) *string {
	return fs.String("name", "default", "cluster `name`")
}

// parseNone parses a command that takes flags only.
func parseNone(fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	return wantArgs(fs, pos, 0, 0, "")
}

// parse parses flags anywhere among the arguments (`degrade hadoop001
// --delay 100ms` and `degrade --delay 100ms hadoop001` are the same) and
// returns the positional arguments. Everything after "--" is positional.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if len(args) > 0 && args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		if err := fs.Parse(args); err != nil {
			return nil, flagErr(err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	return errUsage // flag printed the error and the usage
}

// usagef prints a usage error and the command's usage; it returns errUsage.
func usagef(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "haharness %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

// wantArgs checks the number of positional arguments.
func wantArgs(fs *flag.FlagSet, pos []string, min, max int, what string) error {
	switch {
	case len(pos) < min:
		return usagef(fs, "missing %s", what)
	case max >= 0 && len(pos) > max:
		return usagef(fs, "unexpected arguments %q", pos[max:])
	}
	return nil
}

// attach finds a running cluster by name.
func attach(ctx context.Context, name string) (*harness.Cluster, error) {
	return harness.Attach(ctx, name, nil)
}
