package harness

import (
	"context"
	"net"

	"github.com/colinmarc/hdfs/v2"
	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
)

// The interfaces below split the methods of *Cluster by job, so a reader
// finds the faults, the clients and the views each in one place, and code
// that needs one job can say so in its parameter type. Every exported method
// of *Cluster is in exactly one of them (TestGroupsPartitionCluster checks
// it): Identity, Clients, Views, Operations and Faults. They are for
// reading and for consumers; *Cluster stays the type Start returns, and a
// consumer that needs a different subset declares its own, smaller
// interface where it is used (as scenarios.Sampler does), combining these
// when it needs more than one:
//
//	type target interface {
//		harness.Identity
//		harness.Clients
//	}

// Identity is what a cluster is: its name, plan, image, configuration, and
// the names and addresses of its hosts. It never talks to the engine.
// Each method is documented on Cluster, as are those of the other groups.
type Identity interface {
	Name() string
	Topology() topology.Topology
	Image() string
	Config() config.Files
	Container(h string) string
	IP(h string) string
}

// Clients is how a test reaches the cluster's services from this process
// (or, through Network, from containers of its own): HDFS and ZooKeeper
// clients, addresses at the published ports, the dialer behind them, and
// the web UIs. The add-ons' clients take the cluster (addons/NAME).
type Clients interface {
	HDFS(ctx context.Context) (*hdfs.Client, error)
	HDFSOn(h string) (*hdfs.Client, error)
	ZooKeeper(ctx context.Context) (*zk.Conn, error)
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	Addr(h string, port int) string
	WebUIs(ctx context.Context) ([]WebUI, error)
	Network() string
}

// Views read the cluster's state and never change it: HA status and the
// waits on it, YARN's applications, one daemon's HA probe, host and process states, logs, audit
// records, the event and init-step history, memory and CPU use, and the debugging
// artifacts written to a local directory.
type Views interface {
	Status(ctx context.Context, o StatusOptions) (Status, error)
	Applications(ctx context.Context) ([]observe.App, error)
	WaitReady(ctx context.Context) (Status, error)
	WaitNameNodeActive(ctx context.Context) error
	WaitZooKeeperQuorum(ctx context.Context) error
	ProbeHA(ctx context.Context, d topology.Daemon) (observe.HAState, error)
	HostStates(ctx context.Context) (map[string]string, error)
	HostState(ctx context.Context, h string) (string, error)
	Processes(ctx context.Context, h string) ([]Process, error)
	Logs(ctx context.Context, h string, r topology.Role, n int) (string, error)
	AuditRecords(ctx context.Context, h string) ([]observe.AuditRecord, error)
	Events() []Event
	Steps() []Step
	MemoryMiB(ctx context.Context) (int, error)
	CPUSeconds(ctx context.Context) (float64, error)
	DumpArtifacts(ctx context.Context, dir string) error
}

// Operations are what an operator does to a cluster that is not a fault:
// run commands on a host, start and stop one daemon, stop and restart the
// whole cluster (the guide's §7), and remove it.
type Operations interface {
	Exec(ctx context.Context, h string, cmd ...string) (ExecResult, error)
	Shell(ctx context.Context, h, script string) (ExecResult, error)
	StartDaemon(ctx context.Context, h string, r topology.Role) error
	StopDaemon(ctx context.Context, h string, r topology.Role) error
	Stop(ctx context.Context) error
	Restart(ctx context.Context) error
	Destroy(ctx context.Context) error
}

// Faults is the fault lifecycle of a cluster: resolve a selector, inject a
// fault, list the faults in effect, act on a host, heal everything, reset
// the cluster for the next test and look for what faults left behind. One fault in effect is an *Injection,
// which heals itself (Injection.Heal).
type Faults interface {
	Resolve(ctx context.Context, s fault.Selector) ([]topology.Daemon, error)
	Inject(ctx context.Context, f fault.Fault) (*Injection, error)
	Active() []*Injection
	HostAction(ctx context.Context, h string, a fault.HostAction) error
	Heal(ctx context.Context) (HealReport, error)
	HealAll(ctx context.Context) error
	Reset(ctx context.Context, o ResetOptions) (ResetReport, error)
	FaultResidue(ctx context.Context, h string) (fault.Residue, error)
}

// AddonHost is what the add-on modules stand on (addon.Cluster's methods
// beyond the groups above): the add-ons the cluster runs and their
// selectors, and starting, checking and reading the add-ons' daemons.
type AddonHost interface {
	Addons() addon.Catalog
	Selectors() []fault.Extension
	StartDaemons(ctx context.Context, r topology.Role, hosts ...string) error
	Alive(ctx context.Context, r topology.Role, hosts ...string) error
	ReadFile(ctx context.Context, h, path string) ([]byte, error)
}

var (
	_ AddonHost  = (*Cluster)(nil)
	_ Identity   = (*Cluster)(nil)
	_ Clients    = (*Cluster)(nil)
	_ Views      = (*Cluster)(nil)
	_ Operations = (*Cluster)(nil)
	_ Faults     = (*Cluster)(nil)
)
