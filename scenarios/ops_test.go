package scenarios

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

	done := make(chan error, 1)
	go func() { done <- o.WaitAcked(context.Background(), 2, time.Minute) }()
	o.Record(invariant.Event{Kind: invariant.KindOp, Key: "/b", OK: true}, true)
	o.Record(invariant.Event{Kind: invariant.KindOp, Key: "/c", OK: true}, true)
	require.NoError(t, <-done)

	err := o.WaitAcked(context.Background(), 1, 300*time.Millisecond)
	require.ErrorContains(t, err, `1 more acknowledged writes: last state: acked=3 failed=1 last error="boom"`)
}
