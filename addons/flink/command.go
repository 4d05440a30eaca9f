package flink

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/haharness/haharness/harness/addon"
)

// commands are Flink's CLI commands: `haharness flink submit` and
// `haharness flink jobs`.
func commands() []addon.Command {
	return []addon.Command{{Name: "submit",
		Args: "[--out DIR] [--records N] [--rate N] [--keys N] [--parallelism N] [--app NAME] [--host HOST] [-D KEY=VALUE]... [--jar PATH [--class C] ARGS...] [--no-wait] [--log] [--json]",
		Help: "deploy a Flink application cluster on YARN (the harness's KeyedCounts job, or your --jar), wait for its end, print its id, attempts, job state, checkpoints and restores",
		Run:  runSubmit,
	}, {Name: "jobs", Args: "[--json]",
		Help: "list the running Flink applications with their attempts, jobs and latest checkpoints, and their JobManager and TaskManager processes",
		Run:  runJobs,
	}}
}

func runSubmit(ctx context.Context, c addon.Cluster, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flink submit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var j Job
	conf := addon.Settings{}
	fs.StringVar(&j.Out, "out", "", "output `directory` of the harness's job (default "+OutDir+"/cli-TIME/out)")
	fs.IntVar(&j.Records, "records", 0, "records the harness's job reads (default 1000)")
	fs.IntVar(&j.Rate, "rate", 0, "records a second (default 50)")
	fs.IntVar(&j.Keys, "keys", 0, "keys (default 10)")
	fs.IntVar(&j.Parallelism, "parallelism", 0, fmt.Sprintf("parallelism: TaskManagers of one slot (default %d)", Parallelism))
	fs.StringVar(&j.Name, "app", "", "the YARN application's `name` (default haharness-flink)")
	fs.StringVar(&j.Host, "host", "", "cluster `host` the client runs on (default: the HistoryServer's)")
	fs.Var(conf, "D", "a config.yaml setting `KEY=VALUE` for this job (repeatable)")
	fs.StringVar(&j.Jar, "jar", "", "`path` of your job's jar on the host (its arguments follow the flags)")
	fs.StringVar(&j.Class, "class", "", "main `class` of your jar (default its Main-Class)")
	noWait := fs.Bool("no-wait", false, "print the application id once YARN has it and return")
	showLog := fs.Bool("log", false, "print the JobManagers' log excerpt")
	asJSON := fs.Bool("json", false, "print the result as JSON")
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
	if len(j.Args) > 0 && j.Jar == "" {
		return fmt.Errorf("%w: arguments %q are for your own --jar", addon.ErrUsage, j.Args)
	}
	if j.Jar == "" && j.Out == "" {
		j.Out = fmt.Sprintf("%s/cli-%d/out", OutDir, time.Now().Unix())
	}
	if len(conf) > 0 {
		j.Conf = conf
	}
	s, err := Submit(ctx, c, j)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "submitted %s (job %s)\n", s.ID(), s.JobID())
	if *noWait {
		return nil
	}
	r, err := s.Wait(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprintf(stdout, "%s %s: %s/%s, job %s %s in %v, attempts %s, last checkpoint %d, restored from %v\n", r.ID, r.Name, r.State, r.FinalStatus,
			r.JobID, r.JobState, r.Ended.Sub(r.Submitted).Round(100*time.Millisecond), addon.FormatAttempts(r.Attempts), r.LastCheckpoint, r.Restored)
	}
	if *showLog {
		io.WriteString(stdout, r.JobManagerLog)
	}
	if !r.Succeeded() {
		return fmt.Errorf("flink application %s ended %s/%s, job %s: %s", r.ID, r.State, r.FinalStatus, orDash(r.JobState), addon.FirstLine(r.Diagnostics))
	}
	return nil
}

func runJobs(ctx context.Context, c addon.Cluster, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flink jobs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the section as JSON")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", addon.ErrUsage, err)
	}
	if c == nil {
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	s := readStatus(ctx, c, nil).(*Status)
	if *asJSON {
		b, _ := json.MarshalIndent(s, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	}
	io.WriteString(stdout, s.Report())
	return nil
}
