package flink

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
	"github.com/haharness/haharness/scenarios/invariant"
)

func TestModuleShape(t *testing.T) {
	addontest.ModuleShape(t, Module(), Name, "Start", "Check", "Status", "Config", "Workload", "Scenarios", "Place", "Validate")
	l := addontest.Image(t, Module(), DefaultVersion, "lib")
	assert.Contains(t, string(l.Poms["lib"]), "<artifactId>flink-runtime-web</artifactId>", "the HistoryServer's jar")
	assert.Contains(t, l.Install, "flink-yarn-2.2.0.jar /opt/flink/lib/flink-dist-2.2.0.jar", "flink-yarn plays the dist jar")
	assert.Contains(t, l.Builder, "--main-class "+JobsClass)
}

// Place puts the HistoryServer on the last host, on a copy, once.
func TestPlace(t *testing.T) {
	placed := topology.Guide()
	placed.Roles[History] = []string{"hadoop001"}
	addontest.Placement(t, Module(), []addontest.PlaceCase{
		{Name: "the guide's", Topo: topology.Guide(), On: map[topology.Role][]string{History: {"hadoop003"}}},
		{Name: "five hosts", Topo: addontest.WithHosts(5), On: map[topology.Role][]string{History: {"hadoop005"}}},
		{Name: "placed already", Topo: placed, On: map[topology.Role][]string{History: {"hadoop001"}}},
		{Name: "no hosts", Topo: topology.Topology{}, On: map[topology.Role][]string{History: nil}},
	})
}

// Validate wants NodeManagers to run the jobs on and one HistoryServer.
func TestValidate(t *testing.T) {
	noNM := Place(topology.Guide())
	delete(noNM.Roles, topology.NodeManager)
	two := Place(topology.Guide())
	two.Roles[History] = []string{"hadoop001", "hadoop002"}
	addontest.Validate(t, Module(), []addontest.ValidateCase{
		{Name: "placed on the guide's", Topo: Place(topology.Guide())},
		{Name: "without Flink", Topo: topology.Guide()},
		{Name: "no nodemanager", Topo: noNM, Want: []string{"Flink runs its jobs on YARN: place at least 1 nodemanager"}},
		{Name: "two history servers", Topo: two, Want: []string{"Flink wants exactly 1 flink-history host; got 2"}},
	})
}

// config.yaml sends every job to YARN with lib/ from HDFS, ZooKeeper HA
// and checkpoints on the nameservice, and marks the JVMs the selectors
// find; it is YAML (one quoted `key: value` a line), not properties.
func TestConfig(t *testing.T) {
	files, a := addontest.Render(t, Module(), config.Overrides{ConfigFile: {"taskmanager.numberOfTaskSlots": "2"}})
	require.ElementsMatch(t, []string{ConfigFile, Log4jFile, Log4jCLI}, keys(a.Files))
	addontest.Properties(t, Settings(Place(topology.Guide())), [][2]string{
		{"yarn.provided.lib.dirs", "hdfs://mycluster/haharness/flink/lib"},
		{"high-availability.type", "zookeeper"},
		{"high-availability.storageDir", "hdfs://mycluster/flink/ha"},
		{"high-availability.zookeeper.quorum", "hadoop001:2181,hadoop002:2181,hadoop003:2181"},
		{"execution.checkpointing.dir", "hdfs://mycluster/flink/checkpoints"},
		{"execution.checkpointing.interval", "2s"},
		{"jobmanager.archive.fs.dir", "hdfs://mycluster/flink/completed-jobs"},
		{"historyserver.archive.fs.dir", "hdfs://mycluster/flink/completed-jobs"},
		{"historyserver.web.port", "8082"},
		{"env.java.opts.jobmanager", "-Dproc_flink-jobmanager"},
		{"env.java.opts.taskmanager", "-Dproc_flink-taskmanager"},
		{"jobmanager.memory.process.size", "1024m"},
		{"yarn.application-attempts", "2"},
	})
	y := string(files[ConfigFile])
	assert.Contains(t, y, "\nhigh-availability.type: 'zookeeper'\n")
	assert.Contains(t, y, "\nenv.java.opts.all: '--add-exports=java.base/sun.net.util=ALL-UNNAMED ")
	assert.NotContains(t, y, "=zookeeper")
	assert.Contains(t, y, "\ntaskmanager.numberOfTaskSlots: '2'\n", "users override config.yaml's keys")
	assert.Contains(t, string(files[Log4jFile]), "appender.main.fileName=${sys:log.file}\n")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A job is checked before anything runs, and its command line quotes
// what it passes.
func TestComplete(t *testing.T) {
	tp := Place(topology.Guide())
	j, err := complete(tp, Job{Out: "/haharness-flink/x/out"})
	require.NoError(t, err)
	assert.Equal(t, Job{Out: "hdfs://mycluster/haharness-flink/x/out", Records: 1000, Rate: 50, Keys: 10, Parallelism: 2, Name: "haharness-flink", Host: "hadoop003"}, j)
	assert.Equal(t, `flink run -t yarn-application -d '-Dyarn.application.name=haharness-flink' '-Dparallelism.default=2' `+JobsJar+` 'hdfs://mycluster/haharness-flink/x/out' 1000 50 10`, runCommand(j))
	own := runCommand(Job{Jar: "/j.jar", Class: "C", Args: []string{"it's"}, Name: "n", Parallelism: 1, Conf: map[string]string{"b": "2", "a": "x y"}})
	assert.Equal(t, `flink run -t yarn-application -d '-Dyarn.application.name=n' '-Dparallelism.default=1' '-Da=x y' '-Db=2' -c 'C' '/j.jar' 'it'\''s'`, own)
	for _, tt := range []struct {
		job  Job
		topo topology.Topology
		err  string
	}{
		{Job{Out: "/o"}, topology.Guide(), `start it with harness.WithAddons("flink")`},
		{Job{}, tp, "give the harness's job an Out directory"},
		{Job{Class: "C"}, tp, `Class and Args are for your own Jar`},
		{Job{Out: "/o", Keys: 5, Records: 2}, tp, "keys <= records"},
		{Job{Out: "/o", Name: "a b"}, tp, `name "a b": use letters`},
		{Job{Out: "/o", Host: "hadoop009"}, tp, `host "hadoop009" is not a cluster host`},
	} {
		_, err := complete(tt.topo, tt.job)
		assert.ErrorContains(t, err, tt.err, "%+v", tt.job)
	}
}

// The job id of an application in HA application mode is fixed by its
// application id (the ids of the recipe's runs).
func TestExpectedJobID(t *testing.T) {
	assert.Equal(t, "fffffffff416d6c10000000000000000", ExpectedJobID("application_1796593961436_0002"))
	assert.Equal(t, "fffffffff416d6c40000000000000000", ExpectedJobID("application_1796593961436_0005"))
}

// The submit line of the client's output names the application.
func TestSubmittedLine(t *testing.T) {
	out := "22:08:05,1 INFO  YarnClusterDescriptor - Submitting application master application_1796593961436_0005\n22:08:13 INFO x - YARN application has been deployed successfully.\n"
	assert.Equal(t, "application_1796593961436_0005", appIDPattern.FindString(submittedLine(out)))
	assert.Empty(t, submittedLine("nothing"))
}

// ParseProcesses finds the JobManager and TaskManager JVMs with their
// applications and skips the containers' bash wrappers and other JVMs.
func TestParseProcesses(t *testing.T) {
	out := `2078 /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx469762048 -Dproc_flink-jobmanager -Dlog.file=/var/log/hadoop/userlogs/application_1796593961436_0002/container_e02_1796593961436_0002_02_000001/jobmanager.log org.apache.flink.yarn.entrypoint.YarnApplicationClusterEntryPoint
2101 /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx161061270 -Dproc_flink-taskmanager -Dlog.file=/var/log/hadoop/userlogs/application_1796593961436_0002/container_1796593961436_0002_01_000003/taskmanager.log org.apache.flink.yarn.YarnTaskExecutorRunner
2000 /bin/bash -c /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Dproc_flink-taskmanager org.apache.flink.yarn.YarnTaskExecutorRunner
2200 /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Dproc_flink-history org.apache.flink.runtime.webmonitor.history.HistoryServer`
	ps := ParseProcesses("hadoop002", out)
	assert.Equal(t, []Process{
		{Host: "hadoop002", PID: 2078, Kind: JobManager, Container: "container_e02_1796593961436_0002_02_000001", App: "application_1796593961436_0002"},
		{Host: "hadoop002", PID: 2101, Kind: TaskManager, Container: "container_1796593961436_0002_01_000003", App: "application_1796593961436_0002"},
	}, ps)
	assert.Empty(t, ParseProcesses("h", ""))
}

// The REST API's JSON (as Flink 2.2 answers it) parses into overview and
// checkpoints.
func TestParseREST(t *testing.T) {
	jobs, err := ParseJobs([]byte(`{"jobs":[{"jid":"fffffffff416d6c10000000000000000","name":"KeyedCounts","start-time":1796594100000,"end-time":-1,"duration":5,"state":"RUNNING","last-modification":1,"tasks":{"running":4,"canceling":0,"canceled":0,"total":4,"created":0,"scheduled":0,"deploying":0,"reconciling":0,"finished":0,"initializing":0,"failed":0}}]}`))
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	assert.Equal(t, "fffffffff416d6c10000000000000000", jobs[0].ID)
	assert.True(t, jobs[0].AllRunning())
	jobs[0].Tasks.Running = 2
	assert.False(t, jobs[0].AllRunning(), "restarting: not all tasks run")

	cp, err := ParseCheckpoints([]byte(`{"counts":{"restored":1,"total":30,"in_progress":0,"completed":24,"failed":6},"summary":{},"latest":{"completed":{"id":26,"status":"COMPLETED","latest_ack_timestamp":1796594190326,"external_path":"hdfs://mycluster/flink/checkpoints/fffffffff416d6c10000000000000000/chk-26"},"savepoint":null,"failed":null,"restored":{"id":13,"restore_timestamp":1796594153856,"is_savepoint":false,"external_path":"hdfs://mycluster/flink/checkpoints/x/chk-13"}},"history":[]}`))
	require.NoError(t, err)
	assert.Equal(t, Checkpoints{Completed: 24, Failed: 6, Restored: 1, Latest: 26, LatestAt: time.UnixMilli(1796594190326),
		LatestPath: "hdfs://mycluster/flink/checkpoints/fffffffff416d6c10000000000000000/chk-26", RestoredID: 13, RestoredAt: time.UnixMilli(1796594153856)}, cp)
	none, err := ParseCheckpoints([]byte(`{"counts":{"restored":0,"total":0,"in_progress":0,"completed":0,"failed":0},"latest":{"completed":null,"restored":null}}`))
	require.NoError(t, err)
	assert.Equal(t, Checkpoints{}, none)
	_, err = ParseJobs([]byte("<html>"))
	assert.Error(t, err)
}

// The JobManager log's restores are found in order.
func TestRestoredFrom(t *testing.T) {
	log := `Container: container_e02_1796593961436_0002_01_000001 on hadoop003
2026-12-06 21:55:00,1 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator - Completed checkpoint 13 for job fffffffff416d6c10000000000000000
Container: container_e02_1796593961436_0002_02_000001 on hadoop002
2026-12-06 21:55:53,856 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator - Restoring job fffffffff416d6c10000000000000000 from Checkpoint 13 @ 1796594130326 for fffffffff416d6c10000000000000000 located at hdfs://mycluster/flink/checkpoints/fffffffff416d6c10000000000000000/chk-13.
2026-12-06 21:56:34,283 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator - Restoring job fffffffff416d6c10000000000000000 from Checkpoint 26 @ 1 for x located at y
2026-12-06 22:06:04,1 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph - Job KeyedCounts (fffffffff416d6c10000000000000000) switched from state RUNNING to FINISHED.
some other line`
	assert.Equal(t, []int64{13, 26}, RestoredFrom(log))
	assert.Equal(t, "FINISHED", lastJobState(log))
	ex := Excerpt(log)
	assert.NotContains(t, ex, "some other line")
	assert.Equal(t, 6, strings.Count(ex, "\n"))
}

// VerifyOutput passes the exact output and names each kind of
// difference: a record missing, one twice, an unexpected one, a count
// replayed.
func TestVerifyOutput(t *testing.T) {
	// 6 records over 2 keys: k0,0 k1,0 k0,1 k1,1 k0,2 k1,2.
	good := "k0,0,1\nk1,0,1\nk0,1,2\nk1,1,2\nk1,2,3\nk0,2,3\n"
	assert.Empty(t, VerifyOutput(good, 6, 2))
	assert.Empty(t, VerifyOutput("k0,2,1\nk0,0,2\nk0,1,3\nk1,0,1\nk1,1,2\nk1,2,3", 6, 2), "the two source halves interleave per key")
	assert.Equal(t, []string{"1 record(s) missing: k1,2", "key k1: count 3 appears 0 times, want once (state lost or replayed)"},
		VerifyOutput("k0,0,1\nk1,0,1\nk0,1,2\nk1,1,2\nk0,2,3\n", 6, 2))
	assert.Equal(t, []string{"1 record(s) written more than once: k1,2 (2 times)", "key k1: count 3 appears 2 times, want once (state lost or replayed)"},
		VerifyOutput(good+"k1,2,3\n", 6, 2))
	assert.Equal(t, []string{"1 record(s) unexpected: k2,0"}, VerifyOutput(good+"k2,0,1\n", 6, 2))
	assert.Contains(t, VerifyOutput(good+"junk\n", 6, 2), "a line that is no key,seq,count: junk")
	assert.Equal(t, []string{"4 record(s) missing: k0,1 k0,2 k1,1 k1,2", "key k0: count 2 appears 0 times, want once (state lost or replayed)",
		"key k1: count 2 appears 0 times, want once (state lost or replayed)"}, VerifyOutput("k0,0,1\nk1,0,1\n", 6, 2))
}

// A kill's recovery: the latest checkpoint seen completed before it, the
// time to all tasks running again; the checks judge both.
func TestRecoveries(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 22, 9, 3, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	windows := []invariant.FaultWindow{{Fault: "kill-daemon KILL flink-jobmanager", Start: at(0), End: at(5)},
		{Fault: "kill-daemon KILL active-namenode", Start: at(30), End: at(50)}}
	timeline := []Sample{{At: at(-10), State: "RUNNING", AllRunning: true, Attempts: 1}, {At: at(0.4), Attempts: 1},
		{At: at(10), State: "RESTARTING", Attempts: 2}, {At: at(15.6), State: "RUNNING", AllRunning: true, Attempts: 2}}
	seen := []CheckpointSeen{{ID: 7, At: at(-2.1)}, {ID: 8, At: at(-0.3)}, {ID: 9, At: at(19)}}
	rs := Recoveries(windows, timeline, seen)
	require.Len(t, rs, 1, "only the Flink kills")
	assert.Equal(t, int64(8), rs[0].Before)
	assert.Equal(t, 15600*time.Millisecond, rs[0].Took())

	assert.Equal(t, invariant.Pass, RestoredLatest(rs, []int64{8}).Verdict)
	assert.Equal(t, invariant.Pass, RestoredLatest(rs, []int64{9}).Verdict, "one completed unseen in the last poll gap")
	bad := RestoredLatest(rs, []int64{7})
	assert.Equal(t, invariant.Fail, bad.Verdict)
	assert.Contains(t, bad.Details[0], "latest checkpoint completed before it 8, restored from -1")
	assert.Equal(t, invariant.Pass, RecoveredWithin(rs, 20*time.Second).Verdict)
	slow := RecoveredWithin(rs, 10*time.Second)
	assert.Equal(t, invariant.Fail, slow.Verdict)
	assert.Contains(t, slow.Details[0], "after 15.6s")
	never := Recoveries(windows[:1], timeline[:3], seen)
	assert.Equal(t, invariant.Fail, RecoveredWithin(never, time.Minute).Verdict)
}

// healthy is the guide's cluster with Flink placed and two applications
// running: the newer's JobManager on hadoop002, its TaskManagers on
// hadoop001 and hadoop003.
func healthy() fault.Snapshot {
	old, cur := "application_1796593961436_0001", "application_1796593961436_0002"
	return addontest.Healthy(Module(), &Status{HistoryHost: "hadoop003", HistoryUp: true,
		Apps: []App{{App: observe.App{ID: old, Started: 1}}, {App: observe.App{ID: cur, Started: 2}}},
		Processes: []Process{
			{Host: "hadoop001", PID: 1, Kind: JobManager, App: old},
			{Host: "hadoop002", PID: 2, Kind: JobManager, App: cur},
			{Host: "hadoop003", PID: 3, Kind: TaskManager, App: cur},
			{Host: "hadoop001", PID: 4, Kind: TaskManager, App: cur},
		}})
}

func TestResolve(t *testing.T) {
	addontest.Resolve(t, Module(), healthy, []addontest.ResolveCase[*Status]{
		{Name: "jobmanager of the newest", Sel: SelectJobManager, Want: []string{"hadoop002/flink-jobmanager"}},
		{Name: "taskmanager on the first host", Sel: SelectTaskManager, Want: []string{"hadoop001/flink-taskmanager"}},
		{Name: "no application", Sel: SelectJobManager, Mod: func(s *Status, _ *fault.Snapshot) { s.Apps = nil },
			Err: "resolve flink-jobmanager: no Flink application is running"},
		{Name: "between attempts", Sel: SelectJobManager, Mod: func(s *Status, _ *fault.Snapshot) { s.Processes = s.Processes[2:] },
			Err: "resolve flink-jobmanager: no flink-jobmanager process of application_1796593961436_0002"},
		{Name: "applications unknown", Sel: SelectTaskManager, Mod: func(s *Status, _ *fault.Snapshot) { s.AppsErr = "no active resourcemanager" },
			Err: "resolve flink-taskmanager: the running applications are unknown: no active resourcemanager"},
	})
	assert.True(t, fault.Managed(JobManager, Module().Selectors...))
	assert.True(t, fault.Managed(TaskManager, Module().Selectors...))
}

func TestSelectorsNeedTheAddon(t *testing.T) {
	addontest.SelectorsNeedTheAddon(t, Module(), SelectJobManager, SelectTaskManager)
	addontest.EverySelector(t, Module(), History, healthy, SelectJobManager, SelectTaskManager)
}

func TestStatus(t *testing.T) {
	ready := func() *Status { return healthy().Addons[Name].(*Status) }
	addontest.Ready(t, Name, ready, []addontest.ReadyCase[*Status]{
		{Name: "history down", Mod: func(s *Status) { s.HistoryUp = false }, Want: "flink: the history server on hadoop003 does not answer"},
	})
	s := ready()
	s.Apps[1].Name, s.Apps[1].State, s.Apps[1].AMHost = "haharness-flink", "RUNNING", "hadoop002"
	s.Apps[1].Attempts = []observe.AppAttempt{{N: 1, State: "FAILED", NodeHTTP: "hadoop003:8042"}, {N: 2, State: "RUNNING", NodeHTTP: "hadoop002:8042"}}
	j := JobStatus{Checkpoints: Checkpoints{Latest: 26, RestoredID: 13}}
	j.ID, j.State, j.Tasks.Running, j.Tasks.Total = "fffffffff416d6c10000000000000000", "RUNNING", 4, 4
	s.Apps[1].Jobs = []JobStatus{j}
	addontest.Report(t, []addontest.ReportCase{{Name: "running", Status: s, Summary: "flink[history=true apps=2]",
		Headline: "Flink: history server on hadoop003 answering (port 8082); 2 running application(s)",
		Lines: []string{`application_1796593961436_0002 +haharness-flink +RUNNING +JM \(AM\) on hadoop002 +attempts 1:FAILED@hadoop003 2:RUNNING@hadoop002`,
			`job fffffffff416d6c10000000000000000 +RUNNING +tasks 4/4 +checkpoint 26, restored from 13`,
			`flink-taskmanager +hadoop003 +pid 3`}}})
	addontest.SectionOf(t, Module(), s, StatusOf)
}

func TestWorkloadSchema(t *testing.T) {
	addontest.WorkloadSchemaMatches(t, workloadSchema, WorkloadParams{})
	p := WorkloadParams{}.withDefaults()
	assert.Equal(t, WorkloadParams{Records: 1600, Rate: 20, Keys: 10, Parallelism: 2, MinAttempts: 1, RecoverySeconds: 60}, p)
}
