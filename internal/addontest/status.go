package addontest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/addon"
)

// ReadyCase is a change Mod to a ready section and a problem Want that
// Ready then lists.
type ReadyCase[S addon.Section] struct {
	Name string
	Mod  func(S)
	Want string
}

// Ready checks ready() is ready, and each case's change makes Ready list
// its Want, every problem prefixed with the add-on's name.
func Ready[S addon.Section](t *testing.T, name string, ready func() S, cases []ReadyCase[S]) {
	t.Helper()
	assert.Empty(t, ready().Ready(), "the fixture is ready")
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			s := ready()
			tt.Mod(s)
			bad := s.Ready()
			assert.Contains(t, bad, tt.Want)
			for _, b := range bad {
				assert.Regexp(t, "^"+name+": ", b, "every problem names the add-on")
			}
		})
	}
}

// ReportCase is a section, its Summary, a line its Report contains
// (Headline) and regular expressions Lines of the report's table.
type ReportCase struct {
	Name     string
	Status   addon.Section
	Summary  string
	Headline string
	Lines    []string
}

// Report checks each case's Summary and Report.
func Report(t *testing.T, cases []ReportCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			assert.Equal(t, tt.Summary, tt.Status.Summary())
			r := tt.Status.Report()
			assert.Contains(t, r, tt.Headline)
			for _, l := range tt.Lines {
				assert.Regexp(t, l, r)
			}
		})
	}
}

// SectionOf checks statusOf (the module's StatusOf) finds s under m's name
// in a Status's sections and nothing under another name or in none, and s
// is what m's selectors resolve against.
func SectionOf[S addon.Section](t *testing.T, m addon.Module, s S, statusOf func(map[string]addon.Section) S) {
	t.Helper()
	assert.Same(t, s, statusOf(map[string]addon.Section{m.Name: s}))
	assert.Nil(t, statusOf(nil), "a cluster without %s", m.Title)
	assert.Nil(t, statusOf(map[string]addon.Section{"widget": s}), "only %s's own entry counts", m.Title)
	assert.Same(t, s, s.Fault())
}

// SectionJSON checks sec (a pointer to the module's section) marshals to
// the JSON want, and back to itself.
func SectionJSON[S addon.Section](t *testing.T, sec S, want string) {
	t.Helper()
	b, err := json.Marshal(sec)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(b))
	var back S
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, sec, back)
}
