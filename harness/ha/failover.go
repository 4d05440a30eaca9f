package ha

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// Failover is the one rule for "the active of a group has moved away from
// from" (from is "" when the active before is not known; then any member
// counts). now shows a failover to member to when all of these hold:
//
//   - to is the single member in state Active: no other member, from
//     included, still claims active;
//   - to is not from;
//   - the election lock names to (now.Settled() is to).
//
// Otherwise to is "" and why says what is missing, for a wait's last state.
//
// It replaces two rules that differed. The scenarios' WaitFailover counted
// a single active other than from; the CLI's wait-failover counted that
// too, and also, while from still claimed active (cut off and not fenced
// yet), the other member the lock named. The stricter of the two is kept:
// while two members claim active a client can still be answered by the old
// one, so the failover is not over. The failover time that scenarios and
// bench measure ends when one active is left, and a release whose cut-off
// active never steps down (YARN-5677, YARN-11839) shows as a failover that
// does not complete, not as one that did. Neither rule looked at the lock
// when a single member was active; the lock is required now, as HA ready
// (harness.Status.Ready) and the harness's waits for an active require
// it. An elector takes the lock before it makes its daemon active, so a
// real failover is not seen later for it; a daemon made active outside the
// election, or a round whose lock read failed, is not taken for one.
func Failover(from string, now Group) (to, why string) {
	actives := now.Actives()
	switch {
	case len(now.Members) == 0:
		return "", "no " + string(now.Role) + " state read"
	case len(actives) == 0:
		return "", "none is active"
	case len(actives) > 1:
		why = strings.Join(actives, " and ") + " claim active"
		if now.Lock != "" && now.Lock != from && slices.Contains(actives, now.Lock) {
			others := slices.DeleteFunc(slices.Clone(actives), func(id string) bool { return id == now.Lock })
			why += fmt.Sprintf(": the lock names %s, %s not fenced yet", now.Lock, strings.Join(others, " and "))
		}
		return "", why
	case actives[0] == from:
		return "", from + " is still the active"
	case now.Lock == "":
		return "", actives[0] + " is active but no election lock is read"
	case now.Lock != actives[0]:
		return "", fmt.Sprintf("%s is active but the lock names %s", actives[0], now.Lock)
	}
	return actives[0], ""
}

// PollInterval is how often WaitFailover reads the group.
const PollInterval = 250 * time.Millisecond

// WaitFailover reads the group of role with read every PollInterval
// (poll.Until) until Failover(from, g) holds, and returns the new active
// and the group it was seen in. A read that fails is retried, its error
// kept in the last state. When ctx ends first, the error is "wait for ROLE
// failover away from FROM: last state: GROUP: WHY: ctx error" and last is
// the last group read.
func WaitFailover(ctx context.Context, role topology.Role, from string, read func(context.Context) (Group, error)) (to string, last Group, err error) {
	name := string(role) + " failover away from " + from
	if from == "" {
		name = string(role) + " failover (from unknown)"
	}
	err = poll.Until(ctx, name, PollInterval, func(ctx context.Context) (bool, string, error) {
		g, err := read(ctx)
		if err != nil {
			seen := "not read"
			if len(last.Members) > 0 {
				seen = last.String()
			}
			return false, seen, fmt.Errorf("read %s state: %w", role, err)
		}
		last = g
		var why string
		to, why = Failover(from, g)
		if to != "" {
			return true, g.String(), nil
		}
		return false, g.String() + ": " + why, nil
	})
	if err != nil {
		return "", last, err
	}
	return to, last, nil
}
