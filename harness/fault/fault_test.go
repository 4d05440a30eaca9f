package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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
	if err != nil {
		t.Fatal(err)
	}
	nn := topology.Daemon{Host: "hadoop001", Role: topology.NameNode}
	zkfc := topology.Daemon{Host: "hadoop001", Role: topology.ZKFC}
	if f.procs[nn] != "" || f.procs[zkfc] != "S" {
		t.Fatalf("after kill: namenode=%q zkfc=%q, want namenode gone and zkfc running", f.procs[nn], f.procs[zkfc])
	}
	if !slices.Equal(a.Targets, []string{"hadoop001/namenode"}) {
		t.Errorf("targets %v", a.Targets)
	}
	if err := a.Heal(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	if err := a.Heal(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	if len(f.started) != 1 || f.started[0] != nn {
		t.Errorf("heal started %v, want exactly %v once", f.started, nn)
	}
}

func TestKillDaemonRejectsHostSelectorAndBadSignal(t *testing.T) {
	if _, err := (KillDaemon{Target: "hadoop001"}).Inject(ctx(t), newFake()); err == nil || !strings.Contains(err.Error(), "names a host") {
		t.Errorf("host selector: %v", err)
	}
	if _, err := (KillDaemon{Target: "hadoop001/namenode", Signal: "HUP"}).Inject(ctx(t), newFake()); err == nil || !strings.Contains(err.Error(), "KILL or TERM") {
		t.Errorf("bad signal: %v", err)
	}
}

func TestFreezeDaemonStopsAndThaws(t *testing.T) {
	f := newFake()
	a, err := FreezeDaemon{Target: "hadoop002/resourcemanager"}.Inject(ctx(t), f)
	if err != nil {
		t.Fatal(err)
	}
	rm := topology.Daemon{Host: "hadoop002", Role: topology.ResourceManager}
	if f.procs[rm] != "T" {
		t.Fatalf("state %q, want T", f.procs[rm])
	}
	if err := a.Heal(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	if f.procs[rm] != "S" {
		t.Fatalf("after heal state %q, want S", f.procs[rm])
	}
}

func TestFreezeDaemonFailsWhenNotRunning(t *testing.T) {
	f := newFake()
	f.procs[topology.Daemon{Host: "hadoop003", Role: topology.DataNode}] = ""
	if _, err := (FreezeDaemon{Target: "hadoop003/datanode"}).Inject(ctx(t), f); err == nil {
		t.Fatal("freezing a daemon that is not running succeeded")
	}
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
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Heal(ctx(t), f); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.hosts, []string{tc.do, tc.undo}) {
				t.Errorf("host actions %v, want [%s %s]", f.hosts, tc.do, tc.undo)
			}
			if tc.f.Kind() != tc.kind || tc.f.String() != tc.name {
				t.Errorf("kind %q string %q", tc.f.Kind(), tc.f.String())
			}
		})
	}
}

func TestPartitionRulesAreSymmetricAndHealFlushes(t *testing.T) {
	f := newFake()
	p := Partition{Groups: [][]Selector{{"hadoop001"}, {"hadoop002", "hadoop003"}}, Ports: []int{2181}}
	a, err := p.Inject(ctx(t), f)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(f.scripts["hadoop001"], "\n")
	for _, want := range []string{"-s 10.0.0.12 -p tcp --dport 2181 -m comment --comment hh-", "-s 10.0.0.13 -p tcp --sport 2181 -m comment --comment hh-"} {
		if !strings.Contains(all, want) {
			t.Errorf("hadoop001 rules lack %q:\n%s", want, all)
		}
	}
	if other := strings.Join(f.scripts["hadoop002"], "\n"); !strings.Contains(other, "-s 10.0.0.11 ") || strings.Contains(other, "-s 10.0.0.13 ") {
		t.Errorf("hadoop002 must drop hadoop001 only:\n%s", other)
	}
	if err := a.Heal(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"hadoop001", "hadoop002", "hadoop003"} {
		s := f.scripts[h]
		if !strings.HasPrefix(s[len(s)-1], "iptables -S "+chain+" 2>/dev/null | grep -- 'hh-") || !strings.Contains(s[len(s)-1], "-D") {
			t.Errorf("%s not flushed on heal: %v", h, s[len(s)-1])
		}
	}
}

func TestPartitionRejectsBadGroups(t *testing.T) {
	f := newFake()
	if _, err := (Partition{Groups: [][]Selector{{"hadoop001"}}}).Inject(ctx(t), f); err == nil {
		t.Error("one group accepted")
	}
	if _, err := (Partition{Groups: [][]Selector{{"hadoop001"}, {"hadoop001/namenode"}}}).Inject(ctx(t), f); err == nil {
		t.Error("host in two groups accepted")
	}
	if _, err := (Partition{Groups: [][]Selector{{"hadoop009"}, {"hadoop001"}}}).Inject(ctx(t), f); err == nil || !strings.Contains(err.Error(), "unknown target") {
		t.Errorf("unknown host: %v", err)
	}
}

func TestDropIsOneWay(t *testing.T) {
	f := newFake()
	if _, err := (Drop{From: "hadoop001", To: "hadoop002"}).Inject(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	if len(f.scripts["hadoop001"]) != 0 {
		t.Errorf("the sender got rules: %v", f.scripts["hadoop001"])
	}
	if !strings.Contains(strings.Join(f.scripts["hadoop002"], "\n"), "-s 10.0.0.11 -m comment") {
		t.Errorf("receiver rules: %v", f.scripts["hadoop002"])
	}
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
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%+v: got %q, %v; want %q, error %v", tc.d, got, err, tc.want, tc.err)
		}
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
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.s, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v %v, want %+v", tc.s, got, err, tc.want)
		}
	}
}

func TestKindsAreKebabCaseAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Kinds() {
		if seen[k] || strings.ToLower(k) != k || strings.ContainsAny(k, " _") {
			t.Errorf("bad or duplicate kind %q", k)
		}
		seen[k] = true
	}
	for _, f := range []Fault{KillDaemon{}, FreezeDaemon{}, KillHost{}, StopHost{}, FreezeHost{}, Partition{}, Degrade{}} {
		if !seen[f.Kind()] {
			t.Errorf("%T.Kind() = %q not in Kinds()", f, f.Kind())
		}
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
	if _, err := (Degrade{Target: "hadoop003", Delay: 50 * time.Millisecond}).Inject(ctx(t), rt); !errors.Is(err, ErrNoNetem) {
		t.Fatalf("delay without netem: %v, want ErrNoNetem", err)
	}
	a, err := Degrade{Target: "hadoop003", LossPercent: 25}.Inject(ctx(t), rt)
	if err != nil {
		t.Fatal(err)
	}
	last := rt.scripts["hadoop003"][len(rt.scripts["hadoop003"])-1]
	if !strings.Contains(last, "--probability 0.2500 -j DROP") || !strings.Contains(last, "OUTPUT") {
		t.Errorf("loss fallback rule: %s", last)
	}
	if err := a.Heal(ctx(t), rt); err != nil {
		t.Fatal(err)
	}
}

func TestIsolateResolvesAtInjection(t *testing.T) {
	f := newFake()
	if _, err := (Isolate{Target: ActiveNameNode}).Inject(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	own := strings.Join(f.scripts["hadoop001"], "\n")
	if !strings.Contains(own, "-s 10.0.0.12 ") || !strings.Contains(own, "-s 10.0.0.13 ") || strings.Contains(own, "-s 10.0.0.11 ") {
		t.Errorf("isolated host rules:\n%s", own)
	}
	if other := strings.Join(f.scripts["hadoop003"], "\n"); !strings.Contains(other, "-s 10.0.0.11 ") || strings.Contains(other, "-s 10.0.0.12 ") {
		t.Errorf("hadoop003 must drop only hadoop001:\n%s", other)
	}
}

func TestOverlappingPartitionsHealSeparately(t *testing.T) {
	f := newFake()
	a, err := Drop{From: "hadoop002", To: "hadoop001"}.Inject(ctx(t), f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Drop{From: "hadoop003", To: "hadoop001"}).Inject(ctx(t), f); err != nil {
		t.Fatalf("second fault on the same host: %v", err)
	}
	if err := a.Heal(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	s := f.scripts["hadoop001"]
	last := s[len(s)-1]
	if strings.Contains(last, "iptables -F") || !strings.Contains(last, "hh-") {
		t.Errorf("heal must delete only its own tagged rules, ran %q", last)
	}
}
