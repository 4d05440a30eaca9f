package spark

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
)

// Place puts the History Server on the last host, on a copy, once.
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

// Validate wants NodeManagers to run the jobs on and one History Server.
func TestValidate(t *testing.T) {
	noNM := Place(topology.Guide())
	delete(noNM.Roles, topology.NodeManager)
	two := Place(topology.Guide())
	two.Roles[History] = []string{"hadoop001", "hadoop002"}
	addontest.Validate(t, Module(), []addontest.ValidateCase{
		{Name: "placed on the guide's", Topo: Place(topology.Guide())},
		{Name: "without Spark", Topo: topology.Guide()},
		{Name: "no nodemanager", Topo: noNM, Want: []string{"Spark runs its jobs on YARN: place at least 1 nodemanager"}},
		{Name: "two history servers", Topo: two, Want: []string{"Spark wants exactly 1 spark-history host; got 2"}},
	})
}

// spark-defaults.conf sends every job to YARN with its jars from the
// archive on the nameservice and marks the JVMs the selectors find.
func TestDefaults(t *testing.T) {
	files := addontest.Config(t, Module(), Place(topology.Guide()), DefaultsFile, Log4j2File)
	addontest.Properties(t, files[DefaultsFile], [][2]string{
		{"spark.master", "yarn"},
		{"spark.yarn.archive", "hdfs://mycluster/haharness/spark/spark-jars.zip"},
		{"spark.eventLog.dir", "hdfs://mycluster/spark-logs"},
		{"spark.history.fs.logDirectory", "hdfs://mycluster/spark-logs"},
		{"spark.driver.extraJavaOptions", "-Dproc_spark-driver -Dproc_spark-am"},
		{"spark.yarn.am.extraJavaOptions", "-Dproc_spark-am"},
		{"spark.executor.extraJavaOptions", "-Dproc_spark-executor"},
		{"spark.yarn.maxAppAttempts", "2"},
	})
}

// A job is checked before anything runs, and its command line quotes
// what it passes.
func TestComplete(t *testing.T) {
	tp := Place(topology.Guide())
	j, err := complete(tp, Job{Args: []string{"pi", "4"}})
	require.NoError(t, err)
	assert.Equal(t, Job{Class: JobsClass, Jar: JobsJar, Args: []string{"pi", "4"}, Mode: ClusterMode, Name: "haharness-pi", Host: "hadoop003"}, j)
	cmd := submitCommand(Job{Class: "C", Jar: "/j.jar", Args: []string{"it's"}, Mode: ClientMode, Name: "n", Conf: map[string]string{"spark.b": "2", "spark.a": "x y"}})
	assert.Equal(t, `spark driver --master yarn --deploy-mode client --name n --class 'C' --conf 'spark.a=x y' --conf 'spark.b=2' '/j.jar' 'it'\''s'`, cmd)
	for _, tt := range []struct {
		job  Job
		topo topology.Topology
		err  string
	}{
		{Job{Args: []string{"pi"}}, topology.Guide(), `start it with harness.WithAddons("spark")`},
		{Job{}, tp, "name one of the harness's jobs in Args"},
		{Job{Class: "C"}, tp, `give both Class and Jar (got class "C", jar "")`},
		{Job{Args: []string{"pi"}, Mode: "local"}, tp, `deploy mode "local": use "cluster" or "client"`},
		{Job{Args: []string{"pi"}, Name: "a b"}, tp, `name "a b": use letters`},
		{Job{Args: []string{"pi"}, Host: "hadoop009"}, tp, `host "hadoop009" is not a cluster host`},
	} {
		_, err := complete(tt.topo, tt.job)
		assert.ErrorContains(t, err, tt.err, "%+v", tt.job)
	}
}

// ParseProcesses tells the AM (marked driver too in cluster mode), the
// executors and a client-mode driver apart, with their applications, and
// skips the containers' bash wrappers.
func TestParseProcesses(t *testing.T) {
	out := `101 /usr/lib/jvm/java-17/bin/java -server -Xmx512m -Dproc_spark-driver -Dproc_spark-am -Dspark.yarn.app.container.log.dir=/var/log/hadoop/userlogs/application_1765000000000_0003/container_e02_1765000000000_0003_02_000001 org.apache.spark.deploy.yarn.ApplicationMaster
102 /usr/lib/jvm/java-17/bin/java -server -Dproc_spark-executor -Dspark.yarn.app.container.log.dir=/var/log/hadoop/userlogs/application_1765000000000_0003/container_1765000000000_0003_01_000002 org.apache.spark.executor.YarnCoarseGrainedExecutorBackend
103 /usr/lib/jvm/java-17/bin/java -Dproc_spark-driver -cp /opt/spark/jars/* org.apache.spark.deploy.SparkSubmit --deploy-mode client
104 /usr/lib/jvm/java-17/bin/java -Dproc_spark-driverx other`
	ps := ParseProcesses("hadoop002", out)
	assert.Equal(t, []Process{
		{Host: "hadoop002", PID: 101, Kind: AM, RunsDriver: true, Container: "container_e02_1765000000000_0003_02_000001", App: "application_1765000000000_0003"},
		{Host: "hadoop002", PID: 102, Kind: Executor, Container: "container_1765000000000_0003_01_000002", App: "application_1765000000000_0003"},
		{Host: "hadoop002", PID: 103, Kind: Driver, RunsDriver: true},
	}, ps)
}

// The input awk writes on the host is Line's: the check's expected counts
// are those of the files the job reads.
func TestInputIsLine(t *testing.T) {
	awk, err := exec.LookPath("awk")
	if err != nil {
		t.Skip("no awk here")
	}
	w := &job{p: WorkloadParams{Lines: 50}.withDefaults(), dir: "/d", salt: 421}
	for f := range WordCountFiles {
		out, err := exec.Command(awk, w.awkArgs(f)...).Output()
		require.NoError(t, err, "file %d", f)
		got := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.Len(t, got, 50)
		for l, text := range got {
			assert.Equal(t, strings.Join(Line(f, l, 50, 421), " "), text, "file %d line %d", f, l)
		}
	}
	total := int64(0)
	for _, n := range WordCounts(50, 421) {
		total += n
	}
	assert.Equal(t, int64(3*50*WordCountFiles), total)
}

// CompareOutput passes the exact output and names each kind of
// difference.
func TestCompareOutput(t *testing.T) {
	want := map[string]int64{"a": 2, "b": 1}
	files := []string{"/o/_SUCCESS", "/o/part-00000", "/o/part-00001"}
	assert.Empty(t, CompareOutput(files, "a\t2\nb\t1\n", want))
	assert.Equal(t, []string{"word a written twice"}, CompareOutput(files, "a\t1\na\t1\nb\t1", want))
	assert.Equal(t, []string{"no _SUCCESS: the job's output was never committed", "part-00001 is missing among 2 part files"},
		CompareOutput([]string{"/o/part-00000", "/o/part-00002"}, "a\t2\nb\t1", want))
	assert.Equal(t, []string{"a file that is no committed output: _temporary", "word b: count 0, want 1", "an unexpected word c"},
		CompareOutput(append(files, "/o/_temporary"), "a\t2\nc\t1", want))
}
