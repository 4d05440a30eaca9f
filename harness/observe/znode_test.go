package observe

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guideLock is the ActiveStandbyElectorLock data of nn1 in the guide's
// cluster, built by hand from HAZKInfo.proto.
var guideLock = []byte{
	0x0A, 0x09, 'm', 'y', 'c', 'l', 'u', 's', 't', 'e', 'r', // 1: nameserviceId
	0x12, 0x03, 'n', 'n', '1', // 2: namenodeId
	0x1A, 0x09, 'h', 'a', 'd', 'o', 'o', 'p', '0', '0', '1', // 3: hostname
	0x20, 0xD4, 0x3E, // 4: port 8020 = 0x54 | 0x3E<<7
	0x28, 0xD3, 0x3E, // 5: zkfcPort 8019
}

var guideInfo = ActiveNodeInfo{Nameservice: "mycluster", NameNodeID: "nn1", Hostname: "hadoop001", Port: 8020, ZKFCPort: 8019}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestEncodeActiveNodeInfoGuideBytes(t *testing.T) {
	got := EncodeActiveNodeInfo(guideInfo)
	require.Len(t, got, len(guideLock), "EncodeActiveNodeInfo: % X, want % X", got, guideLock)
	for i := range guideLock {
		assert.Equal(t, guideLock[i], got[i], "byte %d = 0x%02X, want 0x%02X", i, got[i], guideLock[i])
	}
	for _, tag := range []struct {
		off  int
		want byte
	}{{0, 0x0A}, {11, 0x12}, {16, 0x1A}, {27, 0x20}, {30, 0x28}} {
		assert.Equal(t, tag.want, got[tag.off], "tag at offset %d = 0x%02X, want 0x%02X", tag.off, got[tag.off], tag.want)
	}
}

func TestDecodeActiveNodeInfo(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want ActiveNodeInfo
	}{
		{name: "guide fixture", in: guideLock, want: guideInfo},
		{
			name: "fields out of order",
			in:   cat(guideLock[30:], guideLock[27:30], guideLock[16:27], guideLock[11:16], guideLock[0:11]),
			want: guideInfo,
		},
		{
			name: "unknown fields of every wire type skipped",
			in: cat(
				[]byte{0x30, 0x96, 0x01}, // 6: varint 150
				guideLock[:11],
				[]byte{0x39, 1, 2, 3, 4, 5, 6, 7, 8}, // 7: fixed64
				guideLock[11:27],
				[]byte{0x42, 0x02, 'h', 'i'}, // 8: bytes
				guideLock[27:],
				[]byte{0x4D, 1, 2, 3, 4}, // 9: fixed32
				[]byte{0x82, 0x01, 0x00}, // 16: empty bytes (two-byte tag)
			),
			want: guideInfo,
		},
		{
			name: "known field with another wire type skipped",
			in:   cat(guideLock, []byte{0x0D, 1, 2, 3, 4}), // 1 as fixed32
			want: guideInfo,
		},
		{
			name: "repeated field keeps last value",
			in:   cat(guideLock, []byte{0x12, 0x03, 'n', 'n', '2', 0x20, 0x01}),
			want: ActiveNodeInfo{Nameservice: "mycluster", NameNodeID: "nn2", Hostname: "hadoop001", Port: 1, ZKFCPort: 8019},
		},
		{
			name: "empty strings and zero ports",
			in:   []byte{0x0A, 0x00, 0x12, 0x00, 0x1A, 0x00, 0x20, 0x00, 0x28, 0x00},
			want: ActiveNodeInfo{},
		},
		{
			name: "negative int32 as ten-byte varint",
			in:   cat(guideLock[:27], []byte{0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, guideLock[30:]),
			want: ActiveNodeInfo{Nameservice: "mycluster", NameNodeID: "nn1", Hostname: "hadoop001", Port: -1, ZKFCPort: 8019},
		},
		{
			name: "int32 keeps the low 32 bits",
			in:   cat(guideLock[:27], []byte{0x20, 0x80, 0x80, 0x80, 0x80, 0x10}, guideLock[30:]), // 1<<32
			want: ActiveNodeInfo{Nameservice: "mycluster", NameNodeID: "nn1", Hostname: "hadoop001", Port: 0, ZKFCPort: 8019},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeActiveNodeInfo(tt.in)
			require.NoError(t, err, "DecodeActiveNodeInfo(% X)", tt.in)
			assert.Equal(t, tt.want, got, "DecodeActiveNodeInfo(% X)", tt.in)
		})
	}
}

func TestDecodeActiveNodeInfoErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string // substring of the error
	}{
		{"empty", nil, "required field 1 (nameserviceId) is missing"},
		{"missing nameserviceId", guideLock[11:], "required field 1 (nameserviceId) is missing"},
		{"missing namenodeId", cat(guideLock[:11], guideLock[16:]), "required field 2 (namenodeId) is missing"},
		{"missing hostname", cat(guideLock[:16], guideLock[27:]), "required field 3 (hostname) is missing"},
		{"missing port", cat(guideLock[:27], guideLock[30:]), "required field 4 (port) is missing"},
		{"missing zkfcPort", guideLock[:30], "required field 5 (zkfcPort) is missing"},
		{"truncated string", guideLock[:20], "field 3 at offset 16: truncated length-delimited value: need 9 bytes, have 2"},
		{"truncated length", guideLock[:1], "field 1 at offset 0: length: truncated varint"},
		{"truncated varint value", guideLock[:32], "field 5 at offset 30: truncated varint: 1 bytes then end of data"},
		{"truncated tag", cat(guideLock, []byte{0x82}), "tag at offset 33: truncated varint"},
		{"truncated fixed64", cat(guideLock, []byte{0x39, 1, 2, 3}), "field 7 at offset 33: truncated fixed64 value: need 8 bytes, have 3"},
		{"truncated fixed32", cat(guideLock, []byte{0x3D, 1}), "field 7 at offset 33: truncated fixed32 value: need 4 bytes, have 1"},
		{"huge length", cat(guideLock, []byte{0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), "need 18446744073709551615 bytes, have 0"},
		{"wire type 6", cat(guideLock, []byte{0x3E, 0x00}), "field 7 at offset 33: invalid wire type 6"},
		{"wire type 7", cat([]byte{0x0F}, guideLock), "field 1 at offset 0: invalid wire type 7"},
		{"start group", cat(guideLock, []byte{0x3B, 0x3C}), "unsupported wire type 3 (group)"},
		{"end group", cat(guideLock, []byte{0x3C}), "unsupported wire type 4 (group)"},
		{"field number 0", cat([]byte{0x00, 0x00}, guideLock), "tag at offset 0: invalid field number 0"},
		{"field number too large", cat(guideLock, []byte{0x80, 0x80, 0x80, 0x80, 0x10, 0x00}), "invalid field number 536870912"},
		{"varint overflow", cat(guideLock[:27], []byte{0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}), "field 4 at offset 27: varint overflows 64 bits"},
		{"varint longer than ten bytes", cat(guideLock[:27], []byte{0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), "varint overflows 64 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeActiveNodeInfo(tt.in)
			require.Error(t, err, "DecodeActiveNodeInfo(% X) = %+v, want error containing %q", tt.in, got, tt.want)
			assert.ErrorIs(t, err, ErrMalformedZnode)
			assert.ErrorContains(t, err, tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "decode ActiveNodeInfo: "),
				"error %q does not start with %q", err, "decode ActiveNodeInfo: ")
			assert.Equal(t, ActiveNodeInfo{}, got, "on error, want the zero value")
		})
	}
}

func TestDecodeActiveNodeInfoEveryPrefixFails(t *testing.T) {
	for n := range len(guideLock) {
		_, err := DecodeActiveNodeInfo(guideLock[:n])
		assert.Error(t, err, "DecodeActiveNodeInfo of the first %d of %d bytes", n, len(guideLock))
	}
}

func TestActiveRMInfo(t *testing.T) {
	full := []byte{
		0x0A, 0x0F, 'm', 'y', '-', 'y', 'a', 'r', 'n', '-', 'c', 'l', 'u', 's', 't', 'e', 'r', // 1: clusterId
		0x12, 0x03, 'r', 'm', '1', // 2: rmId
	}
	tests := []struct {
		name    string
		in      []byte
		want    ActiveRMInfo
		wantErr string
	}{
		{name: "both fields", in: full, want: ActiveRMInfo{ClusterID: "my-yarn-cluster", RMID: "rm1"}},
		{name: "empty message", in: nil, want: ActiveRMInfo{}},
		{name: "only rmId", in: full[17:], want: ActiveRMInfo{RMID: "rm1"}},
		{name: "unknown fields skipped", in: cat([]byte{0x18, 0x07, 0x21, 1, 2, 3, 4, 5, 6, 7, 8}, full, []byte{0x2D, 1, 2, 3, 4, 0x32, 0x00}), want: ActiveRMInfo{ClusterID: "my-yarn-cluster", RMID: "rm1"}},
		{name: "truncated rmId", in: full[:21], wantErr: "field 2 at offset 17: truncated length-delimited value: need 3 bytes, have 2"},
		{name: "truncated tag", in: cat(full, []byte{0xFF}), wantErr: "tag at offset 22: truncated varint"},
		{name: "invalid wire type", in: cat(full, []byte{0x16}), wantErr: "field 2 at offset 22: invalid wire type 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeActiveRMInfo(tt.in)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrMalformedZnode, "DecodeActiveRMInfo(% X) = %+v", tt.in, got)
				require.ErrorContains(t, err, tt.wantErr, "DecodeActiveRMInfo(% X) = %+v", tt.in, got)
				return
			}
			require.NoError(t, err, "DecodeActiveRMInfo(% X)", tt.in)
			assert.Equal(t, tt.want, got, "DecodeActiveRMInfo(% X)", tt.in)
		})
	}
	got := EncodeActiveRMInfo(ActiveRMInfo{ClusterID: "my-yarn-cluster", RMID: "rm1"})
	assert.Equal(t, full, got, "EncodeActiveRMInfo = % X, want % X", got, full)
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	nodes := []ActiveNodeInfo{
		guideInfo,
		{},
		{Nameservice: "ns", NameNodeID: "nn2", Hostname: "hadoop002", Port: -2147483648, ZKFCPort: 2147483647},
		{Nameservice: strings.Repeat("x", 300), NameNodeID: "\x00\xff", Hostname: "é", Port: 127, ZKFCPort: 128},
	}
	for _, m := range nodes {
		t.Run(fmt.Sprintf("%.20s/%s", m.Nameservice, m.NameNodeID), func(t *testing.T) {
			got, err := DecodeActiveNodeInfo(EncodeActiveNodeInfo(m))
			assert.NoError(t, err, "DecodeActiveNodeInfo(EncodeActiveNodeInfo(%+v))", m)
			assert.Equal(t, m, got, "DecodeActiveNodeInfo(EncodeActiveNodeInfo(%+v))", m)
		})
	}
	for _, m := range []ActiveRMInfo{{}, {ClusterID: "c", RMID: "rm2"}, {RMID: strings.Repeat("r", 200)}} {
		got, err := DecodeActiveRMInfo(EncodeActiveRMInfo(m))
		assert.NoError(t, err, "DecodeActiveRMInfo(EncodeActiveRMInfo(%+v))", m)
		assert.Equal(t, m, got, "DecodeActiveRMInfo(EncodeActiveRMInfo(%+v))", m)
	}
}

func FuzzDecodeActiveNodeInfo(f *testing.F) {
	f.Add(guideLock)
	f.Add([]byte{})
	f.Add(guideLock[:20])
	f.Add(cat([]byte{0x30, 0x96, 0x01, 0x39, 1, 2, 3, 4, 5, 6, 7, 8, 0x4D, 1, 2, 3, 4}, guideLock))
	f.Add(EncodeActiveNodeInfo(ActiveNodeInfo{Port: -1, ZKFCPort: -2147483648}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeActiveNodeInfo(b)
		if _, rmErr := DecodeActiveRMInfo(b); rmErr == nil && err != nil {
			// The two messages share a wire format: only missing
			// required fields may tell them apart.
			assert.ErrorContains(t, err, "is missing", "DecodeActiveRMInfo accepted % X but DecodeActiveNodeInfo failed", b)
		}
		if err != nil {
			assert.ErrorIs(t, err, ErrMalformedZnode)
			return
		}
		enc := EncodeActiveNodeInfo(m)
		got, err := DecodeActiveNodeInfo(enc)
		require.NoError(t, err, "decode of re-encoded %+v (% X)", m, enc)
		require.Equal(t, m, got, "round trip of %+v", m)
		again := EncodeActiveNodeInfo(got)
		require.True(t, bytes.Equal(again, enc), "encoding is not canonical: % X then % X", enc, again)
	})
}
