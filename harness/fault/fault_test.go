package fault

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
)

// fakeRuntime records what faults ask of a cluster. Process state is a
// per-daemon string: "" (not running), "S" (running) or "T" (stopped).
type fakeRuntime struct {
	topo    topology.Topology
	procs   map[topology.Daemon]string
	scripts map[string][]string
	hosts   []string
	started []topology.Daemon
}

func newFake() *fakeRuntime {
	f := &fakeRuntime{topo: topology.Guide(), procs: map[topology.Daemon]string{}, scripts: map[string][]string{}}
	for _, d := range f.topo.Daemons() {
		f.procs[d] = "S"
	}
	return f
}

func (f *fakeRuntime) Shell(_ context.Context, host, script string) (string, int, error) {
	f.scripts[host] = append(f.scripts[host], script)
	for _, r := range topology.Roles() {
		d := topology.Daemon{Host: host, Role: r}
		pat := "-Dproc_" + string(r) + "( |$)"
		if !strings.Contains(script, pat) {
			continue
		}
		switch {
		case strings.HasPrefix(script, "pkill -KILL"), strings.HasPrefix(script, "pkill -TERM"):
			f.procs[d] = ""
		case strings.Contains(script, "kill -STOP"), strings.Contains(script, "kill -CONT"):
			if f.procs[d] == "" {
				return "", 1, nil // pgrep found nothing
			}
			f.procs[d] = map[bool]string{true: "T", false: "S"}[strings.Contains(script, "STOP")]
		case strings.Contains(script, "ps -o stat="):
			return f.procs[d], 0, nil
		}
	}
	if tag, ok := strings.CutPrefix(script, "iptables -S "+chain+" | grep -c -- '"); ok {
		tag = strings.TrimSuffix(tag, "'")
		n := 0
		for _, s := range f.scripts[host] {
			if strings.HasPrefix(s, "iptables -N") {
				n += strings.Count(s, "--comment "+tag+" -j DROP")
			}
		}
		return fmt.Sprint(n), 0, nil
	}
	return "", 0, nil
}

func (f *fakeRuntime) Host(_ context.Context, host string, a HostAction) error {
	f.hosts = append(f.hosts, string(a)+" "+host)
	return nil
}

func (f *fakeRuntime) StartDaemon(_ context.Context, h string, r topology.Role) error {
	d := topology.Daemon{Host: h, Role: r}
	f.started = append(f.started, d)
	f.procs[d] = "S"
	return nil
}

func (f *fakeRuntime) Resolve(_ context.Context, s Selector) ([]topology.Daemon, error) {
	if s == ActiveNameNode {
		return []topology.Daemon{{Host: "hadoop001", Role: topology.NameNode}}, nil
	}
	if s == AllHosts {
		var all []topology.Daemon
		for _, h := range f.topo.Hosts {
			all = append(all, topology.Daemon{Host: h})
		}
		return all, nil
	}
	p, err := Parse(s, f.topo)
	if err != nil {
		return nil, err
	}
	return []topology.Daemon{{Host: p.Host, Role: p.Role}}, nil
}

func (f *fakeRuntime) IP(h string) string {
	return map[string]string{"hadoop001": "10.0.0.11", "hadoop002": "10.0.0.12", "hadoop003": "10.0.0.13"}[h]
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestKillDaemonKillsOnlyTargetAndHealRestarts(t *testing.T) {
	f := newFake()
	a, err := KillDaemon{Target: ActiveNameNode}.Inject(ctx(t), f)
	require.NoError(t, err)
	nn := topology.Daemon{Host: "hadoop001", Role: topology.NameNode}
	zkfc := topology.Daemon{Host: "hadoop001", Role: topology.ZKFC}
	require.Empty(t, f.procs[nn], "after kill: namenode must be gone")
	require.Equal(t, "S", f.procs[zkfc], "after kill: zkfc must be running")
	assert.Equal(t, []string{"hadoop001/namenode"}, a.Targets, "targets")
	require.NoError(t, a.Heal(ctx(t), f))
	require.NoError(t, a.Heal(ctx(t), f))
	assert.Equal(t, []topology.Daemon{nn}, f.started, "heal must start exactly %v once", nn)
}

func TestKillDaemonRejectsHostSelectorAndBadSignal(t *testing.T) {
	_, err := (KillDaemon{Target: "hadoop001"}).Inject(ctx(t), newFake())
	assert.ErrorContains(t, err, "names a host", "host selector")
	_, err = (KillDaemon{Target: "hadoop001/namenode", Signal: "HUP"}).Inject(ctx(t), newFake())
	assert.ErrorContains(t, err, "KILL or TERM", "bad signal")
}

func TestFreezeDaemonStopsAndThaws(t *testing.T) {
	f := newFake()
	a, err := FreezeDaemon{Target: "hadoop002/resourcemanager"}.Inject(ctx(t), f)
	require.NoError(t, err)
	rm := topology.Daemon{Host: "hadoop002", Role: topology.ResourceManager}
	require.Equal(t, "T", f.procs[rm], "state after freeze")
	require.NoError(t, a.Heal(ctx(t), f))
	require.Equal(t, "S", f.procs[rm], "state after heal")
}

func TestFreezeDaemonFailsWhenNotRunning(t *testing.T) {
	f := newFake()
	f.procs[topology.Daemon{Host: "hadoop003", Role: topology.DataNode}] = ""
	_, err := (FreezeDaemon{Target: "hadoop003/datanode"}).Inject(ctx(t), f)
	require.Error(t, err, "freezing a daemon that is not running succeeded")
}

func TestHostFaults(t *testing.T) {
	for _, tc := range []struct {
		f          Fault
		do, undo   string
		kind, name string
	}{
		{KillHost{Target: "hadoop002"}, "kill hadoop002", "start hadoop002", "kill-host", "kill-host hadoop002"},
		{StopHost{Target: "hadoop002"}, "stop hadoop002", "start hadoop002", "stop-host", "stop-host hadoop002"},
		{FreezeHost{Target: "hadoop002"}, "pause hadoop002", "unpause hadoop002", "freeze-host", "freeze-host hadoop002"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			f := newFake()
			a, err := tc.f.Inject(ctx(t), f)
			require.NoError(t, err)
			require.NoError(t, a.Heal(ctx(t), f))
			assert.Equal(t, []string{tc.do, tc.undo}, f.hosts, "host actions")
			assert.Equal(t, tc.kind, tc.f.Kind(), "kind")
			assert.Equal(t, tc.name, tc.f.String(), "string")
		})
	}
}

func TestPartitionRulesAreSymmetricAndHealFlushes(t *testing.T) {
	f := newFake()
	p := Partition{Groups: [][]Selector{{"hadoop001"}, {"hadoop002", "hadoop003"}}, Ports: []int{2181}}
	a, err := p.Inject(ctx(t), f)
	require.NoError(t, err)
	all := strings.Join(f.scripts["hadoop001"], "\n")
	for _, want := range []string{"-s 10.0.0.12 -p tcp --dport 2181 -m comment --comment hh-", "-s 10.0.0.13 -p tcp --sport 2181 -m comment --comment hh-"} {
		assert.Contains(t, all, want, "hadoop001 rules")
	}
	other := strings.Join(f.scripts["hadoop002"], "\n")
	assert.Contains(t, other, "-s 10.0.0.11 ", "hadoop002 must drop hadoop001")
	assert.NotContains(t, other, "-s 10.0.0.13 ", "hadoop002 must drop hadoop001 only")
	require.NoError(t, a.Heal(ctx(t), f))
	for _, h := range []string{"hadoop001", "hadoop002", "hadoop003"} {
		s := f.scripts[h]
		if !assert.NotEmpty(t, s, "%s ran no scripts", h) {
			continue
		}
		last := s[len(s)-1]
		assert.True(t, strings.HasPrefix(last, "iptables -S "+chain+" 2>/dev/null | grep -- 'hh-"), "%s not flushed on heal: %v", h, last)
		assert.Contains(t, last, "-D", "%s not flushed on heal", h)
	}
}

func TestPartitionRejectsBadGroups(t *testing.T) {
	f := newFake()
	_, err := (Partition{Groups: [][]Selector{{"hadoop001"}}}).Inject(ctx(t), f)
	assert.Error(t, err, "one group accepted")
	_, err = (Partition{Groups: [][]Selector{{"hadoop001"}, {"hadoop001/namenode"}}}).Inject(ctx(t), f)
	assert.Error(t, err, "host in two groups accepted")
	_, err = (Partition{Groups: [][]Selector{{"hadoop009"}, {"hadoop001"}}}).Inject(ctx(t), f)
	assert.ErrorContains(t, err, "unknown target", "unknown host")
}

func TestDropIsOneWay(t *testing.T) {
	f := newFake()
	_, err := (Drop{From: "hadoop001", To: "hadoop002"}).Inject(ctx(t), f)
	require.NoError(t, err)
	assert.Empty(t, f.scripts["hadoop001"], "the sender got rules")
	assert.Contains(t, strings.Join(f.scripts["hadoop002"], "\n"), "-s 10.0.0.11 -m comment", "receiver rules")
}

func TestDegradeNetem(t *testing.T) {
	for _, tc := range []struct {
		d    Degrade
		want string
		err  bool
	}{
		{Degrade{Delay: 100 * time.Millisecond}, "netem delay 100ms", false},
		{Degrade{Delay: 50 * time.Millisecond, Jitter: 10 * time.Millisecond, LossPercent: 1.5}, "netem delay 50ms 10ms loss 1.5%", false},
		{Degrade{}, "", true},
		{Degrade{LossPercent: 101}, "", true},
	} {
		got, err := tc.d.netem()
		if tc.err {
			assert.Error(t, err, "%+v", tc.d)
		} else {
			assert.NoError(t, err, "%+v", tc.d)
		}
		assert.Equal(t, tc.want, got, "%+v", tc.d)
	}
}

func TestParseSelector(t *testing.T) {
	g := topology.Guide()
	for _, tc := range []struct {
		s    Selector
		want Parsed
		err  string
	}{
		{"active-namenode", Parsed{Named: ActiveNameNode}, ""},
		{"hadoop002", Parsed{Host: "hadoop002"}, ""},
		{"hadoop002/resourcemanager", Parsed{Host: "hadoop002", Role: topology.ResourceManager}, ""},
		{"namenode@hadoop001", Parsed{Host: "hadoop001", Role: topology.NameNode}, ""},
		{"hadoop003/namenode", Parsed{}, "unknown daemon"},
		{"hadoop007", Parsed{}, "unknown target"},
		{"leader", Parsed{}, "unknown target"},
	} {
		got, err := Parse(tc.s, g)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, "%s", tc.s)
			continue
		}
		assert.NoError(t, err, "%s", tc.s)
		assert.Equal(t, tc.want, got, "%s", tc.s)
	}
}

// noNetemRuntime answers tc like a kernel without netem.
type noNetemRuntime struct{ *fakeRuntime }

func (n noNetemRuntime) Shell(ctx context.Context, host, script string) (string, int, error) {
	if strings.HasPrefix(script, "tc qdisc replace") {
		n.scripts[host] = append(n.scripts[host], script)
		return "Error: Specified qdisc kind is unknown.", 2, nil
	}
	return n.fakeRuntime.Shell(ctx, host, script)
}

func TestDegradeWithoutNetem(t *testing.T) {
	rt := noNetemRuntime{newFake()}
	_, err := (Degrade{Target: "hadoop003", Delay: 50 * time.Millisecond}).Inject(ctx(t), rt)
	require.ErrorIs(t, err, ErrNoNetem, "delay without netem")
	a, err := Degrade{Target: "hadoop003", LossPercent: 25}.Inject(ctx(t), rt)
	require.NoError(t, err)
	require.NotEmpty(t, rt.scripts["hadoop003"], "no scripts ran on hadoop003")
	last := rt.scripts["hadoop003"][len(rt.scripts["hadoop003"])-1]
	assert.Contains(t, last, "--probability 0.2500 -j DROP", "loss fallback rule")
	assert.Contains(t, last, "OUTPUT", "loss fallback rule")
	require.NoError(t, a.Heal(ctx(t), rt))
}

func TestIsolateResolvesAtInjection(t *testing.T) {
	f := newFake()
	_, err := (Isolate{Target: ActiveNameNode}).Inject(ctx(t), f)
	require.NoError(t, err)
	own := strings.Join(f.scripts["hadoop001"], "\n")
	assert.Contains(t, own, "-s 10.0.0.12 ", "isolated host rules")
	assert.Contains(t, own, "-s 10.0.0.13 ", "isolated host rules")
	assert.NotContains(t, own, "-s 10.0.0.11 ", "isolated host rules")
	other := strings.Join(f.scripts["hadoop003"], "\n")
	assert.Contains(t, other, "-s 10.0.0.11 ", "hadoop003 must drop hadoop001")
	assert.NotContains(t, other, "-s 10.0.0.12 ", "hadoop003 must drop only hadoop001")
}

func TestOverlappingPartitionsHealSeparately(t *testing.T) {
	f := newFake()
	a, err := Drop{From: "hadoop002", To: "hadoop001"}.Inject(ctx(t), f)
	require.NoError(t, err)
	_, err = (Drop{From: "hadoop003", To: "hadoop001"}).Inject(ctx(t), f)
	require.NoError(t, err, "second fault on the same host")
	require.NoError(t, a.Heal(ctx(t), f))
	s := f.scripts["hadoop001"]
	require.NotEmpty(t, s, "no scripts ran on hadoop001")
	last := s[len(s)-1]
	assert.NotContains(t, last, "iptables -F", "heal must delete only its own tagged rules")
	assert.Contains(t, last, "hh-", "heal must delete only its own tagged rules")
}
