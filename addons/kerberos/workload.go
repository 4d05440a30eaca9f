package kerberos

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// WorkloadParams is a scenario file's workload.kerberos section: new
// logins to the KDC (as alice, from the test process, a new client each
// time) every IntervalMs through the run.
type WorkloadParams struct {
	IntervalMs int `json:"intervalMs,omitempty"`
	// HealSeconds bounds how soon after the KDC's heal a login must
	// succeed again.
	HealSeconds int `json:"healSeconds,omitempty"`
}

const workloadSchema = `{
  "type": "object",
  "description": "new Kerberos logins (alice, from the test process, a new client each time) every intervalMs through the run: they must succeed while the KDC serves, fail while a fault holds the KDC (kill-daemon, freeze-daemon or kill-host of kdc), and succeed again within healSeconds of its heal",
  "additionalProperties": false,
  "properties": {
    "intervalMs": {"type": "integer", "minimum": 100, "maximum": 60000},
    "healSeconds": {"type": "integer", "minimum": 1, "maximum": 600}
  }
}`

// The checks the workload records.
const (
	CheckLoginsServed     = "kerberos-logins-while-kdc-serves"
	CheckLoginsRefused    = "kerberos-logins-fail-while-kdc-down"
	CheckLoginsAfterHeal  = "kerberos-logins-after-kdc-heal"
	loginGrace            = 2 * time.Second // a fault's effect and its heal's take this long to land
	defaultHealSeconds    = 30
	defaultLoginsInterval = 1000
)

func workload() *addon.Workload {
	return &addon.Workload{Schema: workloadSchema, Start: startWorkload}
}

// Login is one login attempt of the workload.
type Login struct {
	Start, End time.Time
	Err        string
}

type logins struct {
	c      addon.Cluster
	p      WorkloadParams
	note   func(string, ...any)
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	seen   []Login
}

func startWorkload(ctx context.Context, c addon.Cluster, params json.RawMessage, run addon.Run) (addon.Running, error) {
	p, err := addon.DecodeParams[WorkloadParams](Name, params)
	if err != nil {
		return nil, err
	}
	if p.IntervalMs == 0 {
		p.IntervalMs = defaultLoginsInterval
	}
	if p.HealSeconds == 0 {
		p.HealSeconds = defaultHealSeconds
	}
	// The workload outlives the Start call: its own context, ended by Stop.
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &logins{c: c, p: p, note: run.Note, cancel: cancel, done: make(chan struct{})}
	go w.loop(lctx)
	run.Note("kerberos: a login as %s every %dms", UserAlice, p.IntervalMs)
	return w, nil
}

func (w *logins) loop(ctx context.Context) {
	defer close(w.done)
	tick := time.NewTicker(time.Duration(w.p.IntervalMs) * time.Millisecond)
	defer tick.Stop()
	for {
		w.login()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// login makes one new client and logs it in.
func (w *logins) login() Login {
	l := Login{Start: time.Now()}
	cl, err := Client(w.c, UserAlice)
	if err != nil {
		l.Err = err.Error()
	} else {
		cl.Destroy()
	}
	l.End = time.Now()
	w.mu.Lock()
	w.seen = append(w.seen, l)
	w.mu.Unlock()
	return l
}

// Going reports whether a login has succeeded yet.
func (w *logins) Going(context.Context) (bool, string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ok := 0
	for _, l := range w.seen {
		if l.Err == "" {
			ok++
		}
	}
	return ok > 0, fmt.Sprintf("kerberos: %d of %d logins succeeded", ok, len(w.seen)), nil
}

// Stop ends the logins, waiting (up to HealSeconds) for one more to
// succeed if the last failed, and judges them against the KDC's fault
// windows.
func (w *logins) Stop(ctx context.Context, h *invariant.History) ([]invariant.Check, error) {
	// A login failing at the end (a heal just done) gets its chance to
	// succeed: the last one is judged, not waited for beyond the bound.
	wctx, cancel := context.WithTimeout(ctx, time.Duration(w.p.HealSeconds)*time.Second)
	_ = poll.Until(wctx, "a kerberos login succeeding", time.Duration(w.p.IntervalMs)*time.Millisecond,
		func(context.Context) (bool, string, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			last := w.seen[len(w.seen)-1]
			return last.Err == "", "last login: " + addon.FirstLine(last.Err), nil
		})
	cancel()
	w.cancel()
	<-w.done
	w.mu.Lock()
	seen := append([]Login(nil), w.seen...)
	w.mu.Unlock()
	var windows []invariant.FaultWindow
	if h != nil {
		for _, fw := range invariant.FaultWindows(*h) {
			if kdcFault(fw.Fault) {
				windows = append(windows, fw)
			}
		}
	}
	w.note("kerberos: %d logins, %d KDC fault window(s)", len(seen), len(windows))
	checks := []invariant.Check{invariant.Recorded(LoginsServed(seen, windows))}
	if len(windows) > 0 {
		checks = append(checks, invariant.Recorded(LoginsRefused(seen, windows)),
			invariant.Recorded(LoginsAfterHeal(seen, windows, time.Duration(w.p.HealSeconds)*time.Second)))
	}
	return checks, nil
}

// kdcFault reports whether a fault's name is one of the KDC's (its
// selector, or its host or daemon resolved).
func kdcFault(name string) bool {
	return strings.Contains(name, " "+string(SelectKDC)) || strings.Contains(name, KDCHost+"/"+string(KDC))
}

// during reports whether l lies within w, both ends loginGrace inside.
func during(l Login, w invariant.FaultWindow) bool {
	return !l.Start.Before(w.Start.Add(loginGrace)) && !l.End.After(w.End)
}

// near reports whether l overlaps w widened by loginGrace and, after a
// heal, the time a KDC takes to serve again (bound).
func near(l Login, w invariant.FaultWindow, after time.Duration) bool {
	return l.End.After(w.Start) && l.Start.Before(w.End.Add(after))
}

// LoginsServed checks every login away from the KDC's faults succeeded.
func LoginsServed(seen []Login, windows []invariant.FaultWindow) invariant.Result {
	res := invariant.Result{Check: CheckLoginsServed, Verdict: invariant.Pass}
	ok, away := 0, 0
	var failed []string
	for _, l := range seen {
		if nearAny(l, windows) {
			continue
		}
		away++
		if l.Err == "" {
			ok++
		} else if len(failed) < 3 {
			failed = append(failed, l.Start.UTC().Format("15:04:05.000")+": "+l.Err)
		}
	}
	res.Details = []string{fmt.Sprintf("%d of %d logins away from the KDC's faults succeeded", ok, away)}
	if away == 0 || ok < away {
		res.Verdict = invariant.Fail
		res.Details = append(res.Details, failed...)
	}
	return res
}

func nearAny(l Login, windows []invariant.FaultWindow) bool {
	for _, w := range windows {
		if near(l, w, defaultHealSeconds*time.Second) {
			return true
		}
	}
	return false
}

// LoginsRefused checks every login well within a KDC fault failed, and
// that there was one.
func LoginsRefused(seen []Login, windows []invariant.FaultWindow) invariant.Result {
	res := invariant.Result{Check: CheckLoginsRefused, Verdict: invariant.Pass}
	in, refused := 0, 0
	var firstErr string
	var through []string
	for _, l := range seen {
		for _, w := range windows {
			if !during(l, w) {
				continue
			}
			in++
			if l.Err != "" {
				refused++
				if firstErr == "" {
					firstErr = l.Err
				}
			} else {
				through = append(through, l.Start.UTC().Format("15:04:05.000"))
			}
		}
	}
	res.Details = []string{fmt.Sprintf("%d of %d logins while the KDC was down failed", refused, in)}
	if firstErr != "" {
		res.Details = append(res.Details, "error: "+addon.FirstLine(firstErr))
	}
	if in == 0 || refused < in {
		res.Verdict = invariant.Fail
		if len(through) > 0 {
			res.Details = append(res.Details, "succeeded at "+strings.Join(through, ", "))
		}
	}
	return res
}

// LoginsAfterHeal checks a login succeeded within bound after each heal
// of the KDC.
func LoginsAfterHeal(seen []Login, windows []invariant.FaultWindow, bound time.Duration) invariant.Result {
	res := invariant.Result{Check: CheckLoginsAfterHeal, Verdict: invariant.Pass}
	for _, w := range windows {
		if !w.Healed {
			res.Verdict = invariant.Fail
			res.Details = append(res.Details, fmt.Sprintf("%s: not healed in the run", w.Fault))
			continue
		}
		var first time.Time
		for _, l := range seen {
			if l.Err == "" && l.Start.After(w.End) {
				first = l.End
				break
			}
		}
		switch {
		case first.IsZero():
			res.Verdict = invariant.Fail
			res.Details = append(res.Details, fmt.Sprintf("%s: no login succeeded after the heal", w.Fault))
		case first.Sub(w.End) > bound:
			res.Verdict = invariant.Fail
			res.Details = append(res.Details, fmt.Sprintf("%s: the first login succeeded %v after the heal (bound %v)", w.Fault, first.Sub(w.End).Round(time.Millisecond), bound))
		default:
			res.Details = append(res.Details, fmt.Sprintf("%s: a login succeeded %v after the heal", w.Fault, first.Sub(w.End).Round(time.Millisecond)))
		}
	}
	return res
}
