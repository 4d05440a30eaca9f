package spark

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
)

func snapshotOf(s *Status) fault.Snapshot {
	return fault.Snapshot{Topology: Place(topology.Guide()), Addons: map[string]any{Name: s}}
}

// The selectors pick the processes of the newest running application: its
// AM (also its driver in cluster mode), the first host with one of its
// executors, a client-mode driver.
func TestResolve(t *testing.T) {
	older := observe.App{ID: "application_1_0001", State: "RUNNING", Started: 10}
	newer := observe.App{ID: "application_1_0002", State: "RUNNING", Started: 20}
	st := &Status{Apps: []observe.App{older, newer}, Processes: []Process{
		{Host: "hadoop001", PID: 1, Kind: AM, RunsDriver: true, App: older.ID},
		{Host: "hadoop003", PID: 2, Kind: Executor, App: newer.ID},
		{Host: "hadoop002", PID: 3, Kind: Executor, App: newer.ID},
		{Host: "hadoop003", PID: 4, Kind: AM, RunsDriver: true, App: newer.ID},
		{Host: "hadoop001", PID: 5, Kind: Executor, App: older.ID},
	}}
	for sel, want := range map[fault.Selector]topology.Daemon{
		SelectAM:       {Host: "hadoop003", Role: AM},
		SelectDriver:   {Host: "hadoop003", Role: Driver},
		SelectExecutor: {Host: "hadoop002", Role: Executor},
	} {
		ds, err := resolve(sel, snapshotOf(st))
		require.NoError(t, err, sel)
		assert.Equal(t, []topology.Daemon{want}, ds, sel)
	}
	client := &Status{Apps: []observe.App{newer}, Processes: []Process{{Host: "hadoop001", PID: 9, Kind: Driver, RunsDriver: true}}}
	ds, err := resolve(SelectDriver, snapshotOf(client))
	require.NoError(t, err)
	assert.Equal(t, []topology.Daemon{{Host: "hadoop001", Role: Driver}}, ds, "a client-mode driver")
}

// Each way a selector cannot resolve says why.
func TestResolveErrors(t *testing.T) {
	run := observe.App{ID: "application_1_0002", State: "ACCEPTED"}
	for _, tt := range []struct {
		st   *Status
		sel  fault.Selector
		want string
	}{
		{nil, SelectAM, "no Spark state read"},
		{&Status{AppsErr: "no active resourcemanager answered"}, SelectAM, "the running applications are unknown: no active resourcemanager answered"},
		{&Status{}, SelectAM, "no Spark application is running"},
		{&Status{Apps: []observe.App{run}}, SelectExecutor, "no spark-executor process of application_1_0002 (ACCEPTED) found on the hosts"},
	} {
		snap := fault.Snapshot{Topology: Place(topology.Guide()), Addons: map[string]any{}}
		if tt.st != nil {
			snap = snapshotOf(tt.st)
		}
		_, err := resolve(tt.sel, snap)
		assert.ErrorContains(t, err, tt.want)
	}
	assert.True(t, fault.Managed(AM, selectors()...), "heal leaves a killed AM to YARN")
	assert.False(t, fault.Managed(History, selectors()...), "the History Server is the harness's daemon")
}

// Ready wants the History Server only; the report lists each application
// with its attempts and processes.
func TestStatusReport(t *testing.T) {
	st := &Status{HistoryHost: "hadoop003", HistoryUp: true, Apps: []observe.App{{ID: "application_1_0002", Name: "wc", State: "RUNNING", AMHost: "hadoop002",
		Attempts: []observe.AppAttempt{{N: 1, State: "FAILED", NodeHTTP: "hadoop001:8042"}, {N: 2, State: "RUNNING", NodeHTTP: "hadoop002:8042"}}}},
		Processes: []Process{{Host: "hadoop002", PID: 7, Kind: AM, RunsDriver: true, Container: "container_1_0002_02_000001", App: "application_1_0002"}}}
	assert.Empty(t, st.Ready())
	assert.Equal(t, "spark[history=true apps=1]", st.Summary())
	r := st.Report()
	assert.Contains(t, r, "Spark: history server on hadoop003 answering (port 18080); 1 running application(s)")
	assert.Contains(t, r, "attempts 1:FAILED@hadoop001 2:RUNNING@hadoop002")
	assert.Contains(t, r, "spark-am")
	assert.Contains(t, r, "container_1_0002_02_000001")
	assert.Equal(t, []string{"spark: the history server on hadoop003 does not answer"}, (&Status{HistoryHost: "hadoop003"}).Ready())
}
