package soak

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/colinmarc/hdfs/v2"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// AppendsPerFile is how many appends a writer makes to a file after
// creating it, before it starts the next file.
const AppendsPerFile = 7

// OpTimeout bounds one create or append, failover included.
const OpTimeout = 30 * time.Second

// writers create files and append to them through the HDFS client of this
// process (hdfs://NAMESERVICE through published ports), each writer its own
// files, and record every operation in the History with the exact chunk it
// added: the soak's checker (invariant.FilesIntact) needs nothing else. A
// writer whose operation failed leaves that file (its last chunk's fate is
// unknown) and starts a new one.
type writers struct {
	c        *harness.Cluster
	h        *invariant.History
	dir      string
	interval time.Duration
	seed     int64

	mu     sync.Mutex
	keys   []string
	acked  int
	failed int
	last   string
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

func startWriters(ctx context.Context, c *harness.Cluster, h *invariant.History, dir string, n int, interval time.Duration, seed int64) (*writers, error) {
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
	w := &writers{c: c, h: h, dir: dir, interval: interval, seed: seed, stop: cancel}
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
		for op := 0; op <= AppendsPerFile && ctx.Err() == nil; op++ {
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

func (w *writers) record(e invariant.Event) {
	w.h.Add(e)
	w.mu.Lock()
	defer w.mu.Unlock()
	if e.Op == invariant.OpCreate {
		w.keys = append(w.keys, e.Key)
	}
	if e.OK {
		w.acked++
	} else {
		w.failed++
		w.last = e.Err
	}
}

// Stop ends the writers and waits for the operations in flight.
func (w *writers) Stop() {
	w.stop()
	w.wg.Wait()
}

// Counts returns acknowledged and failed operations so far, and the last error.
func (w *writers) Counts() (acked, failed int, last string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acked, w.failed, w.last
}

// WaitAcked waits until n more operations than now are acknowledged.
func (w *writers) WaitAcked(ctx context.Context, n int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base, _, _ := w.Counts()
	return poll.Until(ctx, fmt.Sprintf("%d more acknowledged writes", n), 250*time.Millisecond, func(context.Context) (bool, string, error) {
		a, f, last := w.Counts()
		return a >= base+n, fmt.Sprintf("acked=%d failed=%d last error=%q", a, f, last), nil
	})
}

// inDoubt returns the files whose last operation failed: their writer
// left them open, so the NameNode still holds a lease on them.
func (w *writers) inDoubt() []string {
	last := map[string]bool{}
	for _, e := range w.h.Sorted() {
		if e.Kind == invariant.KindOp && (e.Op == invariant.OpCreate || e.Op == invariant.OpAppend) {
			last[e.Key] = e.OK
		}
	}
	var out []string
	for k, ok := range last {
		if !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// recoverLeases closes the files in doubt as HDFS would once their lease
// expired (`hdfs debug recoverLease`, in one shell on a NameNode host), so
// that ReadBack reads what HDFS kept of them rather than a file still
// being written.
func (w *writers) recoverLeases(ctx context.Context) (string, error) {
	keys := w.inDoubt()
	if len(keys) == 0 {
		return "no file in doubt", nil
	}
	script := "ok=0; for p in"
	for _, k := range keys {
		script += " '" + k + "'"
	}
	script += `; do hdfs debug recoverLease -path "$p" -retries 10 2>&1 | grep -q SUCCEEDED && ok=$((ok+1)); done; echo "$ok"`
	host := w.c.Topology().Hosts[0]
	res, err := w.c.Shell(ctx, host, script)
	if err != nil {
		return "", fmt.Errorf("recover leases: %w", err)
	}
	return fmt.Sprintf("recovered the lease of %s of %d file(s) in doubt", strings.TrimSpace(res.Stdout), len(keys)), nil
}

// ReadBack reads every file a writer created, whole, through a fresh
// client, and records each read. A missing file reads as "".
func (w *writers) ReadBack(ctx context.Context) error {
	client, err := w.c.HDFS(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	w.mu.Lock()
	keys := slices.Clone(w.keys)
	w.mu.Unlock()
	var errs []error
	for _, key := range keys {
		start := time.Now()
		var content string
		var rerr error
		err := poll.Until(ctx, "read "+key, 500*time.Millisecond, func(context.Context) (bool, string, error) {
			content, rerr = readAll(client, key)
			return rerr == nil, errString(rerr), nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		w.h.Add(invariant.Event{Time: time.Now(), Kind: invariant.KindOp, Op: invariant.OpRead, Key: key, Value: content,
			Start: start, OK: rerr == nil, Err: errString(rerr)})
	}
	return errors.Join(errs...)
}

func readAll(client *hdfs.Client, key string) (string, error) {
	f, err := client.Open(key)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	return string(b), err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
