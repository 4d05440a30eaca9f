package ha

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
)

func TestFailover(t *testing.T) {
	for _, tc := range []struct {
		name, from string
		now        Group
		to, why    string
	}{
		{"the standby took over", "nn1", nns("nn2", Down, Active), "nn2", ""},
		{"the old active is standby again", "nn1", nns("nn2", Standby, Active), "nn2", ""},
		{"from unknown: any settled active", "", nns("nn1", Active, Standby), "nn1", ""},
		{"nothing happened yet", "nn1", nns("nn1", Active, Standby), "", "nn1 is still the active"},
		{"none active", "nn1", nns("nn1", Down, Standby), "", "none is active"},
		// The CLI's rule counted this one; the stricter rule waits for nn1
		// to stop claiming active.
		{"the cut-off old active still claims active", "nn1", nns("nn2", Active, Active), "",
			"nn1 and nn2 claim active: the lock names nn2, nn1 not fenced yet"},
		{"two claim and the lock names the old one", "nn1", nns("nn1", Active, Active), "", "nn1 and nn2 claim active"},
		{"two claim and no lock", "nn1", nns("", Active, Active), "", "nn1 and nn2 claim active"},
		// Neither earlier rule looked at the lock for a single active.
		{"new active, lock not yet read", "nn1", nns("", Down, Active), "", "nn2 is active but no election lock is read"},
		{"new active, the lock names another", "nn1", nns("nn1", Down, Active), "", "nn2 is active but the lock names nn1"},
		{"nothing read", "nn1", Group{Role: topology.NameNode}, "", "no namenode state read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			to, why := Failover(tc.from, tc.now)
			assert.Equal(t, tc.to, to)
			assert.Equal(t, tc.why, why)
		})
	}
}

// script returns a read that fails with errs[n] on its n-th call when that
// is set, and otherwise answers the next of groups (the last repeats); and
// a count of its calls.
func script(groups []Group, errs map[int]error) (read func(context.Context) (Group, error), calls func() int) {
	var mu sync.Mutex
	n, next := 0, 0
	read = func(context.Context) (Group, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if err := errs[n-1]; err != nil {
			return Group{}, err
		}
		next++
		return groups[min(next-1, len(groups)-1)], nil
	}
	return read, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func TestWaitFailoverReturnsTheSettledNewActive(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	read, calls := script([]Group{
		nns("nn1", Active, Standby), nns("nn2", Active, Active), nns("nn2", Down, Active),
	}, map[int]error{1: errors.New("engine hiccup")})
	to, last, err := WaitFailover(ctx, topology.NameNode, "nn1", read)
	require.NoError(t, err)
	assert.Equal(t, "nn2", to)
	assert.Equal(t, nns("nn2", Down, Active), last)
	assert.Equal(t, 4, calls(), "a failed read is retried, two claimants are not a failover")
}

func TestWaitFailoverTimesOutWithTheLastStateAndWhy(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*PollInterval)
	defer cancel()
	read, _ := script([]Group{nns("nn2", Active, Active)}, nil)
	to, last, err := WaitFailover(ctx, topology.NameNode, "nn1", read)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Empty(t, to)
	assert.Equal(t, nns("nn2", Active, Active), last)
	assert.ErrorContains(t, err, "wait for namenode failover away from nn1: last state: "+
		"nn1=active nn2=active lock=nn2: nn1 and nn2 claim active: the lock names nn2, nn1 not fenced yet")
}

func TestWaitFailoverKeepsTheLastGroupWhenAReadFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*PollInterval)
	defer cancel()
	boom := errors.New("boom")
	read, _ := script([]Group{nns("nn1", Active, Standby)}, map[int]error{1: boom, 2: boom, 3: boom, 4: boom, 5: boom})
	_, last, err := WaitFailover(ctx, topology.NameNode, "nn1", read)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, nns("nn1", Active, Standby), last)
	assert.ErrorContains(t, err, "wait for namenode failover away from nn1: last state: nn1=active nn2=standby lock=nn1 (read namenode state: boom)")
}

func TestWaitFailoverFromUnknownTakesTheSettledActive(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	read, calls := script([]Group{nns("nn2", Active, Active), nns("nn2", Standby, Active)}, nil)
	to, _, err := WaitFailover(ctx, topology.NameNode, "", read)
	require.NoError(t, err)
	assert.Equal(t, "nn2", to)
	assert.Equal(t, 2, calls())
}
