package soak

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/colinmarc/hdfs/v2"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios"
	"github.com/haharness/haharness/scenarios/invariant"
)

// OpTimeout bounds one create or append, failover included.
const OpTimeout = 30 * time.Second

// writers create files (and, with appends, append to them) through the
// HDFS client of this process (hdfs://NAMESERVICE through published ports),
// each writer its own files, and record every operation in the History
// with the exact chunk it added: the soak's checker (invariant.FilesIntact)
// needs nothing else. A writer whose operation failed leaves that file (its
// last chunk's fate is unknown) and starts a new one.
type writers struct {
	c        *harness.Cluster
	h        *invariant.History
	dir      string
	interval time.Duration
	seed     int64
	// appends is how many appends follow each create (0: write-once files).
	appends int

	*scenarios.Ops
	stop context.CancelFunc
	wg   sync.WaitGroup
}

func startWriters(ctx context.Context, c *harness.Cluster, h *invariant.History, dir string, n, appends int, interval time.Duration, seed int64) (*writers, error) {
	client, err := c.HDFS(ctx)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	for i := range n {
		if err := client.MkdirAll(fmt.Sprintf("%s/w%d", dir, i), 0o755); err != nil {
			return nil, fmt.Errorf("mkdir %s/w%d: %w", dir, i, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &writers{c: c, h: h, dir: dir, interval: interval, seed: seed, appends: appends, Ops: &scenarios.Ops{History: h}, stop: cancel}
	for i := range n {
		w.wg.Go(func() { w.loop(ctx, i) })
	}
	return w, nil
}

func (w *writers) loop(ctx context.Context, id int) {
	// Chunk contents are seeded too: a replay writes the same bytes.
	r := rand.New(rand.NewPCG(uint64(w.seed), uint64(id)))
	var client *hdfs.Client
	defer func() {
		if client != nil {
			client.Close()
		}
	}()
	for f := 0; ctx.Err() == nil; f++ {
		key := fmt.Sprintf("%s/w%d/f%05d", w.dir, id, f)
		for op := 0; op <= w.appends && ctx.Err() == nil; op++ {
			if client == nil {
				nc, err := w.c.HDFS(ctx)
				if err != nil {
					if poll.Sleep(ctx, w.interval) != nil {
						return
					}
					op--
					continue
				}
				client = nc
			}
			b := make([]byte, 12)
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			chunk := fmt.Sprintf("w%d f%d op%d %s\n", id, f, op, hex.EncodeToString(b))
			kind, do := invariant.OpAppend, harness.AppendFile
			if op == 0 {
				kind, do = invariant.OpCreate, harness.CreateFile
			}
			start := time.Now()
			octx, cancel := context.WithTimeout(ctx, OpTimeout)
			err := do(octx, client, key, []byte(chunk))
			cancel()
			e := invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: kind, Key: key, Value: chunk, Start: start,
				OK: err == nil, Err: errString(err)}
			if err != nil && ctx.Err() != nil {
				e.Err = "soak stopped: " + e.Err
			}
			w.record(e)
			if poll.Sleep(ctx, w.interval) != nil {
				return
			}
			if err != nil {
				// The file's last chunk is in doubt: leave the file, and
				// the client (a broken connection can leave it unusable).
				client.Close()
				client = nil
				break
			}
		}
	}
}

func (w *writers) record(e invariant.Event) { w.Record(e, e.Op == invariant.OpCreate) }

// Stop ends the writers and waits for the operations in flight.
func (w *writers) Stop() {
	w.stop()
	w.wg.Wait()
}

// recoverLeases closes files as HDFS would once their lease expired
// (DebugAdmin recoverLease, in one shell on a NameNode host): a writer that
// failed left them open, and a file whose last block is still being
// written may not be readable until then.
func (w *writers) recoverLeases(ctx context.Context, keys []string) (int, error) {
	script := "ok=0; for p in"
	for _, k := range keys {
		script += " '" + k + "'"
	}
	script += `; do hdfs org.apache.hadoop.hdfs.tools.DebugAdmin recoverLease -path "$p" -retries 10 2>&1 | grep -q SUCCEEDED && ok=$((ok+1)); done; echo "$ok"`
	res, err := w.c.Shell(ctx, w.c.Topology().On(topology.NameNode)[0], script)
	if err != nil {
		return 0, fmt.Errorf("recover leases: %w", err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(res.Stdout))
	return n, nil
}

// ReadBack reads every file a writer created, whole, through a fresh
// client, and records each read (a missing file reads as ""). A file that
// does not read at once gets its lease recovered, then is read until ctx
// ends. It returns a note on what it recovered.
func (w *writers) ReadBack(ctx context.Context) (string, error) {
	client, err := w.c.HDFS(ctx)
	if err != nil {
		return "", err
	}
	defer client.Close()
	keys := w.Keys()
	read := func(key string, timeout time.Duration) error {
		start := time.Now()
		var content string
		var rerr error
		rctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		err := poll.Until(rctx, "read "+key, 500*time.Millisecond, func(context.Context) (bool, string, error) {
			var b []byte
			b, _, rerr = harness.ReadAll(client, key)
			content = string(b)
			return rerr == nil, errString(rerr), nil
		})
		if err == nil {
			w.h.Add(invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: invariant.OpRead, Key: key, Value: content,
				Start: start, OK: true})
		}
		return err
	}
	var stuck []string
	for _, key := range keys {
		if read(key, 3*time.Second) != nil {
			stuck = append(stuck, key)
		}
	}
	if len(stuck) == 0 {
		return "every file read at once", nil
	}
	n, err := w.recoverLeases(ctx, stuck)
	note := fmt.Sprintf("%d file(s) did not read at once; recovered the lease of %d", len(stuck), n)
	if err != nil {
		note += ": " + err.Error()
	}
	var errs []error
	for _, key := range stuck {
		if err := read(key, 2*time.Minute); err != nil {
			w.h.Add(invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: invariant.OpRead, Key: key, Err: err.Error()})
			errs = append(errs, err)
		}
	}
	return note, errors.Join(errs...)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
