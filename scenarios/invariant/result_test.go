package invariant

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAllPass(t *testing.T) {
	pass := Result{Check: "a", Verdict: Pass}
	inc := Result{Check: "b", Verdict: Inconclusive, Details: []string{"no fault injected"}}
	fail := Result{Check: "c", Verdict: Fail, Details: []string{"x went wrong", "y too"}}
	tests := []struct {
		name    string
		results []Result
		want    string // "" for nil
	}{
		{"none", nil, ""},
		{"pass and inconclusive", []Result{pass, inc}, ""},
		{"fail", []Result{pass, fail}, "invariant violated: c: fail: x went wrong; y too"},
		{"fail names inconclusive", []Result{fail, inc, fail}, "invariant violated: c: fail: x went wrong; y too\ninvariant violated: c: fail: x went wrong; y too\ninconclusive: b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AllPass(tt.results...)
			if tt.want == "" {
				assert.NoError(t, err, "AllPass")
				return
			}
			require.Error(t, err, "AllPass")
			assert.EqualError(t, err, tt.want, "AllPass")
			assert.ErrorIs(t, err, ErrInvariant, "AllPass")
		})
	}
}

func TestOverall(t *testing.T) {
	pass := Result{Check: "a", Verdict: Pass}
	inc := Result{Check: "b", Verdict: Inconclusive}
	fail := Result{Check: "c", Verdict: Fail}
	tests := []struct {
		name    string
		results []Result
		want    Verdict
		ok      bool
	}{
		{"none", nil, "", false},
		{"unknown verdict", []Result{{Check: "x", Verdict: "maybe"}}, "", false},
		{"pass", []Result{pass, pass}, Pass, true},
		{"inconclusive beats pass", []Result{pass, inc}, Inconclusive, true},
		{"fail beats all", []Result{inc, fail, pass}, Fail, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Overall(tt.results...)
			assert.Equal(t, tt.want, got, "Overall verdict")
			assert.Equal(t, tt.ok, ok, "Overall ok")
		})
	}
}
