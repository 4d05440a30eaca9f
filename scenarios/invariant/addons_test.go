package invariant

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNoLostAcknowledgedPuts(t *testing.T) {
	at := time.Unix(100, 0)
	acked := []Put{{"r-1", "v1", at}, {"r-2", "v2", at}}
	tests := []struct {
		name    string
		acked   []Put
		read    map[string]string
		verdict Verdict
		detail  string
	}{
		{"all there", acked, map[string]string{"r-1": "v1", "r-2": "v2", "r-3": "v3"}, Pass, "all 2 acknowledged puts read back (3 rows read)"},
		{"one lost", acked, map[string]string{"r-1": "v1"}, Fail, "1 of 2 acknowledged puts missing: [r-2]"},
		{"another value", acked, map[string]string{"r-1": "v1", "r-2": "x"}, Fail, `1 read back with another value: [r-2="x", want "v2"]`},
		{"nothing acknowledged", nil, map[string]string{}, Fail, "no put was acknowledged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NoLostAcknowledgedPuts(tt.acked, tt.read)
			assert.Equal(t, tt.verdict, r.Verdict, r.String())
			assert.Contains(t, r.String(), tt.detail)
		})
	}
}

func TestNoLostAcknowledgedRecords(t *testing.T) {
	acked := []Record{{0, 0, "m-0"}, {1, 0, "m-1"}, {0, 1, "m-2"}}
	tests := []struct {
		name     string
		consumed []Record
		verdict  Verdict
		detail   string
	}{
		{"all once in order", []Record{{0, 0, "m-0"}, {0, 1, "m-2"}, {1, 0, "m-1"}, {1, 1, "m-3"}}, Pass,
			"all 3 acknowledged records consumed once, in order, at their offsets (4 consumed)"},
		{"lost", []Record{{0, 0, "m-0"}, {1, 0, "m-1"}}, Fail, "1 acknowledged records never consumed: [m-2 (p0@1)]"},
		{"duplicate", []Record{{0, 0, "m-0"}, {0, 1, "m-2"}, {0, 2, "m-2"}, {1, 0, "m-1"}}, Fail, "1 records consumed more than once: [m-2 ×2]"},
		{"elsewhere", []Record{{0, 0, "m-0"}, {0, 5, "m-2"}, {1, 0, "m-1"}}, Fail, "m-2 acknowledged at p0@1, consumed at p0@5"},
		{"out of order", []Record{{0, 3, "m-0"}, {0, 1, "m-2"}, {1, 0, "m-1"}}, Fail, "out of their acknowledgement order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NoLostAcknowledgedRecords(acked, tt.consumed)
			assert.Equal(t, tt.verdict, r.Verdict, r.String())
			assert.Contains(t, r.String(), tt.detail)
		})
	}
	assert.Equal(t, Fail, NoLostAcknowledgedRecords(nil, nil).Verdict, "nothing acknowledged passes")
}
