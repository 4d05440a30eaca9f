package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

const valid = `apiVersion: haharness/v1
name: two-faults
description: a kill and a probe after it
cluster:
  fencing: shell
  extraHosts: 1
  config:
    hdfs-site.xml:
      dfs.ha.tail-edits.period: 1s
workload:
  writes: {interval: 100ms}
  zookeeper: {clients: 2}
  mapreduce:
    job: pi
schedule:
  - id: kill
    fault: kill-daemon
    target: active-namenode
    signal: TERM
    at: 5s
    hold: 10s
    failover: namenode
  - id: dn4
    fault: kill-host
    target: hadoop004
    after: kill.failover
    wait: 1s
  - id: probe
    probe: write-through
    target: initial-active-namenode
    after: kill.healed
    expect: refused
  - id: lossy
    fault: degrade
    target: standby-namenode
    loss: 5
    when: job-running
expect:
  staleActiveWithin: {namenode: 15s, resourcemanager: 5s}
  activeAtEnd: {namenode: nn2}
  writes:
    - {fault: kill, acknowledged: some, atLeast: 3}
  job: succeeded
  logs:
    - {daemon: hadoop002/zkfc, contains: fencing, present: true}
`

func TestParseValid(t *testing.T) {
	f, err := Parse("valid.yaml", []byte(valid))
	require.NoError(t, err)
	assert.Equal(t, "two-faults", f.Name)
	assert.Equal(t, "valid.yaml", f.Path)
	require.Len(t, f.Schedule, 4)
	assert.Equal(t, 5*time.Second, f.Schedule[0].At.D())
	assert.Equal(t, 10*time.Second, f.Schedule[0].Hold.D())
	assert.Equal(t, "kill.failover", f.Schedule[1].After)
	assert.Equal(t, 15*time.Second, f.Expect.StaleActiveWithin.NameNode.D())
	assert.Equal(t, 5*time.Second, f.Expect.StaleActiveWithin.ResourceManager.D())
	assert.Equal(t, 100*time.Millisecond, f.Workload.Writes.Interval.D())
	assert.Equal(t, 2, f.Workload.ZooKeeper.Clients)
	assert.Equal(t, []string{"hadoop001", "hadoop002", "hadoop003", "hadoop004"}, f.Topology().Hosts)
	ft, err := f.Schedule[0].FaultOf()
	require.NoError(t, err)
	assert.Equal(t, fault.KillDaemon{Target: fault.ActiveNameNode, Signal: "TERM"}, ft)
	d, err := f.Schedule[3].FaultOf()
	require.NoError(t, err)
	assert.Equal(t, fault.Degrade{Target: fault.StandbyNameNode, LossPercent: 5}, d)
}

// Each problem is named with the file, its line and its field, and every
// problem of a file is reported at once.
func TestProblemsNameFileLineAndField(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"not yaml", "name: [", []string{"bad.yaml: not YAML"}},
		{"empty", "", []string{"bad.yaml:1: (file): empty"}},
		{"schema", "apiVersion: haharness/v2\nname: Bad_Name\nschedule:\n  - id: a\n    fault: kill-daemon\n    target: active-namenode\n    hold: 10\n    at: 1s\n    after: b.healed\n  - id: b\n    fault: zap\nbogus: 1\n", []string{
			"bad.yaml:1: apiVersion:", "bad.yaml:2: name:", "bad.yaml:4: schedule[0]: give at most one of at, after and when",
			"bad.yaml:7: schedule[0].hold: got number, want string (a Go duration string such as 500ms, 10s or 1m30s)",
			"bad.yaml:11: schedule[1].fault:", "additional properties 'bogus' not allowed"}},
		{"neither fault nor probe", "apiVersion: haharness/v1\nname: x\nschedule:\n  - id: a\n    target: hadoop001\n", []string{
			"bad.yaml:4: schedule[0]: an item is either a fault"}},
		{"probe with hold", "apiVersion: haharness/v1\nname: x\nschedule:\n  - id: a\n    probe: write-through\n    target: nn1\n    expect: refused\n    hold: 1s\n", []string{
			"bad.yaml:4: schedule[0]: a probe takes no hold and no failover"}},
		{"hadoop and image", "apiVersion: haharness/v1\nname: x\ncluster: {hadoop: 3.4.2, image: foo}\nschedule: []\n", []string{
			"bad.yaml:3: cluster: give hadoop (a release to build) or image (a prebuilt image), not both"}},
		{"unknown config file", "apiVersion: haharness/v1\nname: x\ncluster:\n  config:\n    hfds-site.xml: {a: b}\nschedule: []\n", []string{
			"bad.yaml:5: cluster.config.hfds-site.xml: unknown config file \"hfds-site.xml\""}},
		{"rules", "apiVersion: haharness/v1\nname: x\nschedule:\n" +
			"  - id: a\n    fault: kill-daemon\n    target: hadoop009/namenode\n    ports: [22]\n" +
			"  - id: a\n    fault: freeze-host\n    target: active-namenode\n    after: c.failover\n" +
			"  - id: p\n    probe: write-through\n    target: nn7\n    expect: refused\n" +
			"  - id: q\n    fault: partition\n    target: hadoop001\n    groups: [[hadoop001], [hadoop002]]\n" +
			"  - id: r\n    fault: kill-daemon\n    target: active-namenode\n    after: q.failover\n" +
			"  - id: s\n    fault: degrade\n    target: hadoop001\n    when: job-running\n" +
			"  - id: u\n    fault: kill-daemon\n    target: hadoop001/datanode\n    after: s.healed\n" +
			"expect:\n  writes: [{fault: zz, acknowledged: none, atLeast: 2}]\n  activeAtEnd: {namenode: nn3}\n  job: succeeded\n" +
			"  logs: [{daemon: hadoop001/resourcemanager, contains: x}]\n", []string{
			`bad.yaml:6: schedule[0].target: unknown target "hadoop009/namenode"`,
			"bad.yaml:7: schedule[0].ports: ports does not go with kill-daemon",
			`bad.yaml:8: schedule[1].id: id "a" is used twice`,
			`bad.yaml:11: schedule[1].after: after "c.failover": no schedule item has id "c"`,
			`bad.yaml:14: schedule[2].target: probe target "nn7": use one of [initial-active-namenode nn1 nn2]`,
			"bad.yaml:18: schedule[3].target: partition takes no target: name the hosts with groups",
			`schedule[4].after: after "q.failover": item "q" sets no failover role`,
			"schedule[5].fault: degrade needs delay, jitter or loss",
			"schedule[5].when: when: job-running needs a workload.mapreduce job",
			`schedule[6].after: after "s.healed": "s" has no hold`,
			`expect.writes[0].fault: no fault in the schedule has id "zz"`,
			"expect.writes[0].atLeast: atLeast goes with acknowledged: some",
			`expect.activeAtEnd.namenode: unknown NameNode "nn3"`,
			"expect.job: expect.job needs a workload.mapreduce job",
			"expect.logs[0].daemon: hadoop001/resourcemanager: no resourcemanager runs on hadoop001",
		}},
		{"cycle", "apiVersion: haharness/v1\nname: x\nschedule:\n" +
			"  - id: a\n    fault: kill-daemon\n    target: hadoop001/zkfc\n    after: b.healed\n" +
			"  - id: b\n    fault: kill-daemon\n    target: hadoop002/zkfc\n    after: a.healed\n", []string{
			"items wait for each other in a cycle: a -> b -> a"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.yaml))
			require.Error(t, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	_, err := Parse("bad.yaml", []byte("apiVersion: haharness/v1\nname: x\n"))
	var pe *Error
	require.True(t, errors.As(err, &pe), "an invalid file gives *Error: %v", err)
	assert.Equal(t, "bad.yaml", pe.Path)
	assert.Contains(t, pe.Problems[0].Msg, "schedule")
}

// Marshal writes what Parse reads back unchanged: replays and shrunk
// schedules are written this way.
func TestMarshalRoundTrip(t *testing.T) {
	f, err := Parse("valid.yaml", []byte(valid))
	require.NoError(t, err)
	b, err := Marshal(f, "a header\nof two lines")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "# a header\n# of two lines\n"), "%s", b)
	g, err := Parse("again.yaml", b)
	require.NoError(t, err, "%s", b)
	g.Path = f.Path
	assert.Equal(t, f, g)
	dir := t.TempDir()
	require.NoError(t, Save(filepath.Join(dir, "s.yaml"), f, ""))
	h, err := Load(filepath.Join(dir, "s.yaml"))
	require.NoError(t, err)
	assert.Equal(t, f.Schedule, h.Schedule)
}

func TestItemOfIsFaultOfsInverse(t *testing.T) {
	for _, f := range []fault.Fault{
		fault.KillDaemon{Target: fault.ActiveNameNode, Signal: "KILL"},
		fault.FreezeDaemon{Target: "hadoop001/namenode"},
		fault.KillHost{Target: fault.StandbyNameNode},
		fault.StopHost{Target: "hadoop003"},
		fault.FreezeHost{Target: fault.ActiveNameNode},
		fault.Partition{Groups: [][]fault.Selector{{"hadoop001"}, {"hadoop002", "hadoop003"}}, Ports: []int{2181}},
		fault.Drop{From: fault.ActiveNameNode, To: fault.StandbyNameNode},
		fault.Isolate{Target: fault.ActiveResourceManager, Ports: []int{2181, 2888, 3888}},
		fault.Degrade{Target: "hadoop002", Delay: 100 * time.Millisecond, Jitter: 10 * time.Millisecond, LossPercent: 2.5},
	} {
		it, err := ItemOf("x", f)
		require.NoError(t, err, "%s", f)
		got, err := it.FaultOf()
		require.NoError(t, err)
		assert.Equal(t, f, got)
		assert.Contains(t, FaultKinds(), it.Fault)
	}
}

// The schema's enums are the Go constants: a kind added on one side only
// fails here.
func TestSchemaAgreesWithGo(t *testing.T) {
	var s struct {
		Properties struct {
			Cluster struct {
				Properties struct {
					Fencing struct {
						Enum []string `json:"enum"`
					} `json:"fencing"`
					Config struct {
						Properties map[string]any `json:"properties"`
					} `json:"config"`
				} `json:"properties"`
			} `json:"cluster"`
			Expect struct {
				Properties struct {
					Invariants struct {
						Items struct {
							Enum []string `json:"enum"`
						} `json:"items"`
					} `json:"invariants"`
				} `json:"properties"`
			} `json:"expect"`
		} `json:"properties"`
		Defs struct {
			Item struct {
				Properties struct {
					Fault struct {
						Enum []string `json:"enum"`
					} `json:"fault"`
					Probe struct {
						Enum []string `json:"enum"`
					} `json:"probe"`
					When struct {
						Enum []string `json:"enum"`
					} `json:"when"`
				} `json:"properties"`
			} `json:"item"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(Schema, &s))
	assert.ElementsMatch(t, FaultKinds(), s.Defs.Item.Properties.Fault.Enum)
	assert.Equal(t, []string{ProbeWriteThrough}, s.Defs.Item.Properties.Probe.Enum)
	assert.ElementsMatch(t, []string{CondJobRunning, CondWriteFailed}, s.Defs.Item.Properties.When.Enum)
	assert.ElementsMatch(t, Invariants(), s.Properties.Expect.Properties.Invariants.Items.Enum)
	assert.ElementsMatch(t, []string{string(config.FenceSSHThenShell), string(config.FenceSSH), string(config.FenceShell)},
		s.Properties.Cluster.Properties.Fencing.Enum)
	files := s.Properties.Cluster.Properties.Config.Properties
	assert.Len(t, files, len(config.Overridable(nil)), "the schema lists every Hadoop file config lets be overridden")
	for name := range files {
		err := config.Options{Overrides: config.Overrides{name: {}}}.Validate()
		assert.NoError(t, err, "the schema lets %s be overridden, config does not", name)
	}
	assert.NotContains(t, files, "workers")
}

// The schema file in the repository is the embedded one, and valid JSON
// an editor can use.
func TestSchemaFileIsEmbedded(t *testing.T) {
	b, err := os.ReadFile("schema.json")
	require.NoError(t, err)
	assert.Equal(t, Schema, b)
	_, err = schema(nil)
	require.NoError(t, err)
}

// widget is an add-on for the tests: a widget on every host, the
// selector widget-leader, and a workload section with a gears count.
func widget() Addon {
	return Addon{Name: "widget",
		Place: func(t topology.Topology) topology.Topology {
			t = t.Clone()
			t.Roles["widget"] = t.Hosts
			return t
		},
		Selectors: []fault.Extension{{Addon: "widget", Needs: "widget", Names: map[fault.Selector]string{"widget-leader": ""}}},
		Workload:  `{"type": "object", "additionalProperties": false, "properties": {"gears": {"type": "integer", "minimum": 1}}}`,
		HARoles:   []string{"widget"},
	}
}

// A file names add-ons the caller knows; their selectors and workload
// sections need the add-on in cluster.addons, and a workload section is
// checked against its add-on's schema.
func TestAddons(t *testing.T) {
	body := "apiVersion: haharness/v1\nname: w\n%sschedule:\n  - id: a\n    fault: kill-daemon\n    target: widget-leader\n    hold: 1s\n"
	_, err := Parse("f.yaml", []byte(fmt.Sprintf(body, "")), widget())
	assert.ErrorContains(t, err, "needs the widget add-on")
	f, err := Parse("f.yaml", []byte(fmt.Sprintf(body, "cluster:\n  addons: [widget]\nworkload:\n  widget: {gears: 2}\n")), widget())
	require.NoError(t, err)
	assert.Equal(t, []string{"hadoop001", "hadoop002", "hadoop003"}, f.Topology().On("widget"))
	assert.Equal(t, map[string]any{"widget": map[string]any{"gears": 2}}, f.Workload.Addons)
	out, err := Marshal(f, "")
	require.NoError(t, err)
	assert.Contains(t, string(out), "widget:\n    gears: 2", "the workload section is written back inline")
	_, err = Parse("f.yaml", []byte("apiVersion: haharness/v1\nname: w\ncluster:\n  addons: [widget]\nschedule:\n  - id: a\n    fault: kill-daemon\n    target: widget-leader\n    failover: widget\n"), widget())
	require.NoError(t, err, "an add-on's HA role is a failover role with the add-on on")
	_, err = Parse("f.yaml", []byte("apiVersion: haharness/v1\nname: w\nschedule:\n  - id: a\n    fault: kill-daemon\n    target: hadoop001/namenode\n    failover: widget\n"), widget())
	assert.ErrorContains(t, err, `schedule[0].failover: failover "widget": use one of [namenode resourcemanager]`, "without the add-on its role is no failover role")

	for extra, want := range map[string]string{
		"cluster:\n  addons: [hive]\n":                                    `unknown add-on "hive": the add-ons are [widget]`,
		"cluster:\n  addons: [widget]\nworkload:\n  widget: {gears: 0}\n": "gears",
		"workload:\n  widget: {gears: 2}\n":                               "workload widget needs the widget add-on",
		"cluster:\n  addons: [widget]\nworkload:\n  hive: {}\n":           "hive",
	} {
		_, err := Parse("f.yaml", []byte(fmt.Sprintf(body, extra)), widget())
		assert.ErrorContains(t, err, want, extra)
	}
}

// schema.json's fault parts are what the fault registry generates: a kind
// or parameter added to the registry and not generated fails here.
func TestSchemaIsGenerated(t *testing.T) {
	gen, err := GenerateSchema(Schema)
	require.NoError(t, err)
	assert.Equal(t, string(Schema), string(gen), "schema.json is stale: run `go generate ./scenarios/spec`")
}

// The generator rewrites stale fault parts in place and keeps the rest.
func TestGenerateSchemaRewritesStaleParts(t *testing.T) {
	stale := strings.Replace(string(Schema), `, "isolate"`, "", -1)
	stale = strings.Replace(stale, `        "loss": {"type": "number", "minimum": 0, "maximum": 100},`+"\n", "", 1)
	stale = strings.Replace(stale, `        "from": {"$ref": "#/$defs/selector"},`, `        "from": {"type": "string"},`, 1)
	require.NotEqual(t, string(Schema), stale)
	gen, err := GenerateSchema([]byte(stale))
	require.NoError(t, err)
	assert.Equal(t, string(Schema), string(gen))
	_, err = GenerateSchema([]byte(`{"$defs": {}}`))
	assert.ErrorContains(t, err, `no line "    \"item\": {"`)
}

// Every parameter of the registry has its field in Item, and an item's
// fields give back the values they were set from.
func TestEveryParameterHasAField(t *testing.T) {
	var it Item
	fields := it.paramFields()
	for _, k := range fault.Registry() {
		for _, p := range k.Params {
			f, ok := fields[p.Name]
			if assert.True(t, ok, "parameter %s of %s has no field in spec.Item: add one and name it in paramFields", p.Name, k.Name) {
				assert.False(t, isSet(f), "%s of a zero Item is set", p.Name)
			}
		}
	}
}

// A parameter that does not go with the kind names the kinds it is for,
// from the registry.
func TestParamProblemsComeFromTheRegistry(t *testing.T) {
	probs := Item{ID: "a", Fault: Isolate, Target: "hadoop001", From: "hadoop002", Loss: 3}.paramProblems()
	assert.Equal(t, [][2]string{
		{"from", "from does not go with isolate; it is for [drop]"},
		{"loss", "loss does not go with isolate; it is for [degrade]"},
	}, probs)
	probs = Item{ID: "b", Fault: Drop, Target: "hadoop001", From: "a", To: "b"}.paramProblems()
	assert.Equal(t, [][2]string{{"target", "drop takes no target: name the hosts with from and to"}}, probs)
	assert.Empty(t, Item{ID: "c", Fault: Isolate, Target: "hadoop001", Ports: []int{2181}}.paramProblems())
}
