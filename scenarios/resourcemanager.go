package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// killActiveResourceManagerDuringJob is kill-active-resourcemanager-during-job.
func killActiveResourceManagerDuringJob(ctx context.Context, e *Env) error {
	from, err := e.Active(ctx, topology.ResourceManager)
	if err != nil {
		return err
	}
	client := e.C.Topology().On(topology.NodeManager)[0]
	job := fmt.Sprintf("rm -f /tmp/hh-job.rc; setsid nohup bash -c 'yarn jar %s pi 3 20000 > /tmp/hh-job.log 2>&1; echo $? > /tmp/hh-job.rc' >/dev/null 2>&1 &",
		config.ExamplesJar)
	if res, err := e.C.Shell(ctx, client, job); err != nil || res.ExitCode != 0 {
		return fmt.Errorf("submit job: %v %s", err, res.Combined())
	}
	rmHost := e.C.Topology().ResourceManagerHost(from)
	var appID string
	err = poll.Until(ctx, "job running on "+from, 500*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		apps, err := observe.Apps(ctx, e.C.Addr(rmHost, config.PortRMWeb))
		if err != nil {
			return false, err.Error(), nil
		}
		for _, a := range apps {
			if a.State == "RUNNING" {
				appID = a.ID
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("%d apps, none running", len(apps)), nil
	})
	if err != nil {
		return err
	}
	in, err := e.Inject(ctx, fault.KillDaemon{Target: fault.ActiveResourceManager})
	if err != nil {
		return err
	}
	if _, err := e.Failover(ctx, topology.ResourceManager, from, in); err != nil {
		return err
	}
	var rc string
	err = poll.Until(ctx, "job "+appID+" to finish", time.Second, func(ctx context.Context) (bool, string, error) {
		res, err := e.C.Shell(ctx, client, "cat /tmp/hh-job.rc 2>/dev/null")
		if err != nil {
			return false, "", err
		}
		rc = strings.TrimSpace(res.Stdout)
		return rc != "", "still running", nil
	})
	if err != nil {
		return err
	}
	out, _ := e.C.Shell(ctx, client, "tail -n 30 /tmp/hh-job.log")
	if rc != "0" || !strings.Contains(out.Stdout, "Estimated value of Pi") {
		return fmt.Errorf("job %s across the ResourceManager failover: exit %s\n%s", appID, rc, out.Stdout)
	}
	e.Note("job %s finished across the ResourceManager failover: %s", appID, firstLine(lastLine(out.Stdout)))
	if err := e.Heal(ctx, in); err != nil {
		return err
	}
	return e.Recover(ctx)
}

// lastLine is the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
