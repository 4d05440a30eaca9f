// Package poll is the one place in haharness that waits on time. Every wait
// polls a named condition under a context and, on timeout, reports the last
// state it saw.
//
// Layering: imports no project package.
package poll

import (
	"context"
	"fmt"
	"time"
)

// Interval is the default time between two checks.
const Interval = 500 * time.Millisecond

// Until calls check every interval until it reports done, returns an error
// that is Permanent, or ctx ends. check returns a short description of the
// state it saw; on timeout Until returns "wait for NAME: last state: STATE:
// ctx error".
func Until(ctx context.Context, name string, interval time.Duration, check func(ctx context.Context) (done bool, state string, err error)) error {
	if interval <= 0 {
		interval = Interval
	}
	last := "not checked yet"
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		done, state, err := check(ctx)
		if state != "" {
			last = state
		}
		if err != nil {
			if p, ok := err.(permanent); ok {
				return fmt.Errorf("wait for %s: %w (last state: %s)", name, p.err, last)
			}
			last = state + " (" + err.Error() + ")"
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: last state: %s: %w", name, last, ctx.Err())
		case <-t.C:
		}
	}
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks an error that ends a wait at once (e.g. the daemon exited).
func Permanent(err error) error { return permanent{err} }

// Sleep waits d or until ctx ends. It is for intended pauses (a fault window,
// a workload ramp), never for waiting on a condition.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WithTimeout is context.WithTimeout, here so callers that only wait need one import.
func WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}
