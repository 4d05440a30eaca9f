package hbase

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
	"github.com/haharness/haharness/internal/docker"
	"github.com/haharness/haharness/scenarios/invariant"
)

// The workload section's schema is JSON and names exactly the fields of
// WorkloadParams.
func TestWorkloadSchemaMatchesParams(t *testing.T) {
	addontest.WorkloadSchemaMatches(t, Module().Workload.Schema, WorkloadParams{})
}

// fakeCluster answers the HBase client's commands as a cluster whose
// client wrote log and whose table holds rows would, and records every
// script it was given; it reaches nothing else (addontest.Cluster).
type fakeCluster struct {
	addontest.Cluster
	log  string // the write's log file
	rows string // the read's output
	mu   sync.Mutex
	ran  []string // HOST: SCRIPT
}

var _ addon.Cluster = (*fakeCluster)(nil)

func (f *fakeCluster) Shell(_ context.Context, host, script string) (docker.Result, error) {
	f.mu.Lock()
	f.ran = append(f.ran, host+": "+script)
	f.mu.Unlock()
	switch {
	case strings.Contains(script, "HBaseWorkload read"):
		return docker.Result{Stdout: f.rows}, nil
	case strings.HasPrefix(script, "grep -c '^ack'"):
		return docker.Result{Stdout: fmt.Sprintf("%d\n", strings.Count(f.log, "ack "))}, nil
	}
	return docker.Result{}, nil
}
func (f *fakeCluster) ReadFile(_ context.Context, _, path string) ([]byte, error) {
	if !strings.HasPrefix(path, strings.TrimSuffix(WorkloadLog(""), ".log")) {
		return nil, fmt.Errorf("no such file %s", path)
	}
	return []byte(f.log), nil
}

func (f *fakeCluster) scripts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ran)
}

// The workload's defaults and parameters reach the client's command line,
// and Stop judges what the client was told against what it reads back.
func TestWorkload(t *testing.T) {
	const prefix = "kill-active-seed-7" // the run's name, made safe for the client
	acked := fmt.Sprintf("ack %[1]s-00000000 v0 1000 1010\nfail %[1]s-00000001 v1 1020 1030 timed out\nack %[1]s-00000002 v2 1040 1050\ndone\n", prefix)
	all := fmt.Sprintf("row %[1]s-00000000 v0\nrow %[1]s-00000002 v2\ndone 2\n", prefix)
	tests := []struct {
		name    string
		params  string
		rows    string
		write   string // the write's arguments: table, prefix, count, interval, duration, timeout
		host    string
		verdict invariant.Verdict
		checks  []string
	}{
		{"defaults", "", all, "'haharness_workload' " + prefix + " 100000 250 60000 30000", "hadoop003", invariant.Pass,
			[]string{"hbase-no-lost-acknowledged-puts", invariant.CheckStaleActiveWithin}},
		{"empty section", "{}", all, "'haharness_workload' " + prefix + " 100000 250 60000 30000", "hadoop003", invariant.Pass,
			[]string{"hbase-no-lost-acknowledged-puts", invariant.CheckStaleActiveWithin}},
		{"every parameter", `{"table": "t1", "intervalMs": 1000, "host": "hadoop001"}`, all,
			"'t1' " + prefix + " 100000 1000 60000 30000", "hadoop001", invariant.Pass,
			[]string{"hbase-no-lost-acknowledged-puts", invariant.CheckStaleActiveWithin}},
		{"a put lost", "", fmt.Sprintf("row %s-00000000 v0\ndone 1\n", prefix), "'haharness_workload' " + prefix, "hadoop003", invariant.Fail,
			[]string{"hbase-no-lost-acknowledged-puts", invariant.CheckStaleActiveWithin}},
		{"the scan disagrees", "", "done 3\n", "'haharness_workload' " + prefix, "hadoop003", invariant.Fail,
			[]string{"hbase-no-lost-acknowledged-puts", invariant.CheckStaleActiveWithin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeCluster{Cluster: addontest.Cluster{Topo: Place(topology.Guide())}, log: acked, rows: tt.rows}
			var notes []string
			run := addon.Run{Name: "kill active/seed'7", Duration: time.Minute, Note: func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }}
			w, err := Module().Workload.Start(t.Context(), c, json.RawMessage(tt.params), run)
			require.NoError(t, err)
			going, what, err := w.Going(t.Context())
			require.NoError(t, err)
			assert.True(t, going, what)
			assert.Equal(t, "hbase puts acknowledged: 2", what)

			checks, err := w.Stop(t.Context(), &invariant.History{})
			require.NoError(t, err)
			var got []string
			for _, ch := range checks {
				got = append(got, ch.Check)
			}
			assert.Equal(t, tt.checks, got)
			require.NotNil(t, checks[0].Recorded)
			assert.Equal(t, tt.verdict, checks[0].Recorded.Verdict, checks[0].Recorded.String())
			assert.Equal(t, string(HMaster), checks[1].Role)
			assert.Equal(t, SessionTimeoutMS*time.Millisecond, checks[1].Bound, "a killed master's znode lives a session")
			assert.Equal(t, []string{"hbase: 2 puts acknowledged, 1 failed (client on " + tt.host + ")"}, notes)

			ran := strings.Join(c.scripts(), "\n")
			assert.Contains(t, ran, tt.host+": rm -f "+WorkloadLog(prefix)+"; ")
			assert.Contains(t, ran, "hbase io.haharness.HBaseWorkload write "+tt.write)
			assert.Contains(t, ran, tt.host+": pkill -f 'HBaseWorkload write [^ ]+ "+prefix+" '", "Stop ends the client")
			assert.Contains(t, ran, "HBaseWorkload read "+strings.Fields(tt.write)[0]+" '"+prefix+"-'")
		})
	}
}

// A section the workload cannot run with is refused before it starts.
func TestWorkloadRefused(t *testing.T) {
	addontest.WorkloadRefused(t, Module(),
		func(tp topology.Topology) *fakeCluster { return &fakeCluster{Cluster: addontest.Cluster{Topo: tp}} },
		func(t *testing.T, c *fakeCluster) { assert.Empty(t, c.scripts(), "nothing ran") },
		[]addontest.RefusedCase{
			{Name: "not JSON of the section", Topo: Place(topology.Guide()), Params: `{"intervalMs": "x"}`, Err: "hbase workload: json: cannot unmarshal"},
			{Name: "no HBase", Topo: topology.Guide(), Params: "{}", Err: "hbase: this cluster does not run the HBase add-on"},
			{Name: "not an HBase host", Topo: Place(topology.Guide()), Params: `{"host": "hadoop009"}`, Err: `hbase client on "hadoop009": run it on an HBase host`},
		})
}
