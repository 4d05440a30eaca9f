package spark

import (
	"fmt"
	"slices"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Spark's fault selectors: the JVMs of the newest running Spark
// application (the one YARN started last), found on their hosts by their
// -Dproc_ markers (kill and freeze reach exactly those processes: every
// such JVM on the host resolved, none of the NodeManager's).
const (
	// SelectDriver is the driver: the AM's JVM in cluster deploy mode, the
	// submitting JVM in client mode.
	SelectDriver fault.Selector = "spark-driver"
	// SelectAM is the ApplicationMaster.
	SelectAM fault.Selector = "spark-am"
	// SelectExecutor is the host of one executor (the first by host name).
	SelectExecutor fault.Selector = "spark-executor"
)

func selectors() []fault.Extension {
	return []fault.Extension{{
		Addon: Name, Needs: History,
		Names: map[fault.Selector]string{
			SelectDriver:   "the driver JVM of the newest running Spark application (its AM in cluster deploy mode)",
			SelectAM:       "the ApplicationMaster JVM of the newest running Spark application",
			SelectExecutor: "the executor JVMs of the newest running Spark application on the first host that runs one",
		},
		Resolve: resolve,
		// YARN starts a lost AM again (a new attempt) and the driver asks
		// for new executors: the harness restarts none of them.
		Managed: []topology.Role{Driver, AM, Executor},
	}}
}

func resolve(s fault.Selector, snap fault.Snapshot) ([]topology.Daemon, error) {
	st, _ := snap.Addons[Name].(*Status)
	if st == nil {
		return nil, fmt.Errorf("resolve %s: no Spark state read", s)
	}
	if st.AppsErr != "" {
		return nil, fmt.Errorf("resolve %s: the running applications are unknown: %s", s, st.AppsErr)
	}
	if len(st.Apps) == 0 {
		return nil, fmt.Errorf("resolve %s: no Spark application is running", s)
	}
	newest := addon.Newest(st.Apps)
	kind, ok := map[fault.Selector]topology.Role{SelectDriver: Driver, SelectAM: AM, SelectExecutor: Executor}[s]
	if !ok {
		return nil, fmt.Errorf("resolve %s: not a Spark selector", s)
	}
	var hosts []string
	for _, p := range st.Processes {
		var match bool
		switch kind {
		case Driver:
			// A client-mode driver is in no container: it belongs to the
			// newest application when that one's AM is not a driver.
			match = p.RunsDriver && (p.App == newest.ID || p.App == "")
		default:
			match = p.Kind == kind && p.App == newest.ID
		}
		if match && !slices.Contains(hosts, p.Host) {
			hosts = append(hosts, p.Host)
		}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("resolve %s: no %s process of %s (%s) found on the hosts", s, kind, newest.ID, newest.State)
	}
	slices.Sort(hosts)
	return []topology.Daemon{{Host: hosts[0], Role: kind}}, nil
}
