package hbase

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/haharness/haharness/scenarios/invariant"
)

func TestNoLostAcknowledgedPuts(t *testing.T) {
	at := time.Unix(100, 0)
	acked := []Acked{{"r-1", "v1", at}, {"r-2", "v2", at}}
	tests := []struct {
		name    string
		acked   []Acked
		read    map[string]string
		verdict invariant.Verdict
		detail  string
	}{
		{"all there", acked, map[string]string{"r-1": "v1", "r-2": "v2", "r-3": "v3"}, invariant.Pass, "all 2 acknowledged puts read back (3 rows read)"},
		{"one lost", acked, map[string]string{"r-1": "v1"}, invariant.Fail, "1 of 2 acknowledged puts missing: [r-2]"},
		{"another value", acked, map[string]string{"r-1": "v1", "r-2": "x"}, invariant.Fail, `1 read back with another value: [r-2="x", want "v2"]`},
		{"nothing acknowledged", nil, map[string]string{}, invariant.Fail, "no put was acknowledged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NoLostAcknowledgedPuts(tt.acked, tt.read)
			assert.Equal(t, tt.verdict, r.Verdict, r.String())
			assert.Contains(t, r.String(), tt.detail)
		})
	}
}
