package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/topology"
)

// The failover rule itself (what wait-failover waits for) is ha.Failover's,
// tested there; this is the guess of the member it is away from.
func TestFailoverFromGuessesTheMemberToFailOverFrom(t *testing.T) {
	group := func(lock string, states ...string) ha.Group {
		g := ha.Group{Role: topology.NameNode, Lock: lock}
		for i, st := range states {
			g.Members = append(g.Members, ha.Member{ID: []string{"nn1", "nn2", "nn3"}[i], State: st})
		}
		return g
	}
	for _, tc := range []struct {
		name string
		g    ha.Group
		from string
		done bool
	}{
		{"the fault is still to come", group("nn1", ha.Active, ha.Standby), "nn1", false},
		{"the failover already happened", group("nn2", ha.Down, ha.Active), "", true},
		{"a lone member", group("nn1", ha.Active), "nn1", false},
		{"the killed active the lock still names", group("nn1", ha.Down, ha.Standby), "nn1", false},
		{"two claim active: the lock's", group("nn2", ha.Active, ha.Active), "nn2", false},
		{"no lock: the only one not standby", group("", ha.Frozen, ha.Standby), "nn1", false},
		{"no lock, two not standby", group("", ha.Down, ha.Down), "", false},
		{"the lock names a standby", group("nn2", ha.Down, ha.Standby, ha.Unknown), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, done := failoverFrom(tc.g)
			assert.Equal(t, tc.from, from)
			assert.Equal(t, tc.done, done)
		})
	}
}
