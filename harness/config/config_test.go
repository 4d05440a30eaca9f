package config_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/guide from Render's output")

const goldenDir = "testdata/guide"

func render(t *testing.T, topo topology.Topology, o config.Options) config.Files {
	t.Helper()
	files, err := config.Render(topo, o)
	require.NoError(t, err, "Render")
	return files
}

// TestGolden compares every file Render produces for the guide's topology
// with testdata/guide. Run with -update to rewrite the golden files.
func TestGolden(t *testing.T) {
	files := render(t, topology.Guide(), config.Options{})
	if *update {
		require.NoError(t, os.RemoveAll(goldenDir))
		require.NoError(t, os.MkdirAll(goldenDir, 0o755))
		for name, b := range files {
			require.NoError(t, os.WriteFile(filepath.Join(goldenDir, name), b, 0o644))
		}
	}
	entries, err := os.ReadDir(goldenDir)
	require.NoError(t, err, "read golden files (run go test -update to create them)")
	var golden []string
	for _, e := range entries {
		golden = append(golden, e.Name())
	}
	assert.Equal(t, files.Names(), golden, "golden files differ from the files Render produced (run go test -update)")
	for _, name := range files.Names() {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(goldenDir, name))
			require.NoError(t, err, "read golden file (run go test -update)")
			got := files[name]
			assert.Equal(t, string(want), string(got),
				"Render %s differs from %s (run go test -update if the change is intended):\n%s",
				name, filepath.Join(goldenDir, name), lineDiff(string(want), string(got)))
		})
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

// parseXML reads a Hadoop configuration file into its properties.
func parseXML(t *testing.T, b []byte) map[string]string {
	t.Helper()
	props, err := config.ParseXML(b)
	require.NoError(t, err, "%s", b)
	return props
}

// parseLines reads key=value lines (zoo.cfg, log4j.properties) or export
// lines (hadoop-env.sh), skipping comments.
func parseLines(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		require.True(t, ok, "line %q has no '='", line)
		out[k] = strings.Trim(v, `"`)
	}
	return out
}

func TestGuideValues(t *testing.T) {
	files := render(t, topology.Guide(), config.Options{})
	core := parseXML(t, files["core-site.xml"])
	hdfs := parseXML(t, files["hdfs-site.xml"])
	yarn := parseXML(t, files["yarn-site.xml"])
	zoo := parseLines(t, files["zoo.cfg"])
	env := parseLines(t, files["hadoop-env.sh"])
	tests := []struct {
		file, key string
		got       string
		want      string
	}{
		{"core-site.xml", "fs.defaultFS", core["fs.defaultFS"], "hdfs://mycluster"},
		{"core-site.xml", "ha.zookeeper.quorum", core["ha.zookeeper.quorum"], "hadoop001:2181,hadoop002:2181,hadoop003:2181"},
		{"core-site.xml", "ha.zookeeper.session-timeout.ms", core["ha.zookeeper.session-timeout.ms"], fmt.Sprint(config.Timing.ZKSessionTimeoutMS)},
		{"hdfs-site.xml", "dfs.nameservices", hdfs["dfs.nameservices"], "mycluster"},
		{"hdfs-site.xml", "dfs.ha.namenodes.mycluster", hdfs["dfs.ha.namenodes.mycluster"], "nn1,nn2"},
		{"hdfs-site.xml", "dfs.namenode.rpc-address.mycluster.nn1", hdfs["dfs.namenode.rpc-address.mycluster.nn1"], "hadoop001:8020"},
		{"hdfs-site.xml", "dfs.namenode.rpc-address.mycluster.nn2", hdfs["dfs.namenode.rpc-address.mycluster.nn2"], "hadoop002:8020"},
		{"hdfs-site.xml", "dfs.namenode.http-address.mycluster.nn2", hdfs["dfs.namenode.http-address.mycluster.nn2"], "hadoop002:9870"},
		{"hdfs-site.xml", "dfs.namenode.shared.edits.dir", hdfs["dfs.namenode.shared.edits.dir"], "qjournal://hadoop001:8485;hadoop002:8485;hadoop003:8485/mycluster"},
		{"hdfs-site.xml", "dfs.client.failover.proxy.provider.mycluster", hdfs["dfs.client.failover.proxy.provider.mycluster"], "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider"},
		{"hdfs-site.xml", "dfs.ha.automatic-failover.enabled", hdfs["dfs.ha.automatic-failover.enabled"], "true"},
		{"hdfs-site.xml", "dfs.ha.fencing.methods", hdfs["dfs.ha.fencing.methods"], config.SSHFenceCommand + "\nshell(/bin/true)"},
		{"hdfs-site.xml", "dfs.ha.fencing.ssh.private-key-files", hdfs["dfs.ha.fencing.ssh.private-key-files"], config.SSHPrivateKey},
		{"hdfs-site.xml", "dfs.replication", hdfs["dfs.replication"], "3"},
		{"yarn-site.xml", "yarn.resourcemanager.ha.enabled", yarn["yarn.resourcemanager.ha.enabled"], "true"},
		{"yarn-site.xml", "yarn.resourcemanager.cluster-id", yarn["yarn.resourcemanager.cluster-id"], "my-yarn-cluster"},
		{"yarn-site.xml", "yarn.resourcemanager.ha.rm-ids", yarn["yarn.resourcemanager.ha.rm-ids"], "rm1,rm2"},
		{"yarn-site.xml", "yarn.resourcemanager.hostname.rm1", yarn["yarn.resourcemanager.hostname.rm1"], "hadoop002"},
		{"yarn-site.xml", "yarn.resourcemanager.hostname.rm2", yarn["yarn.resourcemanager.hostname.rm2"], "hadoop003"},
		{"yarn-site.xml", "yarn.resourcemanager.webapp.address.rm2", yarn["yarn.resourcemanager.webapp.address.rm2"], "hadoop003:8088"},
		{"yarn-site.xml", "hadoop.zk.address", yarn["hadoop.zk.address"], "hadoop001:2181,hadoop002:2181,hadoop003:2181"},
		{"yarn-site.xml", "yarn.resourcemanager.store.class", yarn["yarn.resourcemanager.store.class"], "org.apache.hadoop.yarn.server.resourcemanager.recovery.ZKRMStateStore"},
		{"yarn-site.xml", "yarn.resourcemanager.recovery.enabled", yarn["yarn.resourcemanager.recovery.enabled"], "true"},
		{"zoo.cfg", "server.1", zoo["server.1"], "hadoop001:2888:3888"},
		{"zoo.cfg", "server.3", zoo["server.3"], "hadoop003:2888:3888"},
		{"zoo.cfg", "clientPort", zoo["clientPort"], "2181"},
		{"zoo.cfg", "dataDir", zoo["dataDir"], config.ZooKeeperDir},
		{"hadoop-env.sh", "HDFS_NAMENODE_OPTS", env["HDFS_NAMENODE_OPTS"], "-Xmx384m -Dhdfs.audit.logger=INFO,RFAAUDIT"},
		{"hadoop-env.sh", "HADOOP_LOG_DIR", env["HADOOP_LOG_DIR"], config.LogDir},
		{"workers", "", string(files["workers"]), "hadoop001\nhadoop002\nhadoop003\n"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.key, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got, "%s %s", tt.file, tt.key)
		})
	}
	want := []string{"capacity-scheduler.xml", "core-site.xml", "hadoop-env.sh", "hdfs-site.xml", "log4j.properties", "mapred-site.xml", "workers", "yarn-site.xml", "zoo.cfg"}
	assert.Equal(t, want, files.Names(), "Names")
	assert.NotContains(t, zoo, "server.4", "zoo.cfg has a server.4 for a three-host ensemble")
}

func TestRenderIsDeterministic(t *testing.T) {
	a := render(t, topology.Guide(), config.Options{})
	for range 5 {
		b := render(t, topology.Guide(), config.Options{})
		require.Equal(t, a.Names(), b.Names(), "two renders produce different files")
		for _, name := range a.Names() {
			require.Equal(t, string(a[name]), string(b[name]), "two renders of %s differ", name)
		}
	}
}

func TestFencing(t *testing.T) {
	tests := []struct {
		fencing config.Fencing
		want    string
		wantErr string
	}{
		{"", config.SSHFenceCommand + "\nshell(/bin/true)", ""},
		{config.FenceSSHThenShell, config.SSHFenceCommand + "\nshell(/bin/true)", ""},
		{config.FenceSSH, "sshfence", ""},
		{config.FenceShell, "shell(/bin/true)", ""},
		{"ssh", "", `unknown fencing "ssh": use "sshfence+shell", "sshfence" or "shell"`},
	}
	for _, tt := range tests {
		t.Run(string(tt.fencing), func(t *testing.T) {
			files, err := config.Render(topology.Guide(), config.Options{Fencing: tt.fencing})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr, "Render")
				assert.Error(t, (config.Options{Fencing: tt.fencing}).Validate(), "Options.Validate accepts what Render rejects")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, parseXML(t, files["hdfs-site.xml"])["dfs.ha.fencing.methods"], "dfs.ha.fencing.methods")
		})
	}
}

func TestOverrides(t *testing.T) {
	files := render(t, topology.Guide(), config.Options{Overrides: config.Overrides{
		"hdfs-site.xml": {
			"dfs.replication":          "2",                 // replace
			"dfs.example.added":        "yes",               // add
			"dfs.ha.tail-edits.period": "",                  // remove
			"dfs.ha.fencing.methods":   "shell(/bin/false)", // replace a computed key
		},
		"core-site.xml":    {"ha.zookeeper.session-timeout.ms": "8000"},
		"zoo.cfg":          {"tickTime": "2000", "autopurge.purgeInterval": ""},
		"hadoop-env.sh":    {"HDFS_NAMENODE_OPTS": "-Xmx1g", "EXTRA": "1"},
		"log4j.properties": {"hadoop.root.logger": "DEBUG,console"},
	}})
	hdfs := parseXML(t, files["hdfs-site.xml"])
	core := parseXML(t, files["core-site.xml"])
	zoo := parseLines(t, files["zoo.cfg"])
	env := parseLines(t, files["hadoop-env.sh"])
	log4j := parseLines(t, files["log4j.properties"])
	tests := []struct {
		name      string
		got, want string
	}{
		{"replace dfs.replication", hdfs["dfs.replication"], "2"},
		{"add dfs.example.added", hdfs["dfs.example.added"], "yes"},
		{"replace dfs.ha.fencing.methods", hdfs["dfs.ha.fencing.methods"], "shell(/bin/false)"},
		{"untouched dfs.nameservices", hdfs["dfs.nameservices"], "mycluster"},
		{"replace core session timeout", core["ha.zookeeper.session-timeout.ms"], "8000"},
		{"replace zoo tickTime", zoo["tickTime"], "2000"},
		{"replace env", env["HDFS_NAMENODE_OPTS"], "-Xmx1g"},
		{"add env", env["EXTRA"], "1"},
		{"replace log4j", log4j["hadoop.root.logger"], "DEBUG,console"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
	for _, removed := range []struct {
		file, key string
		kv        map[string]string
	}{{"hdfs-site.xml", "dfs.ha.tail-edits.period", hdfs}, {"zoo.cfg", "autopurge.purgeInterval", zoo}} {
		assert.NotContains(t, removed.kv, removed.key, "%s still has %s=%q after an empty override",
			removed.file, removed.key, removed.kv[removed.key])
	}
	// Overrides apply to one render only.
	again := parseXML(t, render(t, topology.Guide(), config.Options{})["hdfs-site.xml"])
	assert.Equal(t, "3", again["dfs.replication"], "a render without overrides sees the previous overrides: replication")
	assert.Equal(t, "2s", again["dfs.ha.tail-edits.period"], "a render without overrides sees the previous overrides: tail-edits")
}

// An add-on's files are rendered beside Hadoop's, overridable like them,
// and its environment goes into hadoop-env.sh.
func TestAddonFiles(t *testing.T) {
	w := config.Addon{Name: "widget", Files: map[string]map[string]string{"widget-site.xml": {"gears": "2"}, "widget.properties": {"a": "b"}},
		Env: map[string]string{"WIDGET_OPTS": "-Xmx64m"}}
	files := render(t, topology.Guide(), config.Options{Addons: []config.Addon{w}, Overrides: config.Overrides{"widget-site.xml": {"gears": "3"}}})
	assert.Equal(t, "3", parseXML(t, files["widget-site.xml"])["gears"])
	assert.Contains(t, string(files["widget.properties"]), "\na=b\n")
	assert.Contains(t, string(files["hadoop-env.sh"]), "WIDGET_OPTS")
	assert.Equal(t, "2", w.Files["widget-site.xml"]["gears"], "an override changed the add-on's own map")
}

// An add-on's part of one of Hadoop's files adds and replaces keys, keeps
// the others, and is overridable as the file is; the file is listed once.
func TestAddonKeysInHadoopsFiles(t *testing.T) {
	a := config.Addon{Name: "guard", Files: map[string]map[string]string{
		"core-site.xml": {"hadoop.security.authorization": "true", "ipc.client.connect.timeout": "4000"},
		"hadoop-env.sh": {"HDFS_NAMENODE_USER": "hdfs", "HDFS_ZKFC_OPTS+": "-Dguard=on"},
	}}
	files := render(t, topology.Guide(), config.Options{Addons: []config.Addon{a},
		Overrides: config.Overrides{"core-site.xml": {"hadoop.security.authorization": "false"}}})
	core := parseXML(t, files["core-site.xml"])
	assert.Equal(t, "false", core["hadoop.security.authorization"], "the user's override wins over the add-on's key")
	assert.Equal(t, "4000", core["ipc.client.connect.timeout"], "the add-on's key replaces Hadoop's")
	assert.Equal(t, "hdfs://mycluster", core["fs.defaultFS"], "Hadoop's other keys are kept")
	assert.Contains(t, string(files["hadoop-env.sh"]), "HDFS_NAMENODE_USER")
	assert.Contains(t, string(files["hadoop-env.sh"]), "JAVA_HOME", "hadoop-env.sh keeps its entries")
	assert.Contains(t, string(files["hadoop-env.sh"]), `export HDFS_ZKFC_OPTS="-Xmx`, "an appended key keeps its value")
	assert.Contains(t, string(files["hadoop-env.sh"]), ` -Dguard=on"`, "an appended key gets the add-on's value at its end")
	assert.NotContains(t, string(files["hadoop-env.sh"]), "HDFS_ZKFC_OPTS+")
	names := config.Overridable([]config.Addon{a})
	assert.Len(t, names, len(slices.Compact(slices.Sorted(slices.Values(names)))), "a file listed twice: %v", names)
}

func TestOverrideErrors(t *testing.T) {
	overridable := "overridable files are [core-site.xml hdfs-site.xml yarn-site.xml mapred-site.xml capacity-scheduler.xml zoo.cfg log4j.properties hadoop-env.sh]"
	tests := []struct {
		name string
		o    config.Overrides
		want []string
	}{
		{"unknown file", config.Overrides{"hive-site.xml": {"k": "v"}}, []string{`override of unknown config file "hive-site.xml"`, overridable}},
		{"add-on file without the add-on", config.Overrides{"widget-site.xml": {"k": "v"}}, []string{`override of unknown config file "widget-site.xml"`, overridable}},
		{"workers is not overridable", config.Overrides{"workers": {"hadoop004": "x"}}, []string{`override of unknown config file "workers"`, overridable}},
		{"path instead of name", config.Overrides{"etc/hadoop/core-site.xml": {"k": "v"}}, []string{`unknown config file "etc/hadoop/core-site.xml"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Render(topology.Guide(), config.Options{Overrides: tt.o})
			require.Error(t, err, "Render = nil error, want one containing %q", tt.want)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

// withDataNodes returns the guide's topology with n hosts, all of them
// DataNodes and NodeManagers.
func withDataNodes(n int) topology.Topology {
	t := topology.Guide()
	var hosts []string
	for i := range n {
		hosts = append(hosts, fmt.Sprintf("hadoop%03d", i+1))
	}
	t.Hosts = append(slices.Clone(t.Hosts), hosts[min(n, 3):]...)
	t.Roles[topology.DataNode] = hosts
	t.Roles[topology.NodeManager] = hosts
	return t
}

func TestReplication(t *testing.T) {
	tests := []struct {
		dataNodes int
		want      string
	}{{1, "1"}, {2, "2"}, {3, "3"}, {5, "3"}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.dataNodes), func(t *testing.T) {
			topo := withDataNodes(tt.dataNodes)
			require.NoError(t, topo.Validate())
			files := render(t, topo, config.Options{})
			assert.Equal(t, tt.want, parseXML(t, files["hdfs-site.xml"])["dfs.replication"], "dfs.replication with %d DataNodes", tt.dataNodes)
			assert.Equal(t, tt.dataNodes, strings.Count(string(files["workers"]), "\n"), "lines in workers")
		})
	}
}

func TestMyID(t *testing.T) {
	g := topology.Guide()
	tests := []struct{ host, want string }{
		{"hadoop001", "1\n"},
		{"hadoop002", "2\n"},
		{"hadoop003", "3\n"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(config.MyID(g, tt.host)), "MyID(%s)", tt.host)
	}
	// myid matches the server.N line of zoo.cfg.
	zoo := parseLines(t, render(t, g, config.Options{})["zoo.cfg"])
	for _, h := range g.On(topology.ZooKeeper) {
		id := strings.TrimSpace(string(config.MyID(g, h)))
		got := zoo["server."+id]
		assert.True(t, strings.HasPrefix(got, h+":"), "zoo.cfg server.%s = %q, want host %s", id, got, h)
	}
}

func TestEstimateMemoryMiB(t *testing.T) {
	guide := topology.Guide()
	bigger := withDataNodes(5)
	moreNN := topology.Guide()
	moreNN.Roles[topology.NameNode] = []string{"hadoop001", "hadoop002", "hadoop003"}
	moreNN.Roles[topology.ZKFC] = []string{"hadoop001", "hadoop002", "hadoop003"}
	tests := []struct {
		name          string
		smaller, more topology.Topology
	}{
		{"two more DataNodes and NodeManagers", guide, bigger},
		{"a third NameNode and ZKFC", guide, moreNN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, m := config.EstimateMemoryMiB(tt.smaller, nil, 0), config.EstimateMemoryMiB(tt.more, nil, 0)
			assert.Greater(t, m, s, "EstimateMemoryMiB of the larger cluster")
		})
	}
	got := config.EstimateMemoryMiB(guide, nil, 0)
	assert.GreaterOrEqual(t, got, 4096, "EstimateMemoryMiB(guide) MiB, outside a plausible 4..16 GiB")
	assert.LessOrEqual(t, got, 16384, "EstimateMemoryMiB(guide) MiB, outside a plausible 4..16 GiB")
	assert.Positive(t, config.EstimateMemoryMiB(topology.Topology{}, nil, 0), "EstimateMemoryMiB(empty), want the job's share > 0")
}

// An add-on's .yaml file is written as flat YAML, each value a
// single-quoted string (a ' doubled), its keys sorted, overrides applied.
func TestRenderYAML(t *testing.T) {
	a := config.Addon{Name: "w", Files: map[string]map[string]string{"w/conf.yaml": {"b": "x: y", "a": "it's", "c": "1"}}}
	files, err := config.Render(topology.Guide(), config.Options{Addons: []config.Addon{a}, Overrides: config.Overrides{"w/conf.yaml": {"c": ""}}})
	require.NoError(t, err)
	assert.Equal(t, "# Rendered by haharness.\na: 'it''s'\nb: 'x: y'\n", string(files["w/conf.yaml"]))
}
