package scenarios

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

func TestOpsCountsAndWaits(t *testing.T) {
	h := &invariant.History{}
	o := &Ops{History: h}
	o.Record(invariant.Event{Kind: invariant.KindOp, Key: "/a", OK: true}, true)
	o.Record(invariant.Event{Kind: invariant.KindOp, Key: "/a", Err: "boom"}, false)
	a, f, last := o.Counts()
	assert.Equal(t, []int{1, 1}, []int{a, f})
	assert.Equal(t, "boom", last)
	assert.Equal(t, []string{"/a"}, o.Keys())
	assert.Len(t, h.Sorted(), 2, "every op lands in the History")
	o.Track("/probe")
	assert.Equal(t, []string{"/a", "/probe"}, o.Keys(), "a probe's key is read back too")
	a, f, _ = o.Counts()
	assert.Equal(t, []int{1, 1}, []int{a, f}, "and counts no operation")

	// A writer that keeps being acknowledged: the wait ends.
	ctx, stop := context.WithCancel(context.Background())
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		for ctx.Err() == nil {
			o.Record(invariant.Event{Kind: invariant.KindOp, Key: "/b", OK: true}, false)
			_ = poll.Sleep(ctx, 10*time.Millisecond)
		}
	}()
	require.NoError(t, o.WaitAcked(context.Background(), 2, time.Minute))
	stop()
	<-writing
	a, _, _ = o.Counts()

	err := o.WaitAcked(context.Background(), 1, 300*time.Millisecond)
	require.ErrorContains(t, err, fmt.Sprintf(`1 more acknowledged writes: last state: acked=%d failed=1 last error="boom"`, a))
}
