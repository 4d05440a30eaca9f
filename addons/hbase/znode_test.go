package hbase

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/observe"
)

func TestHBaseServerRoundTrip(t *testing.T) {
	want := ServerName{Host: "hadoop003", Port: 16000, StartCode: 1764707400123}
	b := EncodeServer("master:16000", want)
	got, err := DecodeServer(b)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// A fully qualified host name is cut to the host.
	fq := EncodeServer("x", ServerName{Host: "hadoop001.example", Port: 16020, StartCode: 1})
	got, err = DecodeServer(fq)
	require.NoError(t, err)
	assert.Equal(t, "hadoop001", got.Host)

	// Without the writer's header, as some tools write it.
	got, err = DecodeServer(b[5+len("master:16000"):])
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
		_, err := DecodeServer(b)
		assert.ErrorIs(t, err, observe.ErrMalformedZnode, name)
	}
}

func TestParseServerName(t *testing.T) {
	sn, err := ParseServerName("hadoop002,16020,1764707400123")
	require.NoError(t, err)
	assert.Equal(t, ServerName{Host: "hadoop002", Port: 16020, StartCode: 1764707400123}, sn)
	for _, bad := range []string{"hadoop002", "h,x,1", "h,1,y", "a,b"} {
		_, err := ParseServerName(bad)
		assert.ErrorIs(t, err, observe.ErrMalformedZnode, bad)
	}
}
