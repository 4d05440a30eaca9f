// Package ledger is a small Hadoop-dependent program of the kind haharness
// is for: it appends entries to a ledger stored in HDFS, one file per entry
// under a directory, through an HA nameservice, and reads them back. It
// retries a failed append, so it rides out a NameNode failover. Its test
// (ledger_test.go) proves that with a real HA cluster: copy it into your
// project as a starting point.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"time"

	"github.com/colinmarc/hdfs/v2"
)

// Ledger appends entries under Dir.
type Ledger struct {
	// NewClient returns a fresh HDFS client (the ledger makes a new one after
	// an error, since a connection broken by a failover is not reused).
	NewClient func(ctx context.Context) (*hdfs.Client, error)
	Dir       string
	// Retry is the wait between attempts; default 500 ms.
	Retry time.Duration

	client *hdfs.Client
}

// Append writes entry n and returns once HDFS has acknowledged it,
// retrying until ctx ends.
func (l *Ledger) Append(ctx context.Context, n int, entry []byte) error {
	name := path.Join(l.Dir, fmt.Sprintf("%08d", n))
	var last error
	for attempt := 0; ; attempt++ {
		if l.client == nil {
			c, err := l.NewClient(ctx)
			if err != nil {
				return err
			}
			l.client = c
		}
		if last = l.write(ctx, name, entry); last == nil {
			return nil
		}
		l.client.Close()
		l.client = nil
		t := time.NewTimer(l.retry())
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("append %s after %d attempts: %w (last error: %v)", name, attempt+1, ctx.Err(), last)
		case <-t.C:
		}
	}
}

func (l *Ledger) retry() time.Duration {
	if l.Retry <= 0 {
		return 500 * time.Millisecond
	}
	return l.Retry
}

func (l *Ledger) write(ctx context.Context, name string, entry []byte) error {
	if err := l.client.MkdirAll(l.Dir, 0o755); err != nil {
		return err
	}
	_ = l.client.Remove(name)
	w, err := l.client.Create(name)
	if err != nil {
		return err
	}
	if _, err := w.Write(entry); err != nil {
		_ = w.Close()
		return err
	}
	for {
		err := w.Close()
		if !errors.Is(err, hdfs.ErrReplicating) {
			return err
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Entries reads every entry back, in order.
func (l *Ledger) Entries(ctx context.Context) ([][]byte, error) {
	c, err := l.NewClient(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	infos, err := c.ReadDir(l.Dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, fi := range infos {
		names = append(names, fi.Name())
	}
	slices.Sort(names)
	var out [][]byte
	for _, n := range names {
		f, err := c.Open(path.Join(l.Dir, n))
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Close releases the client.
func (l *Ledger) Close() {
	if l.client != nil {
		l.client.Close()
	}
}
