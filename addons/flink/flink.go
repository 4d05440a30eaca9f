// Package flink is the Apache Flink add-on: Flink 2 on the cluster's HA
// YARN, as production runs it. Each job is an application cluster of its
// own (`flink run -t yarn-application`): its JobManager runs in the YARN
// ApplicationMaster, its TaskManagers in YARN containers; the
// ResourceManager pair is found through yarn-site.xml, the JobManager's
// leadership, job graphs and checkpoint pointers are kept in ZooKeeper
// (high-availability.type: zookeeper) and its HA data and checkpoints on
// hdfs://mycluster, so YARN restarting a lost AM (a new attempt) restores
// the job from its latest completed checkpoint. Flink on YARN has no
// standing daemon; the add-on's one daemon is Flink's HistoryServer (role
// flink-history), serving the archives finished jobs leave on HDFS. Start
// a cluster with it with harness.WithAddons("flink") or `haharness up
// --with flink`.
//
// The module (Module) is everything the core needs: placement,
// FLINK_CONF_DIR (config.yaml, log4j; config.go), the image layer (Flink's
// module jars from Maven Central, flink-yarn playing the dist jar, the
// harness's job, image/KeyedCounts.java), the start (lib/ uploaded to HDFS
// once as yarn.provided.lib.dirs, the HistoryServer) and a check (a short
// job run to FINISHED), its Status section (the running Flink applications
// with their attempts and AM host, their jobs' state and latest checkpoint
// from the JobManager's REST API through the active ResourceManager's
// proxy, and the JobManager and TaskManager processes on the hosts), the
// selectors flink-jobmanager and flink-taskmanager (YARN-managed: heal
// leaves them to YARN), and the workload of scenario files (the job run
// through faults, its output checked for exactly once, workload.go).
// Submit and Run submit a job and return its application id, attempts,
// Flink job state, checkpoints and JobManager log; `haharness flink
// submit` is the CLI twin.
package flink

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// Name is the add-on's name (WithAddons, --with, cluster.addons).
const Name = "flink"

// History is the Flink HistoryServer's role.
const History topology.Role = "flink-history"

// The process kinds of a Flink application on YARN, each JVM's -Dproc_
// marker (config.yaml's env.java.opts.jobmanager/taskmanager; the name
// faults find it by): the JobManager (in the ApplicationMaster's
// container) and the TaskManagers.
const (
	JobManager  topology.Role = "flink-jobmanager"
	TaskManager topology.Role = "flink-taskmanager"
)

// Ports: the HistoryServer's web UI and REST API, and the JobManager's
// REST port inside the cluster (rest.port; reached from the test process
// through the active ResourceManager's web proxy only).
const (
	PortHistoryWeb = 8082
	PortREST       = 8081
)

// Paths on HDFS and in the image.
const (
	// LibHDFS is yarn.provided.lib.dirs: Flink's lib/, uploaded once by
	// the start; YARN localizes its jars once per NodeManager (public
	// cache) instead of each submit shipping 70 MB.
	LibHDFS = "/haharness/flink/lib"
	// HADir is high-availability.storageDir, CheckpointDir
	// execution.checkpointing.dir, ArchiveDir where finished jobs'
	// archives go (jobmanager.archive.fs.dir) and the HistoryServer reads
	// them.
	HADir         = "/flink/ha"
	CheckpointDir = "/flink/checkpoints"
	ArchiveDir    = "/flink/completed-jobs"
	// OutDir holds the harness's jobs' output, one directory a run.
	OutDir = "/haharness-flink"
	// LibDir is Flink's lib/ in the image; JobsJar the harness's job.
	LibDir  = "/opt/flink/lib"
	JobsJar = "/opt/flink/haharness-flink-jobs.jar"
	// JobsClass is the main class of the harness's job (image/KeyedCounts.java).
	JobsClass = "io.haharness.flink.KeyedCounts"
	// ConfDir is FLINK_CONF_DIR on the hosts: config.yaml and the log4j2
	// files of the containers (shipped by the client) and of the client.
	ConfDir = config.ConfDir + "/flink"
)

// DefaultVersion is the Flink release the image carries.
const DefaultVersion = "2.2.0"

// AppType is the applicationType YARN reports for a Flink application.
const AppType = "Apache Flink"

// Memory: the JobManager and each TaskManager get a 1 GiB process
// (jobmanager/taskmanager.memory.process.size, YARN containers of 1 GiB);
// a job of parallelism 2 (one slot per TaskManager) takes 3 GiB of the
// NodeManagers' 9 GiB.
const (
	ProcessMiB  = 1024
	Parallelism = 2
)

// clientMiB is what a job takes beyond the daemons: the JVM of the Flink
// client (launcher.sh's -Xmx256m) and its YARN containers, the JobManager
// and Parallelism TaskManagers of ProcessMiB each.
const clientMiB = 256 + (1+Parallelism)*ProcessMiB

// MaxAttempts is yarn.application-attempts: a lost JobManager (AM) is
// started again; the RM's yarn.resourcemanager.am.max-attempts (2) caps it.
// Failures count only within
// yarn.application-attempt-failures-validity-interval (10 s).
const MaxAttempts = 2

// CheckpointInterval is execution.checkpointing.interval.
const CheckpointInterval = 2 * time.Second

// ZKSessionTimeout is high-availability.zookeeper.client.session-timeout:
// a killed JobManager holds its leadership until its session expires, so
// it bounds the failover of a JobManager (the ensemble caps sessions at
// 20 s).
const ZKSessionTimeout = 6 * time.Second

// Files are the add-on's scenario files (files/*.yaml).
//
//go:embed files/*.yaml
var Files embed.FS

// Module is the Flink add-on.
func Module() addon.Module {
	return addon.Module{
		Name: Name, Title: "Flink",
		Summary: "Apache Flink on the HA YARN cluster: application clusters with ZooKeeper HA, checkpoints on hdfs://mycluster, the HistoryServer, lib/ as yarn.provided.lib.dirs",
		Roles: []addon.Role{{Role: History, Launcher: "flink", Sub: "history", Class: "HistoryServer",
			Ports: []int{PortHistoryWeb}, WebPort: PortHistoryWeb, HeapMiB: 256, HeapEnv: "FLINK_HISTORY_OPTS"}},
		Place:     Place,
		Validate:  validate,
		Config:    confFiles,
		ClientMiB: clientMiB,
		Image:     image(DefaultVersion),
		Start:     start,
		Check:     check,
		Status:    readStatus,
		Keep:      []string{"/haharness/flink"},
		Selectors: selectors(),
		Workload:  workload(),
		Scenarios: Files,
		// Each Flink file runs a job of a minute and a half: make test
		// runs this one (TestAddons), make test-long all of them.
		SmokeScenario: "flink-kill-jobmanager",
		Commands:      commands(),
	}
}

// Place returns t with the HistoryServer placed unless t places it
// already: on the last host (hadoop003 in the guide's preset, the host
// without a NameNode). A copy: t is not changed.
func Place(t topology.Topology) topology.Topology { return addon.PlaceOnLastHost(t, History) }

func validate(t topology.Topology) []string {
	var bad []string
	if len(t.On(topology.NodeManager)) == 0 {
		bad = append(bad, "Flink runs its jobs on YARN: place at least 1 nodemanager")
	}
	if len(t.On(topology.ZooKeeper)) == 0 {
		bad = append(bad, "Flink keeps its JobManagers' leadership in ZooKeeper: place at least 1 zookeeper")
	}
	if n := len(t.On(History)); n != 1 {
		bad = append(bad, fmt.Sprintf("Flink wants exactly 1 %s host; got %d", History, n))
	}
	return bad
}

// start uploads Flink's lib/ to HDFS as yarn.provided.lib.dirs (once: a
// cluster that has it keeps it across resets), makes the HA, checkpoint and
// archive directories and starts the HistoryServer.
func start(ctx context.Context, c addon.Cluster) error {
	h := c.Topology().On(History)[0]
	script := fmt.Sprintf(`set -e
hdfs dfs -mkdir -p $(dirname %[1]s) %[2]s %[3]s %[4]s %[5]s
hdfs dfs -chmod 1777 %[2]s %[3]s %[4]s %[5]s
if ! hdfs dfs -test -e %[1]s/%[6]s; then
  hdfs dfs -rm -r -f -skipTrash %[1]s %[1]s.uploading >/dev/null 2>&1 || true
  hdfs dfs -mkdir -p %[1]s.uploading
  hdfs dfs -put -f %[7]s/*.jar %[1]s.uploading/
  hdfs dfs -mv %[1]s.uploading %[1]s
fi
hdfs dfs -chmod -R a+rX $(dirname %[1]s)`, LibHDFS, HADir, CheckpointDir, ArchiveDir, OutDir, DistJar(DefaultVersion), LibDir)
	if _, err := addon.MustShell(ctx, c, h, script+" 2>&1"); err != nil {
		return fmt.Errorf("flink: upload lib/ to %s: %w", LibHDFS, err)
	}
	if err := c.StartDaemons(ctx, History, h); err != nil {
		return err
	}
	return poll.Until(ctx, "flink history server on "+h+" answering", 0, func(ctx context.Context) (bool, string, error) {
		if err := c.Alive(ctx, History, h); err != nil {
			return false, "", poll.Permanent(err)
		}
		up, err := historyUp(ctx, c.Addr(h, PortHistoryWeb))
		return up, fmt.Sprintf("up=%v", up), err
	})
}

// check runs a short bounded job (40 records, parallelism 1) on YARN to
// FINISHED: the client, lib/ on HDFS, the AM, a TaskManager, a checkpoint
// and the FileSink's commit on HDFS, end to end.
func check(ctx context.Context, c addon.Cluster) error {
	res, err := Run(ctx, c, Job{Name: "haharness-check", Records: 40, Rate: 200, Keys: 4, Parallelism: 1,
		Out: fmt.Sprintf("%s/check-%d/out", OutDir, time.Now().UnixNano())})
	if err != nil {
		return fmt.Errorf("flink check (a bounded job on YARN): %w", err)
	}
	if !res.Succeeded() {
		return fmt.Errorf("flink check (a bounded job on YARN): %s ended %s/%s, job %s %s: %s\n%s", res.ID, res.State, res.FinalStatus,
			res.JobID, res.JobState, addon.FirstLine(res.Diagnostics), addon.LastLines(res.JobManagerLog, 10))
	}
	return nil
}

// historyUp asks the HistoryServer for its web configuration.
func historyUp(ctx context.Context, addr string) (bool, error) {
	return addon.Answers(ctx, "http://"+addr+"/config")
}
