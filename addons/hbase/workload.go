package hbase

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/scenarios/invariant"
)

// WorkloadTable is the table of the scenario files' HBase workload.
const WorkloadTable = "haharness_workload"

// WorkloadParams is a scenario file's workload.hbase section.
type WorkloadParams struct {
	// Table is where the puts go (default WorkloadTable).
	Table string `json:"table,omitempty"`
	// IntervalMS is the pause between puts (default 250).
	IntervalMS int `json:"intervalMs,omitempty"`
	// Host is where the client runs (default: the last RegionServer host,
	// which in the guide's preset runs no NameNode and no HMaster, so
	// faults on the active NameNode or HMaster spare it).
	Host string `json:"host,omitempty"`
}

const workloadSchema = `{
  "type": "object",
  "description": "HBase puts, one at a time through HBase's Java client on a cluster host; every acknowledged put must be read back afterwards",
  "additionalProperties": false,
  "properties": {
    "table": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"},
    "intervalMs": {"type": "integer", "minimum": 10, "maximum": 60000},
    "host": {"type": "string"}
  }
}`

func workload() *addon.Workload {
	return &addon.Workload{Schema: workloadSchema, Start: startWorkload}
}

// puts is a running HBase workload.
type puts struct {
	c      addon.Cluster
	client *Client
	p      WorkloadParams
	prefix string
	note   func(string, ...any)
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	puts   []Put
	err    error
}

func startWorkload(ctx context.Context, c addon.Cluster, params json.RawMessage, run addon.Run) (addon.Running, error) {
	p, err := addon.DecodeParams[WorkloadParams](Name, params)
	if err != nil {
		return nil, err
	}
	if p.Table == "" {
		p.Table = WorkloadTable
	}
	if p.IntervalMS == 0 {
		p.IntervalMS = 250
	}
	if p.Host == "" {
		rs := c.Topology().On(RegionServer)
		if len(rs) > 0 {
			p.Host = rs[len(rs)-1]
		}
	}
	cl, err := NewClient(c, p.Host)
	if err != nil {
		return nil, err
	}
	w := &puts{c: c, client: cl, p: p, prefix: strings.NewReplacer(" ", "-", "/", "-", "'", "-").Replace(run.Name), note: run.Note}
	wctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	w.wg.Go(func() {
		ps, err := cl.Write(wctx, Write{Table: p.Table, Prefix: w.prefix, Count: 100000,
			Interval: time.Duration(p.IntervalMS) * time.Millisecond, Duration: run.Duration, Timeout: 30 * time.Second})
		w.mu.Lock()
		w.puts, w.err = ps, err
		w.mu.Unlock()
	})
	return w, nil
}

// Going reports whether the client has had a put acknowledged.
func (w *puts) Going(ctx context.Context) (bool, string, error) {
	res, err := w.c.Shell(ctx, w.p.Host, "grep -c '^ack' "+WorkloadLog(w.prefix)+" 2>/dev/null")
	n := strings.TrimSpace(res.Stdout)
	ok := err == nil && n != "" && n != "0"
	return ok, "hbase puts acknowledged: " + n, nil
}

// Stop ends the client, reads the table back and checks every
// acknowledged put; the HMasters' lanes may show a stale active for at
// most the session timeout (a killed master's znode lives that long).
func (w *puts) Stop(ctx context.Context, _ *invariant.History) ([]invariant.Check, error) {
	// The client ends at its own deadline; stop it now.
	_, _ = w.c.Shell(context.WithoutCancel(ctx), w.p.Host, "pkill -f 'HBaseWorkload write [^ ]+ "+w.prefix+" ' ; true")
	w.cancel()
	w.wg.Wait()
	var acked []Acked
	failed := 0
	for _, p := range w.puts {
		if p.Acked {
			acked = append(acked, Acked{Row: p.Row, Value: p.Value, At: p.End})
		} else {
			failed++
		}
	}
	w.note("hbase: %d puts acknowledged, %d failed (client on %s)", len(acked), failed, w.p.Host)
	rows, err := w.client.Read(ctx, w.p.Table, w.prefix+"-")
	r := NoLostAcknowledgedPuts(acked, rows)
	if err != nil {
		r = invariant.Result{Check: r.Check, Verdict: invariant.Fail, Details: []string{"read back: " + err.Error()}}
	}
	checks := []invariant.Check{invariant.Recorded(r),
		{Check: invariant.CheckStaleActiveWithin, Role: string(HMaster), Bound: SessionTimeoutMS * time.Millisecond}}
	return checks, nil
}
