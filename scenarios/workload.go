package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// Workload writes numbered files through hdfs://NAMESERVICE from this
// process while a scenario runs, recording every write (acknowledged or not)
// in the History; Verify reads every key back at the end.
type Workload struct {
	c        *harness.Cluster
	h        *invariant.History
	dir      string
	interval time.Duration
	seed     int64

	ops  *Ops
	stop context.CancelFunc
	done chan struct{}
}

// AckTimeout bounds WaitAcked.
const AckTimeout = 2 * time.Minute

// OpTimeout bounds one workload write, failover included.
const OpTimeout = 30 * time.Second

// StartWorkload begins writing a file every interval under dir.
func StartWorkload(ctx context.Context, c *harness.Cluster, h *invariant.History, dir string, interval time.Duration, seed int64) (*Workload, error) {
	client, err := c.HDFS(ctx)
	if err != nil {
		return nil, err
	}
	if err := client.MkdirAll(dir, 0o755); err != nil {
		client.Close()
		return nil, fmt.Errorf("mkdir %s: %w", dir, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &Workload{c: c, h: h, dir: dir, interval: interval, seed: seed, ops: &Ops{History: h}, stop: cancel, done: make(chan struct{})}
	go w.loop(ctx, client)
	return w, nil
}

func (w *Workload) loop(ctx context.Context, client *hdfs.Client) {
	defer close(w.done)
	defer func() { client.Close() }()
	for i := 0; ctx.Err() == nil; i++ {
		key := fmt.Sprintf("%s/w-%06d", w.dir, i)
		value := fmt.Sprintf("seed=%d op=%d time=%s\n", w.seed, i, time.Now().UTC().Format(time.RFC3339Nano))
		start := time.Now()
		octx, cancel := context.WithTimeout(ctx, OpTimeout)
		err := harness.WriteFile(octx, client, key, []byte(value))
		cancel()
		if ctx.Err() != nil && err != nil {
			// Stopped mid-write: the outcome is unknown; record it as such.
			w.record(invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: invariant.OpWrite, Key: key, Value: value,
				Start: start, Err: "workload stopped: " + err.Error()})
			return
		}
		w.record(invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: invariant.OpWrite, Key: key, Value: value,
			Start: start, OK: err == nil, Err: errString(err)})
		if err != nil {
			// A broken connection can leave the client unusable; start afresh.
			client.Close()
			if nc, cerr := w.c.HDFS(ctx); cerr == nil {
				client = nc
			}
		}
		if poll.Sleep(ctx, w.interval) != nil {
			return
		}
	}
}

func (w *Workload) record(e invariant.Event) { w.ops.Record(e, true) }

// Stop ends the workload and waits for the write in flight.
func (w *Workload) Stop() {
	w.stop()
	<-w.done
}

// Counts returns acknowledged and failed writes so far, and the last error.
func (w *Workload) Counts() (acked, failed int, lastErr string) { return w.ops.Counts() }

// WaitAcked waits until n more writes than now have been acknowledged:
// proof that the cluster takes writes.
func (w *Workload) WaitAcked(ctx context.Context, n int) error {
	return w.ops.WaitAcked(ctx, n, AckTimeout)
}

// Track adds key, acknowledged outside the workload's loop (a probe's
// write), to the keys Verify reads back.
func (w *Workload) Track(key string) { w.ops.Track(key) }

// Verify reads back every key the workload tried to write (after the
// cluster is healed) and records the reads. A missing file is recorded as a
// successful read of the empty value.
func (w *Workload) Verify(ctx context.Context) error {
	client, err := w.c.HDFS(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	keys := w.ops.Keys()
	var errs []error
	for _, key := range keys {
		start := time.Now()
		var value string
		var rerr error
		err := poll.Until(ctx, "read "+key, 500*time.Millisecond, func(context.Context) (bool, string, error) {
			var b []byte
			b, _, rerr = harness.ReadAll(client, key)
			value = string(b)
			return rerr == nil, errString(rerr), nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		w.h.Add(invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: invariant.OpRead, Key: key, Value: value,
			Start: start, OK: rerr == nil, Err: errString(rerr)})
	}
	return errors.Join(errs...)
}

// RecordServed adds to h what each NameNode's audit log says it served
// under prefix (creates and appends: the writes' commit points a NameNode
// must have synced to the JournalNodes), as invariant.KindServed events,
// so NoSplitBrainWrites can tell which NameNode served each write. It
// returns how many it added.
func RecordServed(ctx context.Context, c *harness.Cluster, h *invariant.History, prefix string) (int, error) {
	t := c.Topology()
	n := 0
	var errs []error
	for _, host := range t.On(topology.NameNode) {
		recs, err := c.AuditRecords(ctx, host)
		if err != nil {
			errs = append(errs, err)
		}
		for _, r := range recs {
			if !r.Allowed || (r.Cmd != "create" && r.Cmd != "append") || !strings.HasPrefix(r.Src, prefix) {
				continue
			}
			h.Add(invariant.Event{Time: r.Time, Kind: invariant.KindServed, Daemon: t.NameNodeID(host), Op: r.Cmd, Key: r.Src})
			n++
		}
	}
	return n, errors.Join(errs...)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
