package scenarios

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// Ops records a workload's operations in a History and counts them, so
// the steps can wait for the cluster to acknowledge writes. Its methods
// are safe for concurrent use; the zero value needs History set.
type Ops struct {
	History *invariant.History

	mu     sync.Mutex
	keys   []string
	acked  int
	failed int
	last   string
}

// Record adds e to the History and counts it; newKey adds e.Key to Keys.
func (o *Ops) Record(e invariant.Event, newKey bool) {
	o.History.Add(e)
	o.mu.Lock()
	defer o.mu.Unlock()
	if newKey {
		o.keys = append(o.keys, e.Key)
	}
	if e.OK {
		o.acked++
	} else {
		o.failed++
		o.last = e.Err
	}
}

// Track adds a key written outside the workload (a probe's) to Keys, so
// it is read back too; it counts no operation.
func (o *Ops) Track(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.keys = append(o.keys, key)
}

// Keys returns the keys recorded as new, in order.
func (o *Ops) Keys() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.keys)
}

// Counts returns acknowledged and failed operations so far, and the last error.
func (o *Ops) Counts() (acked, failed int, lastErr string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.acked, o.failed, o.last
}

// WaitAcked waits, at most timeout, until n more operations than now have
// been acknowledged: proof that the cluster takes writes.
func (o *Ops) WaitAcked(ctx context.Context, n int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base, _, _ := o.Counts()
	return poll.Until(ctx, fmt.Sprintf("%d more acknowledged writes", n), 250*time.Millisecond, func(context.Context) (bool, string, error) {
		a, f, last := o.Counts()
		return a >= base+n, fmt.Sprintf("acked=%d failed=%d last error=%q", a, f, last), nil
	})
}
