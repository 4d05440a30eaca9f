package addontest

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/topology"
)

// WorkloadSchemaMatches checks schema (a workload's Schema) is a JSON
// object schema that refuses unknown keys and whose properties are exactly
// the JSON fields of params (the workload's parameters struct, a value
// or a pointer). It returns the properties, for the caller's checks.
func WorkloadSchemaMatches(t *testing.T, schema string, params any) map[string]map[string]any {
	t.Helper()
	var s struct {
		Type                 string                    `json:"type"`
		AdditionalProperties *bool                     `json:"additionalProperties"`
		Properties           map[string]map[string]any `json:"properties"`
	}
	require.NoError(t, json.Unmarshal([]byte(schema), &s))
	assert.Equal(t, "object", s.Type)
	require.NotNil(t, s.AdditionalProperties)
	assert.False(t, *s.AdditionalProperties, "an unknown key is an error")
	assert.ElementsMatch(t, JSONFields(params), slices.Collect(maps.Keys(s.Properties)))
	return s.Properties
}

// JSONFields are the JSON names of the fields of v's struct type (v a
// struct or a pointer to one), in their order: the tag's name.
func JSONFields(v any) []string {
	rt := reflect.TypeOf(v)
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	var out []string
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// RefusedCase is a workload section the workload refuses on a cluster of
// topology Topo, with Err.
type RefusedCase struct {
	Name   string
	Topo   topology.Topology
	Params string
	Err    string
}

// WorkloadRefused starts m's workload on cluster(Topo) with each case's
// section: it is refused with Err, and untouched checks the cluster was
// left alone.
func WorkloadRefused[C addon.Cluster](t *testing.T, m addon.Module, cluster func(topology.Topology) C, untouched func(*testing.T, C), cases []RefusedCase) {
	t.Helper()
	require.NotNil(t, m.Workload)
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			c := cluster(tt.Topo)
			_, err := m.Workload.Start(t.Context(), c, json.RawMessage(tt.Params), addon.Run{Name: "x", Duration: time.Second})
			assert.ErrorContains(t, err, tt.Err)
			untouched(t, c)
		})
	}
}
