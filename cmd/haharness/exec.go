package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

func cmdExec(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "exec")
	name := nameFlag(fs)
	// Flags only before HOST: everything after it is the command, flags included.
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	pos := fs.Args()
	if len(pos) == 0 {
		return usagef(fs, "missing HOST")
	}
	host, cmd := pos[0], pos[1:]
	if len(cmd) > 0 && cmd[0] == "--" {
		cmd = cmd[1:]
	}
	if len(cmd) == 0 {
		return usagef(fs, "missing CMD (haharness exec %s -- hdfs dfs -ls /)", host)
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	var res harness.ExecResult
	if len(cmd) == 1 {
		// One argument is a shell command line, as with ssh.
		res, err = c.Shell(ctx, host, cmd[0])
	} else {
		res, err = c.Exec(ctx, host, cmd...)
	}
	io.WriteString(e.stdout, res.Stdout)
	io.WriteString(e.stderr, res.Stderr)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return exitError{res.ExitCode}
	}
	return nil
}

// daemonArg parses HOST/ROLE with the library's selector rules.
func daemonArg(c *harness.Cluster, s string) (topology.Daemon, error) {
	p, err := fault.Parse(fault.Selector(s), c.Topology(), c.Selectors()...)
	if err != nil {
		return topology.Daemon{}, err
	}
	if p.Named != "" || p.Role == "" {
		return topology.Daemon{}, fmt.Errorf("%q is not a daemon: name one as HOST/ROLE, e.g. %s/namenode (roles: %v)",
			s, c.Topology().Hosts[0], topology.Roles())
	}
	return topology.Daemon{Host: p.Host, Role: p.Role}, nil
}

func cmdLogs(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "logs")
	name := nameFlag(fs)
	n := fs.Int("n", 100, "print the last `lines` lines of each file (0: all)")
	follow := fs.Bool("f", false, "follow: print new lines every second until interrupted")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1, "HOST/ROLE (e.g. hadoop001/namenode)"); err != nil {
		return err
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	d, err := daemonArg(c, pos[0])
	if err != nil {
		return err
	}
	if !*follow {
		out, err := c.Logs(ctx, d.Host, d.Role, *n)
		if err != nil {
			return err
		}
		io.WriteString(e.stdout, out)
		return nil
	}
	return followLogs(ctx, e, c, d, *n)
}

// followLogs prints the last n lines of the daemon's files, then every
// second the lines added since, until ctx ends (SIGINT).
func followLogs(ctx context.Context, e *env, c *harness.Cluster, d topology.Daemon, n int) error {
	seen := map[string]int{} // file -> lines printed or skipped
	last := ""               // file of the last line printed
	first := true
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		out, err := c.Logs(ctx, d.Host, d.Role, 0)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && first {
			return err
		}
		for _, f := range splitLogs(out) {
			from := seen[f.name]
			if len(f.lines) < from { // truncated or replaced (daemon restarted)
				from = 0
			}
			if first && n > 0 && len(f.lines)-n > from {
				from = len(f.lines) - n
			}
			if from < len(f.lines) {
				if last != f.name {
					fmt.Fprintf(e.stdout, "==> %s <==\n", f.name)
					last = f.name
				}
				for _, l := range f.lines[from:] {
					fmt.Fprintln(e.stdout, l)
				}
			}
			seen[f.name] = len(f.lines)
		}
		first = false
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

type logFile struct {
	name  string
	lines []string
}

// splitLogs splits the "==> FILE <==" sections c.Logs returns into lines,
// without trailing empty lines.
func splitLogs(out string) []logFile {
	var files []logFile
	for _, l := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(l, "==> "); ok && strings.HasSuffix(name, " <==") {
			files = append(files, logFile{name: strings.TrimSuffix(name, " <==")})
			continue
		}
		if len(files) > 0 {
			f := &files[len(files)-1]
			f.lines = append(f.lines, l)
		}
	}
	for i := range files {
		f := &files[i]
		for len(f.lines) > 0 && f.lines[len(f.lines)-1] == "" {
			f.lines = f.lines[:len(f.lines)-1]
		}
	}
	return files
}
