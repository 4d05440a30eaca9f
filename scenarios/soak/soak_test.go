package soak

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

func draw(seed int64, n int) ([]Step, [][]string) {
	nem := NewNemesis(seed)
	var steps []Step
	var kinds [][]string
	for range n {
		s, k := nem.Next()
		steps = append(steps, s)
		kinds = append(kinds, k)
	}
	return steps, kinds
}

func TestNemesisReplaysFromItsSeed(t *testing.T) {
	a, ka := draw(42, 50)
	b, kb := draw(42, 50)
	require.Equal(t, ka, kb)
	for i := range a {
		require.Equal(t, a[i].String(), b[i].String(), "step %d", i)
	}
	c, _ := draw(43, 50)
	differ := false
	for i := range a {
		differ = differ || a[i].String() != c[i].String()
	}
	assert.True(t, differ, "another seed draws another schedule")
}

func TestNemesisDrawsEveryKindAndPairs(t *testing.T) {
	steps, kinds := draw(7, 400)
	seen := map[string]int{}
	pairs := 0
	for i, k := range kinds {
		require.Len(t, steps[i].Faults, len(k))
		for _, x := range k {
			seen[x]++
		}
		if len(k) == 2 {
			pairs++
			first, second := entryOf(k[0]), entryOf(k[1])
			assert.NotEqual(t, k[0], k[1], "two faults of one kind")
			assert.False(t, second.activeSelector(), "the second fault names an active daemon: %v", k)
			assert.False(t, first.quorum() && second.quorum(), "two quorum members away at once: %v", k)
			assert.False(t, first.rm() && second.rm(), "both ResourceManager faults: %v", k)
		}
		assert.GreaterOrEqual(t, steps[i].Hold, 3*time.Second)
		assert.Less(t, steps[i].Hold, 10*time.Second)
		assert.Equal(t, expectsFailover(k, true), steps[i].FailoverNameNode, "%v", k)
		assert.Equal(t, expectsFailover(k, false), steps[i].FailoverResourceManager, "%v", k)
	}
	for _, k := range Kinds() {
		assert.Positive(t, seen[k], "kind %s never drawn in 400 steps", k)
	}
	assert.InDelta(t, PairShare, float64(pairs)/400, 0.08)
}

func TestExpectsFailover(t *testing.T) {
	assert.True(t, expectsFailover([]string{"kill-daemon active-namenode"}, true))
	assert.True(t, expectsFailover([]string{"isolate active-namenode", "kill-daemon active-resourcemanager"}, true))
	assert.False(t, expectsFailover([]string{"kill-daemon active-namenode", "stop-host standby-namenode"}, true), "no standby left")
	assert.False(t, expectsFailover([]string{"kill-daemon journalnode-minority"}, true))
	assert.True(t, expectsFailover([]string{"kill-daemon active-resourcemanager"}, false))
	assert.False(t, expectsFailover([]string{"kill-daemon active-resourcemanager", "stop-host standby-namenode"}, false))
}

// Soak records saved before isolate had its own kind name the ZooKeeper
// cut "partition active-namenode from zookeeper": they are judged alike.
func TestOldRecordsKeepTheirMeaning(t *testing.T) {
	old, now := entryOf("partition active-namenode from zookeeper"), entryOf("isolate active-namenode from zookeeper")
	require.Equal(t, now.aim.Label, old.aim.Label)
	assert.True(t, expectsFailover([]string{"partition active-namenode from zookeeper"}, true))
	assert.True(t, unfenceable("step 2: partition [hadoop001] | [hadoop002,hadoop003] => [hadoop001] [hadoop002,hadoop003]"))
	assert.True(t, unfenceable("step 2: drop active-namenode->standby-namenode => hadoop001->hadoop002"))
	rec := func(kind string) []StepRecord {
		return []StepRecord{{Index: 0, Kinds: []string{kind}, Faults: []string{"step 0: isolate active-namenode ports [2181 2888 3888] => [hadoop001] [hadoop002,hadoop003]"}}}
	}
	assert.Equal(t, Plan(rec("isolate active-namenode from zookeeper")), Plan(rec("partition active-namenode from zookeeper")))
	assert.Contains(t, Kinds(), "isolate active-namenode from zookeeper")
	assert.NotContains(t, Kinds(), "partition active-namenode from zookeeper")
}

// pick draws by weight: an aim of weight 0 is never drawn.
func TestPickHonoursWeights(t *testing.T) {
	es := menu()[:3]
	es[0].aim.Weight, es[1].aim.Weight, es[2].aim.Weight = 0, 3, 1
	n := NewNemesis(1)
	seen := map[string]int{}
	for range 400 {
		seen[pick(n.r, es).aim.Label]++
	}
	assert.Zero(t, seen[es[0].aim.Label])
	assert.InDelta(t, 300, seen[es[1].aim.Label], 40)
}

func TestUnfenceable(t *testing.T) {
	for label, want := range map[string]bool{
		"step 3: isolate active-namenode => [hadoop001] [hadoop002,hadoop003]": true,
		"step 4: freeze-host active-namenode => hadoop002":                     true,
		"step 5: degrade active-namenode delay=0s jitter=0s loss=7% => h1":     true,
		"step 6: kill-daemon KILL active-namenode => hadoop001/namenode":       false,
		"step 7: kill-host active-namenode => hadoop001":                       false,
	} {
		assert.Equal(t, want, unfenceable(label), label)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 20; i++ {
		d = append(d, time.Duration(i)*time.Second)
	}
	assert.Equal(t, 10*time.Second, Percentile(d, 50))
	assert.Equal(t, 19*time.Second, Percentile(d, 95))
	assert.Equal(t, 20*time.Second, Percentile(d, 100))
	assert.Equal(t, time.Second, Percentile(d, 0))
	assert.Zero(t, Percentile(nil, 50))
}

func TestChecksJudgeHealsAndResumption(t *testing.T) {
	steps := []StepRecord{
		{Index: 0, Kinds: []string{"kill-daemon standby-namenode"}, Faults: []string{"step 0: x"}, Heal: HealRecord{Took: 5 * time.Second, Rounds: 3}},
		{Index: 1, Kinds: []string{"kill-daemon zookeeper-leader"}, Faults: []string{"step 1: y"}, Heal: HealRecord{Took: 9 * time.Second, Rounds: 6}},
	}
	byName := func(rs []invariant.Result, prefix string) invariant.Result {
		i := slices.IndexFunc(rs, func(r invariant.Result) bool { return strings.HasPrefix(r.Check, prefix) })
		require.GreaterOrEqual(t, i, 0, "no check %s", prefix)
		return rs[i]
	}
	rs := invariant.Judge(invariant.History{}, Plan(steps))
	assert.Equal(t, invariant.Pass, byName(rs, "heals-converge").Verdict)
	assert.Contains(t, byName(rs, "heals-converge").String(), "2 heal(s) converged: p50 5s, p95 9s")
	assert.Equal(t, invariant.Pass, byName(rs, "writes-resume").Verdict)

	steps[1].Heal.Err = "heal x: not HA ready after 240 round(s)"
	steps[0].ResumeErr = "wait for 1 more acknowledged writes: ..."
	rs = invariant.Judge(invariant.History{}, Plan(steps))
	assert.Equal(t, invariant.Fail, byName(rs, "heals-converge").Verdict)
	assert.Contains(t, byName(rs, "heals-converge").String(), "step 1: heal x")
	assert.Equal(t, invariant.Fail, byName(rs, "writes-resume").Verdict)
	res := &Result{Seed: 9, Duration: 5 * time.Minute, Checks: rs}
	require.Error(t, res.Failed())
	assert.Contains(t, res.Failed().Error(), "replay: haharness soak --seed 9 --duration 5m0s")
}

// The run's schedule is saved as a scenario file that loads: the replay
// `haharness scenario run -f` takes and `haharness scenario shrink -f`
// shrinks.
func TestScheduleIsAValidScenarioFile(t *testing.T) {
	n := NewNemesis(5)
	var steps []StepRecord
	for i := range 20 {
		step, _ := n.Next()
		sr := StepRecord{Index: i}
		for j, f := range step.Faults {
			it, err := spec.ItemOf(fmt.Sprintf("s%d-%d", i, j), f)
			require.NoError(t, err, "%s", f)
			it.At, it.Hold = spec.Ptr(time.Duration(i)*20*time.Second), spec.Duration(step.Hold)
			if j == 0 && step.FailoverNameNode {
				it.Failover = "namenode"
			}
			sr.items = append(sr.items, it)
		}
		steps = append(steps, sr)
	}
	res := &Result{Seed: 5, Duration: time.Minute, Steps: steps}
	res.Schedule = schedule(res)
	dir := t.TempDir()
	require.NoError(t, res.Save(dir))
	f, err := spec.Load(filepath.Join(dir, "scenario.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "soak-5-replay", f.Name)
	assert.GreaterOrEqual(t, len(f.Schedule), 20)
	assert.Equal(t, 19*20*time.Second, f.Schedule[len(f.Schedule)-1].At.D(), "the last step's time is kept")
}

func TestSaveWritesReplayOnlyOnFailure(t *testing.T) {
	pass := &Result{Seed: 3, Duration: time.Minute, Checks: []invariant.Result{{Check: "x", Verdict: invariant.Pass}}}
	dir := t.TempDir()
	require.NoError(t, pass.Save(dir))
	for _, f := range []string{"history.json", "result.json", "timeline.txt", "report.html"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	assert.NoFileExists(t, filepath.Join(dir, "replay.txt"))

	fail := &Result{Seed: 3, Duration: time.Minute, Checks: []invariant.Result{{Check: "x", Verdict: invariant.Fail}}}
	dir = t.TempDir()
	require.NoError(t, fail.Save(dir))
	b, err := os.ReadFile(filepath.Join(dir, "replay.txt"))
	require.NoError(t, err)
	assert.Equal(t, "haharness soak --seed 3 --duration 1m0s\n", string(b))
	tl, err := os.ReadFile(filepath.Join(dir, "timeline.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(tl), "replay: haharness soak --seed 3")
}
