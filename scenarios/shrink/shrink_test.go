package shrink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/spec"
)

// ten is ten faults of which the one with id culprit matters; probe
// waits for the culprit to heal.
func ten(culprit int) *spec.File {
	f := &spec.File{APIVersion: spec.APIVersion, Name: "ten"}
	for i := range 10 {
		f.Schedule = append(f.Schedule, spec.Item{ID: fmt.Sprintf("f%d", i), Fault: spec.KillDaemon, Target: "hadoop003/datanode",
			At: spec.Ptr(time.Duration(i) * time.Second), Hold: spec.Duration(8 * time.Second)})
	}
	f.Schedule = append(f.Schedule, spec.Item{ID: "probe", Probe: spec.ProbeWriteThrough, Target: "nn1", Expect: "refused",
		After: fmt.Sprintf("f%d.healed", culprit)})
	f.Expect.Writes = []spec.WritesDuring{{Fault: "f3", Acknowledged: "some"}}
	return f
}

// fails is an oracle that fails while the culprit is in the schedule and
// held at least minHold, counting its calls.
func fails(culprit string, minHold time.Duration, calls *int) Oracle {
	return func(_ context.Context, f *spec.File) (bool, string, error) {
		*calls++
		i := slices.IndexFunc(f.Schedule, func(it spec.Item) bool { return it.ID == culprit })
		if i < 0 {
			return false, "passed", nil
		}
		return f.Schedule[i].Hold.D() >= minHold, "failed: active-at-end", nil
	}
}

func TestShrinkFindsTheOneFaultThatMatters(t *testing.T) {
	for culprit := range 10 {
		calls := 0
		res, err := Shrink(t.Context(), ten(culprit), fails(fmt.Sprintf("f%d", culprit), 2*time.Second, &calls), Options{})
		require.NoError(t, err)
		ids := []string{}
		for _, it := range res.Smallest.Schedule {
			ids = append(ids, it.ID)
		}
		// The probe waits for the culprit, so it may stay; every other fault goes.
		assert.Contains(t, ids, fmt.Sprintf("f%d", culprit))
		assert.LessOrEqual(t, len(ids), 2, "culprit %d: kept %v", culprit, ids)
		c := res.Smallest.Schedule[slices.IndexFunc(res.Smallest.Schedule, func(it spec.Item) bool { return it.ID == fmt.Sprintf("f%d", culprit) })]
		assert.Equal(t, 2*time.Second, c.Hold.D(), "hold shortened to the shortest that still fails")
		assert.Equal(t, calls, len(res.Trials), "every oracle call is a recorded trial")
		assert.LessOrEqual(t, calls, 16, "ddmin over 10 items with one culprit, then halving one hold")
		assert.True(t, res.Trials[0].Failed)
		assert.Equal(t, "the original schedule", res.Trials[0].What)
		assert.Equal(t, 11, len(res.Original.Schedule), "the original is left as it was")
		if culprit != 3 {
			assert.Empty(t, res.Smallest.Expect.Writes, "expectations about removed faults go with them")
		}
		assert.Contains(t, res.Summary(), "11 item(s) (faults held 1m20s in all) -> ")
	}
}

func TestShrinkDropsItemsWaitingForRemovedOnes(t *testing.T) {
	f := ten(4)
	s := subset(f, []int{0, 10}) // f0 and the probe, which waits for f4
	require.Len(t, s.Schedule, 1)
	assert.Equal(t, "f0", s.Schedule[0].ID)
	b, err := spec.Marshal(s, "")
	require.NoError(t, err)
	_, err = spec.Parse("subset.yaml", b)
	require.NoError(t, err, "a subset is a valid file:\n%s", b)
}

func TestShrinkNeedsAFailingOriginal(t *testing.T) {
	calls := 0
	res, err := Shrink(t.Context(), ten(1), fails("nope", 0, &calls), Options{})
	require.ErrorIs(t, err, ErrDoesNotFail)
	assert.Equal(t, 1, calls)
	assert.Len(t, res.Trials, 1)
}

// An oracle error counts as passing (the candidate is not kept), and the
// budget bounds the whole shrink: the smallest failing schedule so far is
// returned.
func TestShrinkErrorsAndBudget(t *testing.T) {
	n := 0
	flaky := func(_ context.Context, f *spec.File) (bool, string, error) {
		n++
		if n > 1 {
			return false, "", errors.New("engine went away")
		}
		return true, "failed", nil
	}
	res, err := Shrink(t.Context(), ten(0), flaky, Options{})
	require.NoError(t, err)
	assert.Len(t, res.Smallest.Schedule, 11, "nothing could be removed")
	assert.NotEmpty(t, res.Trials[1].Err)

	ctx, cancel := context.WithCancel(t.Context())
	slow := func(_ context.Context, f *spec.File) (bool, string, error) {
		if len(f.Schedule) < 11 {
			cancel() // the budget runs out during the second trial
		}
		return true, "failed", nil
	}
	res, err = Shrink(ctx, ten(0), slow, Options{})
	require.NoError(t, err)
	assert.True(t, res.OutOfBudget)
}

func TestPin(t *testing.T) {
	assert.Equal(t, []string{"active-at-end"}, Pin([]string{StepsFailed, "active-at-end"}), "a failed check, not the step error beside it")
	assert.Equal(t, []string{StepsFailed}, Pin([]string{StepsFailed}))
	assert.Empty(t, Pin(nil))
}
