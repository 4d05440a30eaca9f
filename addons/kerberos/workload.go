package kerberos

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/fault"
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
	// HostLogins adds logins from every Hadoop host on its own clock
	// (kinit through with-host-clock), every IntervalMs: they must fail
	// with Kerberos's clock-skew error while skew-clock holds the host,
	// succeed away from faults, and again within HealSeconds of the heal.
	HostLogins bool `json:"hostLogins,omitempty"`
}

const workloadSchema = `{
  "type": "object",
  "description": "new Kerberos logins (alice, from the test process, a new client each time) every intervalMs through the run: they must succeed while the KDC serves, fail while a fault holds the KDC (kill-daemon, freeze-daemon or kill-host of kdc), and succeed again within healSeconds of its heal",
  "additionalProperties": false,
  "properties": {
    "intervalMs": {"type": "integer", "minimum": 100, "maximum": 60000},
    "healSeconds": {"type": "integer", "minimum": 1, "maximum": 600},
    "hostLogins": {"type": "boolean", "description": "also log in from every Hadoop host on its own clock (kinit of hdfs through with-host-clock) every intervalMs: these must fail with Kerberos's clock-skew error while a skew-clock fault holds the host (ahead or behind by more than the KDC's 5 minutes), succeed away from faults, and succeed again within healSeconds of the heal"}
  }
}`

// The checks the workload records.
const (
	CheckLoginsServed    = "kerberos-logins-while-kdc-serves"
	CheckLoginsRefused   = "kerberos-logins-fail-while-kdc-down"
	CheckLoginsAfterHeal = "kerberos-logins-after-kdc-heal"
	// The host logins' checks (WorkloadParams.HostLogins).
	CheckHostLoginsServed    = "kerberos-host-logins-while-clock-true"
	CheckHostLoginsRefused   = "kerberos-host-logins-fail-while-clock-skewed"
	CheckHostLoginsAfterHeal = "kerberos-host-logins-after-clock-heal"
	// ErrClockSkew is Kerberos's error for a clock too far from the KDC's.
	ErrClockSkew          = "Clock skew too great"
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
	// hosts are the host logins by host (WorkloadParams.HostLogins).
	hosts map[string][]Login
	wg    sync.WaitGroup
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
	w := &logins{c: c, p: p, note: run.Note, cancel: cancel, done: make(chan struct{}), hosts: map[string][]Login{}}
	go w.loop(lctx)
	run.Note("kerberos: a login as %s every %dms", UserAlice, p.IntervalMs)
	if p.HostLogins {
		hosts := loginHosts(c)
		for _, h := range hosts {
			w.wg.Add(1)
			go w.hostLoop(lctx, h)
		}
		run.Note("kerberos: a login on its own clock every %dms from %s", p.IntervalMs, strings.Join(hosts, ", "))
	}
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

// loginHosts are the Hadoop hosts: every host but the KDC's.
func loginHosts(c addon.Cluster) []string {
	var out []string
	for _, h := range c.Topology().Hosts {
		if h != KDCHost {
			out = append(out, h)
		}
	}
	return out
}

// hostLoginScript logs in as hdfs from the users' keytab on the host's
// clock, with a ticket cache of its own, and prints kinit's error.
var hostLoginScript = fmt.Sprintf(`export HAHARNESS_NO_LOGIN=1 KRB5CCNAME=FILE:/tmp/haharness-host-login
with-host-clock kinit -k -t %s %s 2>&1; rc=$?; kdestroy >/dev/null 2>&1; exit $rc`, path.Join(configDir, UsersKeytab), UserHDFS)

func (w *logins) hostLoop(ctx context.Context, host string) {
	defer w.wg.Done()
	tick := time.NewTicker(time.Duration(w.p.IntervalMs) * time.Millisecond)
	defer tick.Stop()
	for {
		l := Login{Start: time.Now()}
		res, err := w.c.Shell(ctx, host, hostLoginScript)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			l.Err = err.Error()
		case res.ExitCode != 0:
			l.Err = fmt.Sprintf("exit %d: %s", res.ExitCode, res.Combined())
		}
		l.End = time.Now()
		w.mu.Lock()
		w.hosts[host] = append(w.hosts[host], l)
		w.mu.Unlock()
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
	w.wg.Wait()
	w.mu.Lock()
	seen := append([]Login(nil), w.seen...)
	hosts := map[string][]Login{}
	for h, ls := range w.hosts {
		hosts[h] = append([]Login(nil), ls...)
	}
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
	if w.p.HostLogins && h != nil {
		checks = append(checks, HostLoginChecks(hosts, invariant.FaultWindows(*h), time.Duration(w.p.HealSeconds)*time.Second)...)
	}
	return checks, nil
}

// hostJudge judges one host's logins against the skew of its clock.
func hostJudge(host string) judge {
	return judge{served: CheckHostLoginsServed, refused: CheckHostLoginsRefused, afterHeal: CheckHostLoginsAfterHeal,
		logins: "logins from " + host, down: host + "'s clock was skewed", cause: ErrClockSkew}
}

// HostLoginChecks judges the host logins (by host) against the fault
// windows: away from every fault of the host or the KDC they succeed;
// within a skew-clock of the host they fail with ErrClockSkew, and succeed
// again within bound of its heal. A check covers every host, failing when
// one fails; the refusal and heal checks come only when a skew held.
func HostLoginChecks(byHost map[string][]Login, windows []invariant.FaultWindow, bound time.Duration) []invariant.Check {
	var served, refused, healed []invariant.Result
	for _, host := range slices.Sorted(maps.Keys(byHost)) {
		seen := byHost[host]
		var touching, skews []invariant.FaultWindow
		for _, fw := range windows {
			if kdcFault(fw.Fault) || slices.Contains(faultHosts(fw.Fault), host) {
				touching = append(touching, fw)
			}
			if strings.HasPrefix(fw.Fault, fault.KindSkewClock+" ") && slices.Contains(faultHosts(fw.Fault), host) {
				skews = append(skews, fw)
			}
		}
		j := hostJudge(host)
		served = append(served, j.Served(seen, touching))
		if len(skews) > 0 {
			refused = append(refused, j.Refused(seen, skews))
			healed = append(healed, j.AfterHeal(seen, skews, bound))
		}
	}
	checks := []invariant.Check{invariant.Recorded(merge(CheckHostLoginsServed, served))}
	if len(refused) == 0 {
		return checks
	}
	return append(checks, invariant.Recorded(merge(CheckHostLoginsRefused, refused)), invariant.Recorded(merge(CheckHostLoginsAfterHeal, healed)))
}

// faultHosts are the hosts a fault's label (NAME => TARGET...) resolved
// to: a target is HOST or HOST/ROLE.
func faultHosts(label string) []string {
	_, targets, ok := strings.Cut(label, " => ")
	if !ok {
		return nil
	}
	var out []string
	for _, t := range strings.Fields(targets) {
		h, _, _ := strings.Cut(t, "/")
		out = append(out, h)
	}
	return out
}

// merge makes one result of check from several: it fails when one does.
func merge(check string, rs []invariant.Result) invariant.Result {
	out := invariant.Result{Check: check, Verdict: invariant.Pass}
	for _, r := range rs {
		if r.Verdict == invariant.Fail {
			out.Verdict = invariant.Fail
		}
		out.Details = append(out.Details, r.Details...)
	}
	return out
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

// near reports whether l overlaps w widened, after its heal, by the time
// logins take to succeed again (after).
func near(l Login, w invariant.FaultWindow, after time.Duration) bool {
	return l.End.After(w.Start) && l.Start.Before(w.End.Add(after))
}

func nearAny(l Login, windows []invariant.FaultWindow) bool {
	for _, w := range windows {
		if near(l, w, defaultHealSeconds*time.Second) {
			return true
		}
	}
	return false
}

// judge names one stream of logins and what must refuse them: its three
// checks, the words of their details, and the error a refused login must
// show ("" any).
type judge struct {
	served, refused, afterHeal string
	logins, down               string // "logins", "the KDC was down"
	cause                      string
}

// kdcJudge judges the test process's logins against the KDC's faults.
var kdcJudge = judge{served: CheckLoginsServed, refused: CheckLoginsRefused, afterHeal: CheckLoginsAfterHeal,
	logins: "logins", down: "the KDC was down"}

// Served checks every login away from windows (and from also, faults
// that may refuse it too) succeeded.
func (j judge) Served(seen []Login, windows []invariant.FaultWindow) invariant.Result {
	res := invariant.Result{Check: j.served, Verdict: invariant.Pass}
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
			failed = append(failed, l.Start.UTC().Format("15:04:05.000")+": "+addon.FirstLine(l.Err))
		}
	}
	res.Details = []string{fmt.Sprintf("%d of %d %s away from the faults succeeded", ok, away, j.logins)}
	if away == 0 || ok < away {
		res.Verdict = invariant.Fail
		res.Details = append(res.Details, failed...)
	}
	return res
}

// Refused checks every login well within a window failed (with the
// judge's cause), and that there was one.
func (j judge) Refused(seen []Login, windows []invariant.FaultWindow) invariant.Result {
	res := invariant.Result{Check: j.refused, Verdict: invariant.Pass}
	in, refused := 0, 0
	var firstErr string
	var through, otherCause []string
	for _, l := range seen {
		for _, w := range windows {
			if !during(l, w) {
				continue
			}
			in++
			switch {
			case l.Err == "":
				through = append(through, l.Start.UTC().Format("15:04:05.000"))
			case j.cause != "" && !strings.Contains(l.Err, j.cause):
				otherCause = append(otherCause, l.Start.UTC().Format("15:04:05.000")+": "+addon.FirstLine(l.Err))
			default:
				refused++
				if firstErr == "" {
					firstErr = l.Err
				}
			}
		}
	}
	res.Details = []string{fmt.Sprintf("%d of %d %s while %s failed", refused, in, j.logins, j.down)}
	if j.cause != "" {
		res.Details[0] += fmt.Sprintf(" with %q", j.cause)
	}
	if firstErr != "" {
		res.Details = append(res.Details, "error: "+addon.FirstLine(firstErr))
	}
	if in == 0 || refused < in {
		res.Verdict = invariant.Fail
		if len(through) > 0 {
			res.Details = append(res.Details, "succeeded at "+strings.Join(through, ", "))
		}
		if len(otherCause) > 0 {
			res.Details = append(res.Details, "failed otherwise at "+strings.Join(otherCause[:min(3, len(otherCause))], ", "))
		}
	}
	return res
}

// AfterHeal checks a login succeeded within bound after each window's
// heal.
func (j judge) AfterHeal(seen []Login, windows []invariant.FaultWindow, bound time.Duration) invariant.Result {
	res := invariant.Result{Check: j.afterHeal, Verdict: invariant.Pass}
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
			res.Details = append(res.Details, fmt.Sprintf("%s: no %s succeeded after the heal", w.Fault, j.logins))
		case first.Sub(w.End) > bound:
			res.Verdict = invariant.Fail
			res.Details = append(res.Details, fmt.Sprintf("%s: the first of the %s succeeded %v after the heal (bound %v)", w.Fault, j.logins, first.Sub(w.End).Round(time.Millisecond), bound))
		default:
			res.Details = append(res.Details, fmt.Sprintf("%s: %s succeeded %v after the heal", w.Fault, j.logins, first.Sub(w.End).Round(time.Millisecond)))
		}
	}
	return res
}

// LoginsServed checks every login away from the KDC's faults succeeded.
func LoginsServed(seen []Login, windows []invariant.FaultWindow) invariant.Result {
	return kdcJudge.Served(seen, windows)
}

// LoginsRefused checks every login well within a KDC fault failed, and
// that there was one.
func LoginsRefused(seen []Login, windows []invariant.FaultWindow) invariant.Result {
	return kdcJudge.Refused(seen, windows)
}

// LoginsAfterHeal checks a login succeeded within bound after each heal
// of the KDC.
func LoginsAfterHeal(seen []Login, windows []invariant.FaultWindow, bound time.Duration) invariant.Result {
	return kdcJudge.AfterHeal(seen, windows, bound)
}
