package addon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios/invariant"
)

// Applications lists the YARN applications of c's active ResourceManager
// in states (all when none given), asking each ResourceManager in turn: a
// standby's redirect, or one that does not answer, sends the question to
// the next. An add-on that runs on YARN reads its
// applications with it.
func Applications(ctx context.Context, c Cluster, states ...string) ([]observe.App, error) {
	var errs []error
	for _, h := range c.Topology().On(topology.ResourceManager) {
		apps, err := observe.Apps(ctx, c.Addr(h, config.PortRMWeb), states...)
		if err == nil {
			return apps, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", h, err))
	}
	return nil, fmt.Errorf("no active resourcemanager answered: %w", errors.Join(errs...))
}

// Application reads application id with its attempts from c's active
// ResourceManager, as Applications finds it.
func Application(ctx context.Context, c Cluster, id string) (observe.App, error) {
	var errs []error
	for _, h := range c.Topology().On(topology.ResourceManager) {
		app, err := observe.AppWithAttempts(ctx, c.Addr(h, config.PortRMWeb), id)
		if err == nil {
			return app, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", h, err))
	}
	return observe.App{}, fmt.Errorf("application %s: no active resourcemanager answered: %w", id, errors.Join(errs...))
}

// FormatAttempts is attempts on one line: N:STATE@HOST each
// (1:FAILED@hadoop001 2:RUNNING@hadoop003), "-" for none.
func FormatAttempts(as []observe.AppAttempt) string {
	var parts []string
	for _, a := range as {
		h := a.Host()
		if h == "" {
			h = "-"
		}
		parts = append(parts, fmt.Sprintf("%d:%s@%s", a.N, a.State, h))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// OneApplication is the result of check: YARN knows exactly one
// application named name, the one submitted as id (a ResourceManager
// failover recovered it under its id; nothing submitted it again).
func OneApplication(ctx context.Context, c Cluster, check, name, id string) invariant.Result {
	r := invariant.Result{Check: check}
	apps, err := Applications(ctx, c)
	if err != nil {
		r.Verdict, r.Details = invariant.Fail, []string{err.Error()}
		return r
	}
	var ids []string
	for _, a := range apps {
		if a.Name == name {
			ids = append(ids, a.ID)
		}
	}
	r.Verdict = invariant.Pass
	if !slices.Equal(ids, []string{id}) {
		r.Verdict = invariant.Fail
	}
	r.Details = []string{fmt.Sprintf("applications named %s: %v (submitted %s)", name, ids, id)}
	return r
}

// AttemptsWithin is the result of check: an application had between min
// and max ApplicationMaster attempts.
func AttemptsWithin(check string, as []observe.AppAttempt, min, max int) invariant.Result {
	r := invariant.Result{Check: check, Verdict: invariant.Pass,
		Details: []string{fmt.Sprintf("%d attempt(s), want %d..%d: %s", len(as), min, max, FormatAttempts(as))}}
	if len(as) < min || len(as) > max {
		r.Verdict = invariant.Fail
	}
	return r
}

// HistoryReady is Ready of a system on YARN whose own daemon is a history
// server: ready when it answers. Applications are a test's own business,
// never a reason for not ready.
func HistoryReady(system, host string, up bool) []string {
	if !up {
		return []string{system + ": the history server on " + host + " does not answer"}
	}
	return nil
}

// HistoryHeadline is the first line of such a system's Report: its
// history server and how many applications run.
func HistoryHeadline(title, host string, up bool, port, apps int) string {
	state := "answering"
	if !up {
		state = "NOT answering"
	}
	return fmt.Sprintf("%s: history server on %s %s (port %d); %d running application(s)\n", title, host, state, port, apps)
}
