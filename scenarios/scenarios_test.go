package scenarios

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios/invariant"
)

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestCatalogueNamesAreKebabCaseAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		assert.Regexp(t, kebab, s.Name, "bad scenario name %q", s.Name)
		assert.False(t, seen[s.Name], "duplicate scenario name %q", s.Name)
		seen[s.Name] = true
		assert.NotNil(t, s.Steps, "%s: no steps", s.Name)
		assert.NotEmpty(t, s.Description, "%s: no description", s.Name)
		got, err := Lookup(s.Name)
		assert.NoError(t, err, "Lookup(%s)", s.Name)
		assert.Equal(t, s.Name, got.Name, "Lookup(%s)", s.Name)
	}
	_, err := Lookup("nope")
	assert.ErrorContains(t, err, "kill-active-namenode", "unknown scenario error must list the names")
}

func TestChaosScheduleIsReplayableFromSeed(t *testing.T) {
	str := func(s []ChaosStep) string {
		var b strings.Builder
		for _, x := range s {
			b.WriteString(x.Fault.String() + " " + x.Hold.String() + "\n")
		}
		return b.String()
	}
	a, b := str(ChaosSchedule(42, 6)), str(ChaosSchedule(42, 6))
	require.Equal(t, a, b, "same seed, different schedules")
	differs := false
	for seed := int64(1); seed < 20 && !differs; seed++ {
		differs = str(ChaosSchedule(seed, 6)) != a
	}
	require.True(t, differs, "schedule does not depend on the seed")
	for _, s := range ChaosSchedule(7, 50) {
		assert.GreaterOrEqual(t, s.Hold, 3*time.Second, "hold %v outside [3s, 10s)", s.Hold)
		assert.Less(t, s.Hold, 10*time.Second, "hold %v outside [3s, 10s)", s.Hold)
	}
}

// TestFailoverBoundFollowsTiming: FailoverBound is the sum of the timeouts
// a NameNode failover may wait on, as the rendered configuration sets them
// (ZooKeeper session expiry, the health check RPC, graceful fencing,
// sshfence's connect), plus a fixed allowance for the new active to catch
// up and the sampler to see it; it follows config.Timing.
func TestFailoverBoundFollowsTiming(t *testing.T) {
	saved := config.Timing
	t.Cleanup(func() { config.Timing = saved })
	const catchUp = 15 * time.Second
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }

	tests := []struct {
		name   string
		timing config.TimingValues
		want   time.Duration // 0: only the derivation is checked
	}{
		{name: "harness default", timing: saved},
		{name: "harness timing when written", timing: config.TimingValues{ZKSessionTimeoutMS: 5000, HealthRPCTimeoutMS: 5000, JournalWriteTimeoutMS: 10000}, want: 33 * time.Second}, // 5 + 5 + 3 + 5 + 15
		{name: "Hadoop defaults", timing: config.TimingValues{ZKSessionTimeoutMS: 10000, HealthRPCTimeoutMS: 45000, JournalWriteTimeoutMS: 20000}, want: 78 * time.Second},
		{name: "shortest session", timing: config.TimingValues{ZKSessionTimeoutMS: 2000, HealthRPCTimeoutMS: 1500, JournalWriteTimeoutMS: 5000}, want: 26500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config.Timing = tt.timing
			got := FailoverBound()
			if tt.want != 0 {
				assert.Equal(t, tt.want, got, "FailoverBound with %+v", tt.timing)
			}

			// Each term is the value the daemons are configured with.
			core, hdfs := renderedSites(t)
			terms := []struct{ file, key string }{
				{"core-site.xml", "ha.zookeeper.session-timeout.ms"},
				{"core-site.xml", "ha.health-monitor.rpc-timeout.ms"},
				{"core-site.xml", "ha.failover-controller.graceful-fence.rpc-timeout.ms"},
				{"hdfs-site.xml", "dfs.ha.fencing.ssh.connect-timeout"},
			}
			sum := catchUp
			for _, term := range terms {
				site := map[string]map[string]string{"core-site.xml": core, "hdfs-site.xml": hdfs}[term.file]
				require.Contains(t, site, term.key, "%s sets no %s: FailoverBound's term for it is unfounded", term.file, term.key)
				n, err := strconv.Atoi(site[term.key])
				require.NoError(t, err, "%s %s", term.file, term.key)
				sum += ms(n)
			}
			assert.Equal(t, sum, got, "FailoverBound is not the sum of the rendered %v plus %v", terms, catchUp)

			zkPlusHealth := ms(tt.timing.ZKSessionTimeoutMS) + ms(tt.timing.HealthRPCTimeoutMS)
			assert.Greater(t, got, zkPlusHealth, "bound must exceed ZooKeeper session expiry plus the health check timeout")
		})
	}

	// Changing one timing value moves the bound by as much; the JournalNode
	// write timeout is no term of a NameNode failover.
	for _, tt := range []struct {
		key   string
		bump  func(*config.TimingValues)
		delta time.Duration
	}{
		{"ZKSessionTimeoutMS", func(v *config.TimingValues) { v.ZKSessionTimeoutMS += 1700 }, 1700 * time.Millisecond},
		{"HealthRPCTimeoutMS", func(v *config.TimingValues) { v.HealthRPCTimeoutMS += 4200 }, 4200 * time.Millisecond},
		{"JournalWriteTimeoutMS", func(v *config.TimingValues) { v.JournalWriteTimeoutMS += 9000 }, 0},
	} {
		config.Timing = saved
		before := FailoverBound()
		tt.bump(&config.Timing)
		assert.Equal(t, tt.delta, FailoverBound()-before, "raising %s", tt.key)
	}
}

// renderedSites renders the guide cluster's configuration with the current
// config.Timing and returns core-site.xml's and hdfs-site.xml's properties.
func renderedSites(t *testing.T) (core, hdfs map[string]string) {
	t.Helper()
	files, err := config.Render(topology.Guide(), config.Options{})
	require.NoError(t, err)
	parse := func(name string) map[string]string {
		var c struct {
			Properties []struct {
				Name  string `xml:"name"`
				Value string `xml:"value"`
			} `xml:"property"`
		}
		require.NoError(t, xml.Unmarshal(files[name], &c), "parse %s", name)
		kv := map[string]string{}
		for _, p := range c.Properties {
			kv[p.Name] = p.Value
		}
		return kv
	}
	return parse("core-site.xml"), parse("hdfs-site.xml")
}

func TestTimelineShowsFaultsStateChangesAndFailures(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	h := invariant.History{Seed: 9, Scenario: "x"}
	h.Add(invariant.Event{Time: t0, Kind: invariant.KindState, Daemon: "nn1", Role: "namenode", State: "active"})
	h.Add(invariant.Event{Time: t0.Add(time.Second), Kind: invariant.KindFaultStart, Fault: "kill-daemon KILL active-namenode"})
	h.Add(invariant.Event{Time: t0.Add(1250 * time.Millisecond), Kind: invariant.KindState, Daemon: "nn1", Role: "namenode", State: "active"})
	h.Add(invariant.Event{Time: t0.Add(2 * time.Second), Kind: invariant.KindState, Daemon: "nn1", Role: "namenode", State: "down"})
	h.Add(invariant.Event{Time: t0.Add(3 * time.Second), Kind: invariant.KindOp, Op: "write", Key: "/k", Err: "boom"})
	r := &Result{Scenario: "x", Seed: 9, History: h}
	got := r.Timeline()
	for _, want := range []string{"FAULT  kill-daemon KILL active-namenode", "STATE  nn1 - -> active", "STATE  nn1 active -> down", "write /k failed: boom", "seed 9"} {
		assert.Contains(t, got, want, "timeline")
	}
	assert.NotContains(t, got, "nn1 active -> active", "unchanged samples must not be listed")
	assert.Equal(t, 2, strings.Count(got, "STATE"), "unchanged samples must not be listed:\n%s", got)
}

// A scenario's built-in checks are data: a file's stale-active bound
// becomes stale-active-within, its invariants pick the checks, and a
// history of an unknown scenario gets the four defaults.
func TestBuiltInPlan(t *testing.T) {
	sc, err := Lookup("freeze-active-namenode-shell-fencing")
	require.NoError(t, err)
	assert.Equal(t, invariant.Check{Check: invariant.CheckStaleActiveWithin, Role: invariant.RoleNameNode, Bound: 15 * time.Second}, sc.plan()[0])
	assert.Equal(t, sc.plan(), DefaultPlan(sc.Name))
	assert.Equal(t, invariant.Plan{
		{Check: invariant.CheckSingleActive, Role: invariant.RoleNameNode},
		{Check: invariant.CheckSingleActive, Role: invariant.RoleResourceManager},
		{Check: invariant.CheckNoSplitBrainWrites},
		{Check: invariant.CheckNoLostAcknowledgedWrites},
	}, DefaultPlan("nope"))
	only := Scenario{Invariants: []string{"no-split-brain-writes"}, ExpectFailover: true}.plan()
	assert.Equal(t, invariant.Plan{{Check: invariant.CheckNoSplitBrainWrites},
		{Check: invariant.CheckFailoverWithin, Role: invariant.RoleNameNode, Bound: FailoverBound()}}, only)
}
