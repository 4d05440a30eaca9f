// Package addon is what a system on top of the guide's cluster (each
// module of addons/) contributes to it, as one value: a
// Module. The core (harness, config, fault, the scenario runner) knows only
// this package; each system lives in a folder of its own under addons/,
// and addons/addons.go is the one list that registers them. Deleting a
// system's folder and its line in that list removes the system.
//
// A Module says which roles the system runs and where (Place, Validate),
// what each role's daemon is (Role: launcher command, JVM class, ports,
// heap), the files it renders beside Hadoop's (Config, HostFiles), its image
// layer (Image), how it starts once Hadoop is HA ready (Start, Check), its
// section of Status (Status), the fault selectors it adds (Selectors), the
// HDFS paths a reset keeps (Keep), its lanes in a run's history (Lanes) and
// the workload a scenario file can run on it (Workload).
//
// Layering: imports topology, fault, observe, ha, the scenario invariants,
// images (Image is an images.Layer) and the engine adapter's Result type;
// never harness, the scenario runner or a module (TestLayering).
package addon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/images"
	"github.com/haharness/haharness/internal/docker"
	"github.com/haharness/haharness/scenarios/invariant"
)

// Module is one system on top of the cluster. Name and Roles are required;
// every func field may be nil (the system contributes nothing there).
type Module struct {
	// Name is the kebab-case name users give (WithAddons, --with, a
	// scenario file's cluster.addons).
	Name string
	// Title is the system's name in prose.
	Title string
	// Summary is one line for help texts.
	Summary string
	// Variant says the system changes the whole cluster (security on)
	// rather than adding a system to it: `--with all` and the e2e test of
	// every add-on at once leave it out (Catalog.Composable), and `haharness
	// up --NAME` turns it on.
	Variant bool
	// Roles are the system's daemons, in start order.
	Roles []Role
	// Place returns t with the system's roles placed, unless t places one
	// of them already (then t as it is). A copy: t is not changed.
	Place func(t topology.Topology) topology.Topology
	// Validate lists what is wrong with the system's placement in t (each
	// naming the fix); called only when t places one of its roles.
	Validate func(t topology.Topology) []string
	// Config renders the system's files in the configuration directory
	// beside Hadoop's: file name to properties, written as XML for a
	// .xml name and as Java properties otherwise. Users may override keys
	// of these files (WithConfig, --set) as of Hadoop's.
	Config func(t topology.Topology) map[string]map[string]string
	// HostFiles are files of one host, relative to the configuration
	// directory (a broker id).
	HostFiles func(t topology.Topology, host string) map[string][]byte
	// ClientMiB is the memory of what the system runs beyond its daemons
	// (EstimateMemoryMiB counts it): its client JVM on a host and, for a
	// system on YARN, the containers of its typical job.
	ClientMiB int
	// Image is the system's layer of the add-on image.
	Image Image
	// StartFirst starts what Hadoop's daemons need running before any of
	// them starts (a KDC they log in to), on every start: from nothing,
	// warm, a Restart. It returns once that serves. Start, if set, still
	// runs once Hadoop is HA ready.
	StartFirst func(ctx context.Context, c Cluster) error
	// ZooKeeperAuth, if set, are credentials every ZooKeeper session of
	// the harness adds (Cluster.ZooKeeper): a secured cluster's ACLs let
	// only them, besides the daemons' principals, read the HA znodes.
	ZooKeeperAuth func() (scheme string, auth []byte)
	// WebAuth, if set, authenticates the harness's requests to the web UIs
	// of host (a secured cluster's SPNEGO): every probe of a daemon's web
	// port goes through it.
	WebAuth func(c Cluster, host string) observe.Authenticator
	// HDFSClient, if set, completes the options of every HDFS client the
	// harness makes in the test process (Cluster.HDFS, the workloads',
	// reset's): a secured cluster's login and protection.
	HDFSClient func(c Cluster, o *hdfs.ClientOptions) error
	// Start starts the system's daemons once Hadoop is HA ready and returns
	// when they run (not necessarily ready: the harness then waits for
	// Status to be ready).
	Start func(ctx context.Context, c Cluster) error
	// Check runs once the system is ready at the end of a start: an end to
	// end operation through the system's own client (a put read back).
	Check func(ctx context.Context, c Cluster) error
	// Status reads the system's state; conn is a ZooKeeper session of the
	// cluster's ensemble, nil when none could be made.
	Status func(ctx context.Context, c Cluster, conn *zk.Conn) Section
	// Selectors are the fault selectors the system adds.
	Selectors []fault.Extension
	// Keep are HDFS paths a reset keeps (the system's own state).
	Keep []string
	// Lanes are the system's lanes in a run's history beyond its roles'
	// HA probes (Role.Probe): who ZooKeeper says leads, read from conn.
	Lanes func(t topology.Topology, conn *zk.Conn) []Lane
	// Workload is the system's workload of scenario files (nil: none).
	Workload *Workload
	// Scenarios are the system's scenario files (files/*.yaml of its
	// folder), run like scenarios/files.
	Scenarios fs.FS
	// SmokeScenario, if set, names the one file of Scenarios (files/NAME.yaml)
	// the e2e test of every add-on (TestAddons, `make test`) runs on its
	// shared cluster; then the Makefile runs the system's files in `make
	// test-long` instead of `make test`, whose budget they would break.
	SmokeScenario string
	// Commands are the system's CLI commands: `haharness NAME SUB ARGS...`
	// runs the one named SUB on a running cluster.
	Commands []Command
}

// Command is one CLI command of a system (`haharness NAME SUB`).
type Command struct {
	// Name is the subcommand; Args its synopsis; Help one line.
	Name, Args, Help string
	// Run runs it on c with the arguments after SUB, writing to stdout
	// and stderr; an error wrapping ErrUsage exits 2.
	Run func(ctx context.Context, c Cluster, args []string, stdout, stderr io.Writer) error
}

// ErrUsage marks a Command's error that is about its arguments.
var ErrUsage = errors.New("usage")

// Role is one daemon kind of a system.
type Role struct {
	Role topology.Role
	// Launcher is the command in the image that controls the daemon, and
	// its subcommand: Launcher "x", Sub "server" runs `x --daemon start
	// server`.
	Launcher, Sub string
	// Class is the name jps prints for the daemon's main class.
	Class string
	// Ports are the daemon's ports, published to the test process.
	Ports []int
	// WebPort is the daemon's web UI (0: none).
	WebPort int
	// HeapMiB is the daemon's heap and HeapEnv the hadoop-env.sh variable
	// that sets it (X_SERVER_OPTS).
	HeapMiB int
	HeapEnv string
	// HA says the role elects an active (its Section is an HASection for
	// it): a scenario file's `failover: ROLE` waits for its failover, and
	// its lanes (ROLE@HOST, role ROLE) are judged by failover-within.
	HA bool
	// Probe reads the daemon's HA state from its web port (nil: the role
	// has no HA state). A role with a probe gets a lane per host in a run's
	// history, its role name the lane's role.
	Probe func(ctx context.Context, httpAddr string) (observe.HAState, error)
}

// Image is a system's layer of the add-on image: its jars (Maven poms),
// files and Dockerfile lines. The add-on image carries every registered
// system's layer, so one image serves any choice of add-ons.
type Image = images.Layer

// Cluster is what a system's code may do to the cluster it runs on; the
// harness's *Cluster is one.
type Cluster interface {
	Topology() topology.Topology
	// Addr is where the test process reaches port on host.
	Addr(host string, port int) string
	// DialContext dials a cluster address (hadoop001:9092) from the test
	// process, through the published ports.
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	// Shell runs a shell script on host.
	Shell(ctx context.Context, host, script string) (docker.Result, error)
	// ReadFile returns a file of host's.
	ReadFile(ctx context.Context, host, path string) ([]byte, error)
	// Config is the rendered configuration directory every host has
	// (file name to contents), the add-ons' files and the user's
	// overrides included.
	Config() config.Files
	// ZooKeeper is a session of the cluster's ensemble; the caller closes it.
	ZooKeeper(ctx context.Context) (*zk.Conn, error)
	// StartDaemons starts role on hosts at once and returns once their
	// JVMs run.
	StartDaemons(ctx context.Context, role topology.Role, hosts ...string) error
	// Alive fails when role's daemon on one of hosts has exited, with its
	// last log lines.
	Alive(ctx context.Context, role topology.Role, hosts ...string) error
}

// Section is a system's part of the cluster's Status. It marshals to JSON
// as the system's own type.
type Section interface {
	// Ready lists what keeps the system from ready, each prefixed with
	// the system's name; empty when ready.
	Ready() []string
	// Summary is one line for Status.String.
	Summary() string
	// Report is the system's part of `haharness status`: a headline and
	// a table of its daemons.
	Report() string
	// Fault is what the system's selectors resolve against: its value is
	// put in fault.Snapshot.Addons under the system's name.
	Fault() any
}

// HASection is a Section of a system with HA roles (Role.HA): the
// cluster's Status.HA gives such a role's group from it, so waits,
// failovers and the CLI read the system's roles as they read the
// NameNodes'.
type HASection interface {
	Section
	// HA returns role's members, their states (ha.Normalise'd) and the
	// member the system's election lock names; false for a role it has not.
	HA(role topology.Role) (ha.Group, bool)
}

// Lane is one lane of a run's history: a daemon or a lock and its state.
type Lane struct {
	Name, Role, State string
}

// Workload is a system's workload of scenario files: its section under the
// file's workload (named after the system), described by Schema (a JSON
// schema, checked when the file loads), started before the schedule and
// judged after it.
type Workload struct {
	// Schema is the JSON schema of the section.
	Schema string
	// Start begins the workload with the section's value (JSON, {} when
	// the section is empty) and returns it running.
	Start func(ctx context.Context, c Cluster, params json.RawMessage, run Run) (Running, error)
}

// Run is what a workload knows of the run it is part of.
type Run struct {
	// Name identifies the run (scenario and seed); a workload tags what it
	// writes with it, so runs on one cluster do not mix.
	Name string
	// Duration bounds the workload's run (Stop ends it sooner).
	Duration time.Duration
	// Note records a line in the run's report.
	Note func(format string, args ...any)
}

// Running is a started workload.
type Running interface {
	// Going reports whether the workload is acknowledging operations yet,
	// and what it has done so far (the run waits for it before the
	// schedule starts).
	Going(ctx context.Context) (bool, string, error)
	// Stop ends the workload, reads back what it was told and returns its
	// checks for the run's plan: invariant.Recorded results and checks
	// over the history (a stale-active bound for its roles' lanes). h is
	// the run's history so far (its fault windows).
	Stop(ctx context.Context, h *invariant.History) ([]invariant.Check, error)
}

// LaneOf is the history lane of role's daemon on host, as the lanes of a
// role with a Probe are named: ROLE@HOST (widget@hadoop001).
func LaneOf(role topology.Role, host string) string { return string(role) + "@" + host }

// DecodeParams decodes a workload's section (Workload.Start's params) into
// a T; an empty section is T's zero value. name is the add-on's, for the
// error.
func DecodeParams[T any](name string, params json.RawMessage) (T, error) {
	var p T
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return p, fmt.Errorf("%s workload: %w", name, err)
		}
	}
	return p, nil
}

// SectionOf returns the section of add-on name in a Status's sections as
// its own type T (a module's *Status), the zero T when there is none.
func SectionOf[T Section](sections map[string]Section, name string) T {
	s, _ := sections[name].(T)
	return s
}
