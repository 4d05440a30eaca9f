package bench

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		q    float64
		want float64
	}{
		{nil, 0.5, 0},
		{[]float64{3}, 0.95, 3},
		{[]float64{3, 1, 2}, 0.5, 2},
		{[]float64{4, 1, 3, 2}, 0.5, 2.5},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.95, 10},
		{[]float64{5, 1, 4, 2, 3}, 0.95, 5},
		{[]float64{5, 1, 4, 2, 3}, 0.2, 1},
	} {
		assert.InDelta(t, tc.want, Quantile(tc.xs, tc.q), 1e-9, "Quantile(%v, %v)", tc.xs, tc.q)
	}
}

func TestSummarizeGroupsInOrderAndFlagsOverlappingSteps(t *testing.T) {
	samples := []Sample{
		{Name: NNKill, Run: 1, Seconds: 4, Phases: []Phase{{"failover nn1 -> nn2", 4}, {"heal to HA ready", 10}}},
		{Name: Warm, Run: 1, Seconds: 10, CPUSeconds: 30, PeakMiB: 2900, Phases: []Phase{{"a", 6}, {"b", 6}}},
		{Name: Warm, Run: 2, Seconds: 12, CPUSeconds: 34, PeakMiB: 3100, Phases: []Phase{{"a", 7}, {"b", 7}}},
		{Name: NNKill, Run: 2, Seconds: 6, Phases: []Phase{{"failover nn2 -> nn1", 6}, {"heal to HA ready", 12}}},
	}
	got := Summarize(samples)
	require.Len(t, got, 2)
	assert.Equal(t, Warm, got[0].Name, "summaries follow All()'s order")
	assert.Equal(t, 2, got[0].Runs)
	assert.InDelta(t, 11, got[0].Median, 1e-9)
	assert.InDelta(t, 12, got[0].P95, 1e-9)
	assert.InDelta(t, 32, got[0].MedianCPU, 1e-9)
	assert.Equal(t, 3100, got[0].PeakMiB)
	assert.True(t, got[0].PhaseOverlaps, "steps adding up past the total ran at once")
	assert.Equal(t, []Phase{{"a", 6.5}, {"b", 6.5}}, got[0].PhaseMedians)
	assert.Equal(t, NNKill, got[1].Name)
	assert.False(t, got[1].PhaseOverlaps)
	assert.Equal(t, []Phase{{"failover", 5}, {"heal to HA ready", 11}}, got[1].PhaseMedians,
		"failover phases of different directions are one phase")
	var b bytes.Buffer
	Report{Summaries: got}.Print(&b)
	assert.Contains(t, b.String(), "warm-start")
	assert.Contains(t, b.String(), "   11.0s")
}

func TestRunRefusesUnknownMeasurement(t *testing.T) {
	_, err := Run(t.Context(), Options{Only: []string{"hot-start"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"hot-start"`)
	assert.Contains(t, err.Error(), "cold-start")
}
