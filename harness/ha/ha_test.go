package ha

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/haharness/haharness/harness/topology"
)

// nns is a NameNode group of nn1, nn2... in states, with lock.
func nns(lock string, states ...string) Group {
	g := Group{Role: topology.NameNode, Lock: lock}
	for i, st := range states {
		g.Members = append(g.Members, Member{ID: "nn" + string(rune('1'+i)), Host: "hadoop00" + string(rune('1'+i)), State: st})
	}
	return g
}

func TestNormalise(t *testing.T) {
	for raw, want := range map[string]string{
		"active": Active, "ACTIVE": Active, " STANDBY\n": Standby, "Observer": "observer",
		"INITIALIZING": "initializing", "down": Down, "": Unknown, "  ": Unknown,
	} {
		assert.Equal(t, want, Normalise(raw), "%q", raw)
	}
}

func TestGroup(t *testing.T) {
	for _, tc := range []struct {
		name       string
		g          Group
		actives    []string
		standbys   []string
		active     string
		splitBrain bool
		settled    string
		str        string
	}{
		{"settled", nns("nn1", Active, Standby), []string{"nn1"}, []string{"nn2"}, "nn1", false, "nn1",
			"nn1=active nn2=standby lock=nn1"},
		{"lock names the standby", nns("nn2", Active, Standby), []string{"nn1"}, []string{"nn2"}, "nn1", false, "",
			"nn1=active nn2=standby lock=nn2"},
		{"no lock", nns("", Active, Down), []string{"nn1"}, nil, "nn1", false, "", "nn1=active nn2=down lock=none"},
		{"split brain", nns("nn2", Active, Active), []string{"nn1", "nn2"}, nil, "", true, "",
			"nn1=active nn2=active lock=nn2"},
		{"none active", nns("", Standby, Standby), nil, []string{"nn1", "nn2"}, "", false, "",
			"nn1=standby nn2=standby lock=none"},
		{"other states", nns("nn3", Frozen, Unknown, "observer"), nil, nil, "", false, "",
			"nn1=frozen nn2=unknown nn3=observer lock=nn3"},
		{"empty", Group{}, nil, nil, "", false, "", "lock=none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			assert.Equal(t, tc.actives, g.Actives(), "Actives")
			assert.Equal(t, len(tc.actives), g.ActiveCount(), "ActiveCount")
			assert.Equal(t, tc.standbys, g.Standbys(), "Standbys")
			assert.Equal(t, tc.active, g.Active(), "Active")
			assert.Equal(t, tc.splitBrain, g.SplitBrain(), "SplitBrain")
			assert.Equal(t, tc.settled, g.Settled(), "Settled")
			assert.Equal(t, tc.str, g.String(), "String")
			assert.Len(t, g.IDs(), len(g.Members), "IDs")
			assert.Len(t, g.States(), len(g.Members), "States")
		})
	}
}

func TestGroupMembers(t *testing.T) {
	g := nns("nn1", Active, Down)
	m, ok := g.Member("nn2")
	assert.True(t, ok)
	assert.Equal(t, Member{ID: "nn2", Host: "hadoop002", State: Down}, m)
	assert.True(t, g.Has("nn1"))
	assert.False(t, g.Has("nn9"))
	assert.Equal(t, Active, g.State("nn1"))
	assert.Empty(t, g.State("nn9"), "not a member")
	assert.Equal(t, []string{"nn1", "nn2"}, g.IDs())
	assert.Equal(t, map[string]string{"nn1": Active, "nn2": Down}, g.States())
}
