package kerberos

import (
	"errors"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
)

// Only a refusal of rights counts as one.
func TestZKRefusal(t *testing.T) {
	assert.Equal(t, "zk: not authenticated", zkRefusal("delete /l", func() error { return zk.ErrNoAuth }).Error)
	other := zkRefusal("create /l", func() error { return zk.ErrNodeExists })
	assert.Empty(t, other.Error)
	assert.Contains(t, other.What, "not a refusal of rights")
	done := zkRefusal("delete /l", func() error { return nil })
	assert.Empty(t, done.Error)
	assert.Contains(t, done.What, "(done)")
	assert.Empty(t, zkRefusal("x", func() error { return errors.New("boom") }).Error)
}

// The check script's output splits into its clients' sections, and a
// refusal is the line holding Hadoop's error.
func TestSectionsAndMatched(t *testing.T) {
	out := "== none\nls: " + ErrNoTicket + "\nnone=1\n== mallory\nls: User mallory " + ErrNotAuthorized + " x\nmallory=1\n== alice\nalice=0\n"
	s := sections(out)
	assert.Contains(t, s["alice"], "alice=0")
	assert.Equal(t, "ls: "+ErrNoTicket, matched(s["none"], ErrNoTicket))
	assert.Empty(t, matched(s["alice"], ErrNotAuthorized))
	assert.Equal(t, `Client cannot authenticate via:\[TOKEN, KERBEROS\]`, regexpQuote(ErrNoTicket))
}

func TestLoginChecks(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	login := func(start float64, err string) Login { return Login{Start: at(start), End: at(start + 0.1), Err: err} }
	w := invariant.FaultWindow{Fault: "kill-daemon KILL kdc", Start: at(100), End: at(130), Started: true, Healed: true}
	good := []Login{login(10, ""), login(20, ""), login(101, ""), login(110, "refused"), login(120, "refused"), login(131, ""), login(200, "")}

	assert.Equal(t, invariant.Pass, LoginsServed(good, []invariant.FaultWindow{w}).Verdict)
	assert.Equal(t, invariant.Pass, LoginsRefused(good, []invariant.FaultWindow{w}).Verdict,
		"a login in the first %v of the outage may still get through", loginGrace)
	assert.Equal(t, invariant.Pass, LoginsAfterHeal(good, []invariant.FaultWindow{w}, 30*time.Second).Verdict)

	through := append([]Login(nil), good...)
	through[4].Err = ""
	assert.Equal(t, invariant.Fail, LoginsRefused(through, []invariant.FaultWindow{w}).Verdict, "a login that succeeded while the KDC was down")
	late := []Login{login(10, ""), login(110, "refused"), login(131, "refused"), login(170, "")}
	res := LoginsAfterHeal(late, []invariant.FaultWindow{w}, 30*time.Second)
	assert.Equal(t, invariant.Fail, res.Verdict, "the first login after the heal came 40 s after it")
	assert.Equal(t, invariant.Fail, LoginsServed([]Login{login(10, "no KDC")}, nil).Verdict, "a login failing with no fault")
	assert.Equal(t, invariant.Fail, LoginsRefused([]Login{login(10, "")}, []invariant.FaultWindow{w}).Verdict, "no login during the outage: nothing proved")
	assert.True(t, kdcFault("kill-daemon KILL kdc => kdc/kdc"))
	assert.False(t, kdcFault("kill-daemon KILL active-namenode => hadoop001/namenode"))
}

// Host logins are judged per host against the skews of its own clock.
func TestHostLoginChecks(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	login := func(start float64, err string) Login { return Login{Start: at(start), End: at(start + 0.1), Err: err} }
	skew := invariant.FaultWindow{Fault: "skew-clock active-namenode ahead=10m0s => hadoop001", Start: at(100), End: at(160), Started: true, Healed: true}
	skewErr := "exit 1: kinit: " + ErrClockSkew + " while getting initial credentials"
	byHost := map[string][]Login{
		"hadoop001": {login(10, ""), login(110, skewErr), login(150, skewErr), login(162, ""), login(250, "")},
		"hadoop002": {login(10, ""), login(110, ""), login(150, ""), login(250, "")},
	}
	checks := HostLoginChecks(byHost, []invariant.FaultWindow{skew}, 30*time.Second)
	require.Len(t, checks, 3)
	for _, c := range checks {
		assert.Equal(t, invariant.Pass, c.Recorded.Verdict, "%s", c.Recorded)
	}
	assert.Contains(t, checks[1].Recorded.Details[0], "2 of 2 logins from hadoop001 while hadoop001's clock was skewed failed")

	other := map[string][]Login{"hadoop001": {login(10, ""), login(110, "exit 1: kinit: Cannot contact any KDC"), login(162, "")}}
	res := HostLoginChecks(other, []invariant.FaultWindow{skew}, 30*time.Second)[1].Recorded
	assert.Equal(t, invariant.Fail, res.Verdict, "a refusal for another cause proves nothing of the clock")
	assert.Contains(t, res.String(), "failed otherwise at")

	through := map[string][]Login{"hadoop001": {login(10, ""), login(110, ""), login(162, "")}}
	assert.Equal(t, invariant.Fail, HostLoginChecks(through, []invariant.FaultWindow{skew}, 30*time.Second)[1].Recorded.Verdict)

	broken := map[string][]Login{"hadoop002": {login(10, ""), login(50, "exit 1: kinit: "+ErrClockSkew)}}
	plain := HostLoginChecks(broken, []invariant.FaultWindow{skew}, 30*time.Second)
	require.Len(t, plain, 1, "no skew held hadoop002: only the served check")
	assert.Equal(t, invariant.Fail, plain[0].Recorded.Verdict, "a host login failing away from faults")

	assert.Equal(t, []string{"hadoop001", "hadoop002"}, faultHosts("isolate x => hadoop001/namenode hadoop002"))
	assert.Empty(t, faultHosts("no targets"))
}
