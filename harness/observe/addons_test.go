package observe

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHBaseServerRoundTrip(t *testing.T) {
	want := ServerName{Host: "hadoop003", Port: 16000, StartCode: 1764707400123}
	b := EncodeHBaseServer("master:16000", want)
	got, err := DecodeHBaseServer(b)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// A fully qualified host name is cut to the host.
	fq := EncodeHBaseServer("x", ServerName{Host: "hadoop001.example", Port: 16020, StartCode: 1})
	got, err = DecodeHBaseServer(fq)
	require.NoError(t, err)
	assert.Equal(t, "hadoop001", got.Host)

	// Without the writer's header, as some tools write it.
	got, err = DecodeHBaseServer(b[5+len("master:16000"):])
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestHBaseServerMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":           {},
		"no PBUF":         []byte("hello"),
		"header too long": {0xFF, 0, 0, 0, 9, 'a'},
		"no server":       []byte("PBUF\x10\x01"),
		"truncated":       append([]byte("PBUF"), 0x0a, 0x10, 0x0a),
	} {
		_, err := DecodeHBaseServer(b)
		assert.ErrorIs(t, err, ErrMalformedZnode, name)
	}
}

func TestParseServerName(t *testing.T) {
	sn, err := ParseServerName("hadoop002,16020,1764707400123")
	require.NoError(t, err)
	assert.Equal(t, ServerName{Host: "hadoop002", Port: 16020, StartCode: 1764707400123}, sn)
	for _, bad := range []string{"hadoop002", "h,x,1", "h,1,y", "a,b"} {
		_, err := ParseServerName(bad)
		assert.ErrorIs(t, err, ErrMalformedZnode, bad)
	}
}

func TestKafkaUnderReplicated(t *testing.T) {
	k := KafkaZK{Partitions: map[string]PartitionState{
		"t/0": {Leader: 1, ISR: []int{1, 2, 3}, Replicas: []int{1, 2, 3}},
		"t/1": {Leader: 2, ISR: []int{2}, Replicas: []int{2, 3, 1}},
		"a/0": {Leader: -1, ISR: []int{3, 1}, Replicas: []int{3, 1, 2}},
	}}
	assert.Equal(t, []string{"a/0", "t/1"}, k.UnderReplicated())
}
