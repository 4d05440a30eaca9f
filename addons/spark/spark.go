// Package spark is the Apache Spark add-on: Spark 4 on the cluster's HA
// YARN, as production runs it. Spark has no standing daemons of its own on
// YARN: a job's driver runs in its ApplicationMaster (cluster deploy mode)
// or in the submitting JVM (client mode), its executors in YARN containers;
// the ResourceManager pair is found through yarn-site.xml
// (ConfiguredRMFailoverProxyProvider) and the job's files through
// hdfs://mycluster. The add-on's one daemon is the Spark History Server
// (role spark-history), reading the jobs' event logs from HDFS. Start a
// cluster with it with harness.WithAddons("spark") or `haharness up --with
// spark`.
//
// The module (Module) is everything the core needs: placement,
// spark-defaults.conf, the image layer (Spark's jars from Maven Central,
// the same jars zipped as spark.yarn.archive, the harness's jobs,
// image/SparkJobs.java), the start (the archive uploaded to HDFS once, the
// History Server), its Status section (Spark's running applications, their
// attempts, where their AM runs, and the driver, AM and executor processes
// on the hosts), the selectors spark-driver, spark-am and spark-executor,
// and the workload of scenario files (a job run through faults, its output
// checked exactly, workload.go). Submit and Run submit a job with `--master
// yarn` from a cluster host and return its application id, attempts, final
// state and driver log; `haharness spark submit` is the CLI twin.
package spark

import (
	"context"
	"embed"
	"fmt"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// Name is the add-on's name (WithAddons, --with, cluster.addons).
const Name = "spark"

// History is the Spark History Server's role.
const History topology.Role = "spark-history"

// The process kinds of a Spark application, each JVM's -Dproc_ marker (the
// name faults find it by; images/CONTRACT.md): the driver, the
// ApplicationMaster (in cluster deploy mode the same JVM as the driver,
// marked as both) and the executors.
const (
	Driver   topology.Role = "spark-driver"
	AM       topology.Role = "spark-am"
	Executor topology.Role = "spark-executor"
)

// PortHistoryWeb is the History Server's web UI and REST API (Spark's default).
const PortHistoryWeb = 18080

// Paths on HDFS and in the image.
const (
	// ArchiveHDFS is spark.yarn.archive: Spark's jars, uploaded once by the
	// start; YARN localizes it once per NodeManager (public cache).
	ArchiveHDFS = "/haharness/spark/spark-jars.zip"
	// EventLogDir holds the applications' event logs the History Server reads.
	EventLogDir = "/spark-logs"
	// ArchiveFile is the archive in the image; JobsJar the harness's jobs.
	ArchiveFile = "/opt/spark/spark-jars.zip"
	JobsJar     = "/opt/spark/haharness-spark-jobs.jar"
	// JobsClass is the main class of the harness's jobs (image/SparkJobs.java).
	JobsClass = "io.haharness.spark.SparkJobs"
	// DefaultsFile is spark-defaults.conf, rendered beside core-site.xml
	// (the launcher sets SPARK_CONF_DIR there), and Log4j2File the
	// History Server's and submitters' logging.
	DefaultsFile = "spark-defaults.conf"
	Log4j2File   = "spark-log4j2.properties"
)

// DefaultVersion is the Spark release the image carries: 4.2.0, built
// against Hadoop 3.5 and JDK 17, Scala 2.13.
const DefaultVersion = "4.2.0"

// Memory of a job's JVMs (spark-defaults.conf; a job's Conf may change
// them): driver, AM and each executor get a heap of 512 MiB and YARN
// containers of 896 MiB (Spark's 384 MiB overhead), so a job with its two
// executors takes 2.6 GiB of the NodeManagers' 9 GiB.
const (
	HeapMiB           = 512
	ExecutorInstances = 2
)

// clientMiB is what a job takes beyond the daemons: the JVM of
// spark-submit (or a client-mode driver) on a host, and its YARN
// containers, the AM and the executors, each the heap and Spark's 384 MiB
// overhead.
const clientMiB = HeapMiB + (1+ExecutorInstances)*(HeapMiB+384)

// MaxAttempts is spark.yarn.maxAppAttempts: a driver (AM) lost is started
// again once; YARN's yarn.resourcemanager.am.max-attempts (2) caps it.
const MaxAttempts = 2

// Files are the add-on's scenario files (files/*.yaml).
//
//go:embed files/*.yaml
var Files embed.FS

// Module is the Spark add-on.
func Module() addon.Module {
	return addon.Module{
		Name: Name, Title: "Spark",
		Summary: "Apache Spark on the HA YARN cluster: jobs in cluster and client deploy mode, the History Server, jars as spark.yarn.archive on hdfs://mycluster",
		Roles: []addon.Role{{Role: History, Launcher: "spark", Sub: "history", Class: "HistoryServer",
			Ports: []int{PortHistoryWeb}, WebPort: PortHistoryWeb, HeapMiB: 256, HeapEnv: "SPARK_HISTORY_OPTS"}},
		Place:    Place,
		Validate: validate,
		Config: func(t topology.Topology) map[string]map[string]string {
			return map[string]map[string]string{DefaultsFile: defaults(t), Log4j2File: log4j2()}
		},
		ClientMiB: clientMiB,
		Image:     image(DefaultVersion),
		Start:     start,
		Check: func(ctx context.Context, c addon.Cluster) error {
			app, err := Run(ctx, c, Job{Args: []string{"pi", "2"}, Name: "haharness-check"})
			if err != nil {
				return fmt.Errorf("spark check (SparkPi on YARN): %w", err)
			}
			if app.FinalStatus != "SUCCEEDED" {
				return fmt.Errorf("spark check (SparkPi on YARN): %s ended %s/%s: %s", app.ID, app.State, app.FinalStatus, addon.FirstLine(app.Diagnostics))
			}
			return nil
		},
		Status:    readStatus,
		Keep:      []string{"/haharness/spark", EventLogDir},
		Selectors: selectors(),
		Workload:  workload(),
		Scenarios: Files,
		// Each Spark file runs a job of half a minute or more: make test
		// runs this one (TestAddons), make test-long all of them.
		SmokeScenario: "spark-kill-active-rm-during-job",
		Commands:      commands(),
	}
}

// Place returns t with the History Server placed unless t places it
// already: on the last host (hadoop003 in the guide's preset, the host
// without a NameNode). A copy: t is not changed.
func Place(t topology.Topology) topology.Topology { return addon.PlaceOnLastHost(t, History) }

func validate(t topology.Topology) []string {
	var bad []string
	if len(t.On(topology.NodeManager)) == 0 {
		bad = append(bad, "Spark runs its jobs on YARN: place at least 1 nodemanager")
	}
	if n := len(t.On(History)); n != 1 {
		bad = append(bad, fmt.Sprintf("Spark wants exactly 1 %s host; got %d", History, n))
	}
	return bad
}

// start uploads Spark's jars to HDFS as spark.yarn.archive (once: a
// cluster that has it keeps it across resets), makes the event log
// directory and starts the History Server.
func start(ctx context.Context, c addon.Cluster) error {
	h := c.Topology().On(History)[0]
	script := fmt.Sprintf(`set -e
hdfs dfs -mkdir -p %[1]s $(dirname %[2]s)
hdfs dfs -chmod 1777 %[1]s
if ! hdfs dfs -test -e %[2]s; then hdfs dfs -put -f %[3]s %[2]s.uploading && hdfs dfs -mv %[2]s.uploading %[2]s; fi
hdfs dfs -chmod -R a+rX $(dirname %[2]s)`, EventLogDir, ArchiveHDFS, ArchiveFile)
	if _, err := addon.MustShell(ctx, c, h, script+" 2>&1"); err != nil {
		return fmt.Errorf("spark: upload the jars to %s: %w", ArchiveHDFS, err)
	}
	if err := c.StartDaemons(ctx, History, h); err != nil {
		return err
	}
	return poll.Until(ctx, "spark history server on "+h+" answering", 0, func(ctx context.Context) (bool, string, error) {
		if err := c.Alive(ctx, History, h); err != nil {
			return false, "", poll.Permanent(err)
		}
		up, err := historyUp(ctx, c.Addr(h, PortHistoryWeb))
		return up, fmt.Sprintf("up=%v", up), err
	})
}

// historyUp asks the History Server's REST API for its applications.
func historyUp(ctx context.Context, addr string) (bool, error) {
	return addon.Answers(ctx, "http://"+addr+"/api/v1/applications?limit=1")
}
