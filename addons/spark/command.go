package spark

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/haharness/haharness/harness/addon"
)

// commands are Spark's CLI commands: `haharness spark submit`.
func commands() []addon.Command {
	return []addon.Command{{Name: "submit",
		Args: "[--deploy cluster|client] [--app NAME] [--host HOST] [--conf KEY=VALUE]... [--class C --jar PATH] [--no-wait] [--log] [--json] JOB ARGS...",
		Help: "submit a job with --master yarn from a cluster host (JOB: pi SLICES, wordcount IN OUT PARTITIONS, or your --class in --jar), wait for its end, print its id, attempts, final state and driver output",
		Run:  runSubmit}}
}

func runSubmit(ctx context.Context, c addon.Cluster, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("spark submit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var j Job
	conf := addon.Settings{}
	fs.StringVar((*string)(&j.Mode), "deploy", string(ClusterMode), "deploy `mode`: cluster (driver in the AM) or client (driver on --host)")
	fs.StringVar(&j.Name, "app", "", "the application's `name` (default haharness-JOB)")
	fs.StringVar(&j.Host, "host", "", "cluster `host` spark-submit runs on (default: the History Server's)")
	fs.Var(conf, "conf", "a Spark setting `KEY=VALUE` (repeatable)")
	fs.StringVar(&j.Class, "class", "", "main `class` of your own job (with --jar)")
	fs.StringVar(&j.Jar, "jar", "", "`path` of your job's jar on the host (with --class)")
	noWait := fs.Bool("no-wait", false, "print the application id once YARN has it and return")
	showLog := fs.Bool("log", false, "print the driver's whole log")
	asJSON := fs.Bool("json", false, "print the application as JSON")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", addon.ErrUsage, err)
	}
	if c == nil { // -h: the flags only
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	j.Args = fs.Args()
	if len(conf) > 0 {
		j.Conf = conf
	}
	s, err := Submit(ctx, c, j)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "submitted %s\n", s.ID())
	if *noWait {
		return nil
	}
	app, err := s.Wait(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.MarshalIndent(app, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprintf(stdout, "%s %s: %s/%s in %v, attempts %s\n", app.ID, app.Name, app.State, app.FinalStatus,
			app.Ended.Sub(app.Submitted).Round(100_000_000), addon.FormatAttempts(app.Attempts))
		for _, l := range app.Lines {
			fmt.Fprintf(stdout, "  driver: %s\n", l)
		}
	}
	if *showLog {
		io.WriteString(stdout, app.DriverLog)
	}
	if !app.Succeeded() {
		return fmt.Errorf("spark application %s ended %s/%s: %s", app.ID, app.State, app.FinalStatus, addon.FirstLine(app.Diagnostics))
	}
	return nil
}
