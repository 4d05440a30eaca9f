package harness

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
)

// healEngine is cluster "x" on a fake engine whose hosts answer the
// fault-residue script with residue[host] (then nothing), list the JVMs in
// procs[host], and start a daemon by adding it to procs unless it is in
// neverStarts.
type healEngine struct {
	*fakeEngine
	mu          sync.Mutex
	procs       map[string][]string
	residue     map[string]string
	neverStarts map[string]bool
}

func newHealEngine(t *testing.T, states map[string]string) (*healEngine, *Cluster) {
	t.Helper()
	h := &healEngine{fakeEngine: guideEngine(t, states), procs: map[string][]string{}, residue: map[string]string{}, neverStarts: map[string]bool{}}
	topo := topology.Guide()
	for _, host := range topo.Hosts {
		for _, r := range topo.RolesOf(host) {
			h.procs[host] = append(h.procs[host], string(r))
		}
	}
	h.execFn = func(key string) docker.Result {
		h.mu.Lock()
		defer h.mu.Unlock()
		name, cmd, _ := strings.Cut(key, " ")
		host := strings.TrimPrefix(name, "hh-x-")
		switch {
		case cmd == "bash -c ps -eo pid=,stat=,args=":
			return psOutput(h.procs[host]...)
		case strings.Contains(cmd, "iptables -F HH-FAULT"): // fault.Clear
			found := h.residue[host]
			if found == "" {
				found = "0 0 0 0 0"
			}
			h.residue[host] = ""
			return docker.Result{Stdout: found + "\n0 0 0 0 0\n"}
		case strings.Contains(cmd, "--daemon start "):
			role := cmd[strings.LastIndexByte(cmd, ' ')+1:]
			if role == "server" {
				role = string(topology.ZooKeeper)
			}
			if !h.neverStarts[host+"/"+role] {
				h.procs[host] = append(h.procs[host], role)
			}
		}
		return docker.Result{}
	}
	c, err := attach(context.Background(), h.fakeEngine, "x", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	c.engine = h // calls go through the fake; attach kept its state
	return h, c
}

func (h *healEngine) without(host string, roles ...topology.Role) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var keep []string
	for _, p := range h.procs[host] {
		drop := false
		for _, r := range roles {
			drop = drop || p == string(r)
		}
		if !drop {
			keep = append(keep, p)
		}
	}
	h.procs[host] = keep
}

// The fake's daemons never answer a probe, so Heal cannot reach HA ready:
// what is checked is that it repaired every kind of damage on the way and
// that its error names what stayed wrong and what it did about it.
func TestHealRepairsEveryHostAndNamesWhatStaysDown(t *testing.T) {
	f, c := newHealEngine(t, map[string]string{"hadoop002": "exited", "hadoop003": "paused"})
	f.without("hadoop001", topology.NameNode, topology.ZooKeeper)
	f.neverStarts["hadoop001/namenode"] = true
	f.residue["hadoop001"] = "1 2 0 1 0"

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	rep, err := c.Heal(ctx)
	require.Error(t, err)

	assertAction(t, rep.Actions, "hadoop002: started host (was exited)")
	assertAction(t, rep.Actions, "hadoop003: unpaused")
	assertAction(t, rep.Actions, "hadoop001: cleared 1 frozen JVM(s), 2 HH-FAULT rule(s), 1 netem qdisc(s)")
	assertAction(t, rep.Actions, "hadoop001/zookeeper: started (not running)")
	assert.Equal(t, 1, strings.Count(strings.Join(rep.Actions, "\n"), "hadoop001/zookeeper"), "a daemon that came up is started once: %v", rep.Actions)
	assert.GreaterOrEqual(t, rep.Rounds, 2, "it retries")

	msg := err.Error()
	assert.Contains(t, msg, "not HA ready after")
	assert.Regexp(t, `hadoop001/namenode: not running \(heal started it [2-5] time\(s\)\)`, msg)
	assert.Contains(t, msg, "last log lines of hadoop001/namenode")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, msg, "hadoop002/namenode: nn2 is down\n", "a daemon that runs but does not answer is named by its state")
	assert.NotContains(t, msg, "hadoop002/namenode: not running", "a daemon that runs is not started again")
}

func TestHealStopsRestartingACrashingDaemonAtTheLimit(t *testing.T) {
	f, c := newHealEngine(t, nil)
	f.without("hadoop002", topology.ResourceManager)
	f.neverStarts["hadoop002/resourcemanager"] = true
	h := &healer{c: c, restarts: map[topology.Daemon]int{}, clean: map[string]bool{}}
	for range HealRestartLimit + 3 {
		require.NoError(t, h.repair(context.Background()))
	}
	d := topology.Daemon{Host: "hadoop002", Role: topology.ResourceManager}
	assert.Equal(t, HealRestartLimit, h.restarts[d])
	assert.Equal(t, []topology.Daemon{d}, h.missing)
	n := 0
	for _, call := range f.calls {
		if strings.Contains(call, "hh-x-hadoop002") && strings.Contains(call, "yarn --daemon start resourcemanager") {
			n++
		}
	}
	assert.Equal(t, HealRestartLimit, n)
}

func TestHealClearsAHostOnceUntilItRunsAgain(t *testing.T) {
	f, c := newHealEngine(t, nil)
	h := &healer{c: c, restarts: map[topology.Daemon]int{}, clean: map[string]bool{}}
	clears := func() int {
		n := 0
		for _, call := range f.calls {
			if strings.Contains(call, "iptables -F HH-FAULT") {
				n++
			}
		}
		return n
	}
	require.NoError(t, h.repair(context.Background()))
	require.NoError(t, h.repair(context.Background()))
	assert.Equal(t, 3, clears(), "one clear per host, not one per round")
	f.setState(c.Container("hadoop003"), "exited")
	require.NoError(t, h.repair(context.Background()))
	assert.Equal(t, 4, clears(), "a host started again is cleared again")
}

func TestHealGivesUpAtOnceWhenAHostContainerIsGone(t *testing.T) {
	f, c := newHealEngine(t, nil)
	f.mu.Lock()
	f.fakeEngine.containers = f.fakeEngine.containers[:2]
	f.mu.Unlock()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Heal(ctx)
	require.ErrorContains(t, err, "host hadoop003: its container hh-x-hadoop003 is gone")
	assert.Less(t, time.Since(start), 30*time.Second, "no retry can mend a removed container")
}

func TestFenceStaleKillsTheActiveTheLockDoesNotName(t *testing.T) {
	f, c := newHealEngine(t, nil)
	h := &healer{c: c}
	two := Status{NameNodes: []NameNodeState{{ID: "nn1", Host: "hadoop001", JMX: "active"}, {ID: "nn2", Host: "hadoop002", JMX: "active"}},
		NameNodeLock: "nn2"}
	noGrace(t)
	kills := func() []string { return callsWith(f, "pkill -KILL") }
	h.fenceStale(context.Background(), two)
	assert.Empty(t, kills(), "the first sighting only starts the grace period")
	h.fenceStale(context.Background(), two)
	require.Len(t, kills(), 1)
	assert.Contains(t, kills()[0], "hh-x-hadoop001")
	assert.Contains(t, kills()[0], "-Dproc_namenode")

	noLock := two
	noLock.NameNodeLock = ""
	f.calls = nil
	h.fenceStale(context.Background(), noLock)
	h.fenceStale(context.Background(), noLock)
	assert.Empty(t, kills(), "without a lock naming one of them, nothing says which is stale")
}

func TestListCallsAHalfStartedDetachedClusterOrphaned(t *testing.T) {
	const deadCreator = "999999999:12345"
	for _, tc := range []struct {
		name     string
		creator  string
		marked   bool
		orphaned bool
	}{
		{"creator gone, start never completed", deadCreator, false, true},
		{"creator gone, start completed", deadCreator, true, false},
		{"creator still starting it", processOwner(), false, false},
		{"made before creators were recorded", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := guideEngine(t, nil)
			for i := range f.containers {
				if tc.creator != "" {
					f.containers[i].Labels[labelCreator] = tc.creator
				}
			}
			f.files = map[string][]byte{}
			if tc.marked {
				for _, ct := range f.containers {
					f.files[ct.Name+":"+startedMarker] = []byte("2026-12-01T07:00:00Z\n")
				}
			}
			got, err := list(context.Background(), f)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, tc.orphaned, got[0].Orphaned)
			assert.Equal(t, tc.orphaned, got[0].Incomplete)
		})
	}
}

// assertAction checks that one of actions (each "+N.Ns what") is what.
func assertAction(t *testing.T, actions []string, what string) {
	t.Helper()
	for _, a := range actions {
		if _, rest, ok := strings.Cut(a, "s "); ok && strings.HasPrefix(a, "+") && rest == what {
			return
		}
	}
	t.Errorf("no action %q in %q", what, actions)
}

// An injection whose undo failed stays active and is retried; healing it
// once it worked is a no-op.
func TestAnInjectionWhoseHealFailedStaysActive(t *testing.T) {
	f, c := newHealEngine(t, nil)
	inner := f.execFn
	f.execFn = func(key string) docker.Result {
		if strings.Contains(key, "| grep -c -- 'hh-") {
			return docker.Result{Stdout: "1\n"} // the rule is there
		}
		return inner(key)
	}
	in, err := c.Inject(context.Background(), fault.Drop{From: "hadoop001", To: "hadoop002"})
	require.NoError(t, err)
	require.Equal(t, []*Injection{in}, c.Active())

	f.mu.Lock()
	f.err = errors.New("engine unreachable")
	f.mu.Unlock()
	require.ErrorContains(t, in.Heal(context.Background()), "engine unreachable")
	assert.Equal(t, []*Injection{in}, c.Active(), "a failed heal leaves the fault active")

	f.mu.Lock()
	f.err = nil
	f.mu.Unlock()
	require.NoError(t, in.Heal(context.Background()))
	assert.Empty(t, c.Active())
	n := len(f.calls)
	require.NoError(t, in.Heal(context.Background()), "healing twice is harmless")
	assert.Len(t, f.calls, n, "and does nothing")
	var states []string
	for _, e := range c.Events() {
		if e.Kind == EventFault {
			states = append(states, e.State)
		}
	}
	assert.Equal(t, []string{"injected", "heal-failed", "healed"}, states)
}

func TestUnwedgeKillsTheElectorOfALockHolderThatStaysStandby(t *testing.T) {
	f, c := newHealEngine(t, nil)
	h := &healer{c: c}
	noGrace(t)
	kills := func() []string { return callsWith(f, "pkill -KILL") }
	wedged := Status{NameNodes: []NameNodeState{{ID: "nn1", Host: "hadoop001", JMX: "standby"}, {ID: "nn2", Host: "hadoop002", JMX: "standby"}},
		NameNodeLock:        "nn1",
		ResourceManagers:    []ResourceManagerState{{ID: "rm1", Host: "hadoop002", REST: "STANDBY"}, {ID: "rm2", Host: "hadoop003", REST: "STANDBY"}},
		ResourceManagerLock: "rm2"}
	h.unwedge(context.Background(), wedged)
	assert.Empty(t, kills(), "the first sighting only starts the grace period")
	h.unwedge(context.Background(), wedged)
	require.Len(t, kills(), 2)
	assert.Contains(t, kills()[0], "hh-x-hadoop001")
	assert.Contains(t, kills()[0], "-Dproc_zkfc", "a NameNode's elector is its ZKFC")
	assert.Contains(t, kills()[1], "hh-x-hadoop003")
	assert.Contains(t, kills()[1], "-Dproc_resourcemanager", "a ResourceManager elects itself")

	f.calls = nil
	electing := wedged
	electing.NameNodeLock, electing.ResourceManagerLock = "", ""
	h.unwedge(context.Background(), electing)
	h.unwedge(context.Background(), electing)
	assert.Empty(t, kills(), "no lock: an election in progress, nothing to kill")
	h.noCandidate = time.Now().Add(-time.Minute)
	h.unwedge(context.Background(), electing)
	require.Len(t, kills(), 2, "every ResourceManager standby and no lock for past the grace: none is in the election")
	assert.Contains(t, kills()[0], "hh-x-hadoop002")
	assert.Contains(t, kills()[1], "hh-x-hadoop003")
	assert.Contains(t, kills()[1], "-Dproc_resourcemanager")
	f.calls = nil
	starting := wedged
	starting.NameNodes = []NameNodeState{{ID: "nn1", Host: "hadoop001", JMX: "down"}, {ID: "nn2", Host: "hadoop002", JMX: "standby"}}
	starting.ResourceManagerLock = ""
	h.unwedge(context.Background(), starting)
	h.unwedge(context.Background(), starting)
	assert.Empty(t, kills(), "a lock holder that is down is for startMissing, not a wedge")
}

// noGrace sets StaleActiveGrace to 0 for t.
func noGrace(t *testing.T) {
	old := StaleActiveGrace
	StaleActiveGrace = 0
	t.Cleanup(func() { StaleActiveGrace = old })
}

// callsWith returns the engine calls that contain sub.
func callsWith(f *healEngine, sub string) []string {
	var out []string
	for _, call := range f.calls {
		if strings.Contains(call, sub) {
			out = append(out, call)
		}
	}
	return out
}
