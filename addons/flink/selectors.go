package flink

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Flink's fault selectors: the JVMs of the newest running Flink
// application (the one YARN started last), found on their hosts by their
// -Dproc_ markers (kill and freeze reach exactly those processes, none of
// the NodeManager's).
const (
	// SelectJobManager is the JobManager: the application's AM container.
	SelectJobManager fault.Selector = "flink-jobmanager"
	// SelectTaskManager is the TaskManagers on the first host (by name)
	// that runs one.
	SelectTaskManager fault.Selector = "flink-taskmanager"
)

func selectors() []fault.Extension {
	return []fault.Extension{{
		Addon: Name, Needs: History,
		Names: map[fault.Selector]string{
			SelectJobManager:  "the JobManager JVM (the YARN AM) of the newest running Flink application",
			SelectTaskManager: "the TaskManager JVMs of the newest running Flink application on the first host that runs one",
		},
		Resolve: resolve,
		// YARN starts a lost JobManager again (a new AM attempt) and the
		// JobManager asks YARN for new TaskManagers: the harness restarts
		// none of them.
		Managed: []topology.Role{JobManager, TaskManager},
	}}
}

func resolve(s fault.Selector, snap fault.Snapshot) ([]topology.Daemon, error) {
	st, _ := snap.Addons[Name].(*Status)
	if st == nil {
		return nil, fmt.Errorf("resolve %s: no Flink state read", s)
	}
	if st.AppsErr != "" {
		return nil, fmt.Errorf("resolve %s: the running applications are unknown: %s", s, st.AppsErr)
	}
	if len(st.Apps) == 0 {
		return nil, fmt.Errorf("resolve %s: no Flink application is running", s)
	}
	newest := slices.MaxFunc(st.Apps, func(a, b App) int { return cmp.Compare(a.Started, b.Started) })
	var kind topology.Role
	switch s {
	case SelectJobManager:
		kind = JobManager
	case SelectTaskManager:
		kind = TaskManager
	default:
		return nil, fmt.Errorf("resolve %s: not a Flink selector", s)
	}
	var hosts []string
	for _, p := range st.Processes {
		if p.Kind == kind && p.App == newest.ID && !slices.Contains(hosts, p.Host) {
			hosts = append(hosts, p.Host)
		}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("resolve %s: no %s process of %s (%s) found on the hosts", s, kind, newest.ID, newest.State)
	}
	slices.Sort(hosts)
	return []topology.Daemon{{Host: hosts[0], Role: kind}}, nil
}
