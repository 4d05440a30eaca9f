package harness

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeadlineConnReportsEveryTimeout(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	timeouts := 0
	conn := deadlineConn{Conn: client, timeout: 20 * time.Millisecond, timedOut: func() { timeouts++ }}
	defer conn.Close()

	// Nothing answers, as from a frozen NameNode.
	_, err := conn.Read(make([]byte, 1))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	_, err = conn.Write([]byte("x"))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.Equal(t, 2, timeouts)

	// An answer in time is not a timeout.
	go func() { _, _ = server.Write([]byte("y")) }()
	conn.timeout = time.Second
	_, err = conn.Read(make([]byte, 1))
	require.NoError(t, err)
	assert.Equal(t, 2, timeouts)
}

func TestQuarantineHoldsUntilItsTime(t *testing.T) {
	var q quarantine
	now := time.Now()
	_, ok := q.holds("hadoop001:8020", now)
	assert.False(t, ok, "empty")

	q.add("hadoop001:8020", now.Add(time.Second))
	q.add("hadoop001:8020", now.Add(time.Millisecond)) // an earlier end does not shorten it
	until, ok := q.holds("hadoop001:8020", now)
	assert.True(t, ok)
	assert.Equal(t, now.Add(time.Second), until)
	_, ok = q.holds("hadoop002:8020", now)
	assert.False(t, ok, "another NameNode")
	_, ok = q.holds("hadoop001:8020", now.Add(time.Second))
	assert.False(t, ok, "over at its time")

	q.clear() // as a converged heal does
	_, ok = q.holds("hadoop001:8020", now)
	assert.False(t, ok, "cleared")
}

func TestNameserviceDialRefusesAQuarantinedNameNodeAtOnce(t *testing.T) {
	c := &Cluster{}
	c.quarantine.add("hadoop001:8020", time.Now().Add(time.Minute))
	start := time.Now()
	_, err := c.nameserviceDial(context.Background(), "tcp", "hadoop001:8020")
	require.ErrorContains(t, err, "dial hadoop001:8020: skipped until")
	assert.ErrorContains(t, err, "timed out")
	assert.Less(t, time.Since(start), time.Second)
}
