// Package spec is the scenario file: a versioned YAML document that
// describes one reproduction — the cluster (Hadoop version or image, extra
// hosts, configuration overrides, fencing), a workload, a schedule of faults
// and probes (each at a time, after an event, or when a condition holds,
// with holds that make them overlap), and what must hold (the invariants,
// failover within a bound, who is active at the end, files present, log
// lines that must or must not appear).
//
// Parse validates a file against the JSON Schema in schema.json (embedded;
// the same file editors can use) and then against the rules a schema cannot
// say (unique ids, references to ids, hosts of the topology), and names the
// file, line and field of each problem before anything is started. The
// fault kinds, their parameters and which go together are read from
// fault.Registry (schema.json's fault parts are generated from it). Marshal
// writes a File back (replays and shrunk schedules are written this way).
//
// It is pure: no cluster, no engine. Package scenarios runs a File
// (scenarios.Load, scenarios.FromFile); scenarios/shrink makes a failing one
// smaller.
//
// Layering: imports harness/config, harness/fault and harness/topology
// (types and validation only).
package spec

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// APIVersion is the version of the format this package reads and writes.
const APIVersion = "haharness/v1"

// File is one scenario file.
type File struct {
	APIVersion  string `yaml:"apiVersion"`
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// References are the bug reports the scenario reproduces or guards.
	References []Reference `yaml:"references,omitempty"`
	Cluster    Cluster     `yaml:"cluster,omitempty"`
	Workload   Workload    `yaml:"workload,omitempty"`
	// Schedule is what happens to the cluster, in no particular order:
	// each item starts on its own trigger.
	Schedule []Item `yaml:"schedule"`
	Expect   Expect `yaml:"expect,omitempty"`

	// addons are the add-ons Parse was given.
	addons []Addon
	// Path is where the file was read from ("" when built in code).
	Path string `yaml:"-"`
}

// Reference is one bug report.
type Reference struct {
	// ID is the issue key, e.g. HDFS-4404.
	ID    string `yaml:"id"`
	URL   string `yaml:"url,omitempty"`
	Title string `yaml:"title,omitempty"`
	// Fixed lists the releases the fix went into.
	Fixed []string `yaml:"fixed,omitempty"`
	// Affected lists releases the bug is in.
	Affected []string `yaml:"affected,omitempty"`
	Note     string   `yaml:"note,omitempty"`
}

// Cluster is how the cluster must be started. The zero value is the
// guide's cluster on the default release.
type Cluster struct {
	// Hadoop is the release (images.Releases); Image a prebuilt image.
	Hadoop string `yaml:"hadoop,omitempty"`
	Image  string `yaml:"image,omitempty"`
	// Fencing is dfs.ha.fencing.methods as config.Fencing names it.
	Fencing string `yaml:"fencing,omitempty"`
	// ExtraHosts adds hosts after the guide's three (hadoop004, ...), each
	// running a DataNode and a NodeManager.
	ExtraHosts int `yaml:"extraHosts,omitempty"`
	// Config overrides keys per rendered file (hdfs-site.xml, zoo.cfg...).
	Config map[string]map[string]string `yaml:"config,omitempty"`
	// Addons are the add-ons the cluster runs, by name (Addon.Name).
	Addons []string `yaml:"addons,omitempty"`
}

// Addon is what the scenario-file format knows of an add-on (its module,
// addon.Module): its name, where it places its roles, its fault selectors
// and the JSON schema of its workload section (workload.NAME; "" none).
// Parse and Load take the add-ons a file may name.
type Addon struct {
	Name      string
	Place     func(topology.Topology) topology.Topology
	Selectors []fault.Extension
	Workload  string
	// Files are the add-on's configuration files (cluster.config may set
	// their keys).
	Files []string
	// HARoles are the add-on's roles that elect an active: an item's
	// failover may name them.
	HARoles []string
}

// Key is the same for two files exactly when their cluster sections are:
// files with the same key can run on one cluster.
func (c Cluster) Key() string {
	b, _ := Marshal(&File{Cluster: c}, "")
	return string(b)
}

// IsZero reports whether c asks for nothing but the defaults.
func (c Cluster) IsZero() bool {
	return c.Hadoop == "" && c.Image == "" && c.Fencing == "" && c.ExtraHosts == 0 && len(c.Config) == 0 && len(c.Addons) == 0
}

// Workload is what the test process does to the cluster while the schedule
// runs. Writes always run: they are what the invariants judge. (Appends are
// not offered: the Go HDFS client this project uses loses acknowledged
// appends under faults, see README.)
type Workload struct {
	// Writes are the numbered files written one at a time.
	Writes *Writes `yaml:"writes,omitempty"`
	// MapReduce is a job submitted when the schedule starts.
	MapReduce *MapReduce `yaml:"mapreduce,omitempty"`
	// ZooKeeper are clients creating znodes while the schedule runs; every
	// create ZooKeeper acknowledged must be there at the end.
	ZooKeeper *ZooKeeperClients `yaml:"zookeeper,omitempty"`
	// Addons are the add-ons' workloads, by add-on name (workload.NAME:
	// {...}), each checked against its add-on's schema and owned by its
	// module.
	Addons map[string]any `yaml:",inline"`
}

// ZooKeeperClients tunes the ZooKeeper clients.
type ZooKeeperClients struct {
	Clients int `yaml:"clients"`
	// Interval is the pause between one client's creates (default 200ms).
	Interval Duration `yaml:"interval,omitempty"`
}

// Writes tunes the writer of numbered files.
type Writes struct {
	// Interval is the pause between writes (default 200ms).
	Interval Duration `yaml:"interval,omitempty"`
}

// MapReduce is a job of hadoop-mapreduce-examples.
type MapReduce struct {
	// Job is an examples program (pi).
	Job  string   `yaml:"job"`
	Args []string `yaml:"args,omitempty"`
}

// Item is one entry of the schedule: a fault, or a probe.
type Item struct {
	// ID names the item for triggers and reports.
	ID string `yaml:"id"`
	// Fault is a fault kind (FaultKinds); Probe a probe kind (ProbeKinds).
	// Exactly one is set.
	Fault string `yaml:"fault,omitempty"`
	Probe string `yaml:"probe,omitempty"`
	// Target is a fault selector (active-namenode, hadoop001/zkfc, ...) or,
	// for a probe, a NameNode (nn1, nn2, initial-active-namenode).
	Target string `yaml:"target,omitempty"`

	// Fault parameters.
	Signal string     `yaml:"signal,omitempty"`
	Ports  []int      `yaml:"ports,omitempty"`
	Groups [][]string `yaml:"groups,omitempty"`
	From   string     `yaml:"from,omitempty"`
	To     string     `yaml:"to,omitempty"`
	Delay  Duration   `yaml:"delay,omitempty"`
	Jitter Duration   `yaml:"jitter,omitempty"`
	Loss   float64    `yaml:"loss,omitempty"`
	Ahead  Duration   `yaml:"ahead,omitempty"`
	Behind Duration   `yaml:"behind,omitempty"`

	// Trigger: exactly one of At, After and When (none: at 0s).
	At    *Duration `yaml:"at,omitempty"`
	After string    `yaml:"after,omitempty"`
	When  string    `yaml:"when,omitempty"`
	// Wait is how long after After or When the item starts.
	Wait Duration `yaml:"wait,omitempty"`

	// Hold is how long the fault stays before it is healed; 0 keeps it
	// until the schedule ends (the final heal).
	Hold Duration `yaml:"hold,omitempty"`
	// Failover names the role whose active this fault must move away
	// (namenode, resourcemanager, or an HA role of an add-on the cluster
	// runs) within Expect.FailoverWithin.
	Failover string `yaml:"failover,omitempty"`
	// Expect, for a probe, is "refused" or "acknowledged".
	Expect string `yaml:"expect,omitempty"`
}

// IsFault reports whether the item injects a fault.
func (it Item) IsFault() bool { return it.Fault != "" }

// Expect is what must hold after the run.
type Expect struct {
	// Invariants are the built-in checks to judge (Invariants); default all.
	Invariants []string `yaml:"invariants,omitempty"`
	// StaleActiveWithin relaxes single-active-namenode and
	// single-active-resourcemanager: an old active that nothing fenced yet
	// (resumed, cut off) may still claim active this long beside the new.
	StaleActiveWithin StaleActive `yaml:"staleActiveWithin,omitempty"`
	// FailoverWithin bounds each failover an item's Failover asks for;
	// default scenarios.FailoverBound.
	FailoverWithin Duration `yaml:"failoverWithin,omitempty"`
	// NoFailover lists roles whose active must never change.
	NoFailover []string `yaml:"noFailover,omitempty"`
	// ActiveAtEnd names who is active when the run ends.
	ActiveAtEnd ActiveAtEnd `yaml:"activeAtEnd,omitempty"`
	// Writes says what writes did while a fault was in.
	Writes []WritesDuring `yaml:"writes,omitempty"`
	// Job is the MapReduce job's outcome: succeeded or failed.
	Job string `yaml:"job,omitempty"`
	// Files must be present (or absent) in HDFS at the end.
	Files []FileExpect `yaml:"files,omitempty"`
	// Logs are lines that must or must not be in a daemon's log.
	Logs []LogExpect `yaml:"logs,omitempty"`
}

// StaleActive bounds stale active claims per role; 0 allows none.
type StaleActive struct {
	NameNode        Duration `yaml:"namenode,omitempty"`
	ResourceManager Duration `yaml:"resourcemanager,omitempty"`
}

// ActiveAtEnd names the active NameNode and ResourceManager at the end.
type ActiveAtEnd struct {
	NameNode        string `yaml:"namenode,omitempty"`
	ResourceManager string `yaml:"resourcemanager,omitempty"`
}

// WritesDuring is what writes did while fault Fault was in.
type WritesDuring struct {
	Fault string `yaml:"fault"`
	// Acknowledged is "none" (no write begun after the injection was
	// acknowledged before the heal) or "some" (at least AtLeast were).
	Acknowledged string `yaml:"acknowledged"`
	AtLeast      int    `yaml:"atLeast,omitempty"`
}

// FileExpect is an HDFS path that must be present or absent.
type FileExpect struct {
	Path    string `yaml:"path"`
	Present *bool  `yaml:"present,omitempty"`
}

// LogExpect is a line that must (or must not) be in a daemon's log.
type LogExpect struct {
	// Daemon is HOST/ROLE, e.g. hadoop001/namenode.
	Daemon   string `yaml:"daemon"`
	Contains string `yaml:"contains"`
	// Present false: the line must not appear. Default true.
	Present *bool `yaml:"present,omitempty"`
}

// Want reports whether a present/absent flag asks for presence (default).
func Want(p *bool) bool { return p == nil || *p }

// Fault kinds of Item.Fault: the names of fault.Registry's kinds.
const (
	KillDaemon   = fault.KindKillDaemon
	FreezeDaemon = fault.KindFreezeDaemon
	KillHost     = fault.KindKillHost
	StopHost     = fault.KindStopHost
	FreezeHost   = fault.KindFreezeHost
	Partition    = fault.KindPartition
	Drop         = fault.KindDrop
	Isolate      = fault.KindIsolate
	Degrade      = fault.KindDegrade
	SkewClock    = fault.KindSkewClock
)

// FaultKinds lists Item.Fault's values: fault.Kinds.
func FaultKinds() []string { return fault.Kinds() }

// ProbeWriteThrough writes one file through a single NameNode (Target)
// and records whether it was acknowledged: a resumed old active must
// refuse it.
const ProbeWriteThrough = "write-through"

// Built-in invariants of Expect.Invariants.
const (
	SingleActiveNameNode        = "single-active-namenode"
	SingleActiveResourceManager = "single-active-resourcemanager"
	NoSplitBrainWrites          = "no-split-brain-writes"
	NoLostAcknowledgedWrites    = "no-lost-acknowledged-writes"
)

// Invariants lists Expect.Invariants' values, the default.
func Invariants() []string {
	return []string{SingleActiveNameNode, SingleActiveResourceManager, NoSplitBrainWrites, NoLostAcknowledgedWrites}
}

// Events an Item can start After: ID.injected, ID.healed, ID.failover
// (the active the item's Failover names has moved), or one of these.
const (
	EventNewActiveNameNode        = "new-active-namenode"
	EventNewActiveResourceManager = "new-active-resourcemanager"
)

// Conditions an Item can start When.
const (
	// CondJobRunning: the MapReduce job's application is RUNNING.
	CondJobRunning = "job-running"
	// CondWriteFailed: a write failed since the schedule began.
	CondWriteFailed = "write-failed"
)

// Duration is a time.Duration written as Go writes it ("1m30s").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes "1m30s".
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil || v < 0 {
		return fmt.Errorf("duration %q: write a non-negative Go duration such as 500ms, 10s or 1m30s", n.Value)
	}
	*d = Duration(v)
	return nil
}

// Ptr returns a pointer to d, for Item.At.
func Ptr(d time.Duration) *Duration { x := Duration(d); return &x }
