package observe

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAudit(t *testing.T) {
	text := "2026-12-01T07:10:01.123+0000 allowed=true\tugi=root (auth:SIMPLE)\tip=/172.29.7.1\tcmd=create\tsrc=/haharness/w-000001\tdst=null\tperm=root:supergroup:rw-r--r--\tproto=rpc\n" +
		"2026-12-01T07:10:01.200+0000 allowed=true\tugi=root (auth:SIMPLE)\tip=/172.29.7.1\tcmd=rename\tsrc=/a\tdst=/b\tperm=null\tproto=rpc\n" +
		"2026-12-01T07:10:02.000+0100 allowed=false\tugi=nobody (auth:SIMPLE)\tip=/172.29.7.1\tcmd=delete\tsrc=/x\tdst=null\tperm=null\tproto=rpc\n" +
		"\n" +
		"a line from somewhere else\n" +
		"2026-12-01T07:10:03.000+0000 allowed=tr" // torn last line
	got, err := ParseAudit(text)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, AuditRecord{Time: time.Date(2026, 12, 1, 7, 10, 1, 123e6, time.UTC), Allowed: true, UGI: "root (auth:SIMPLE)",
		IP: "172.29.7.1", Cmd: "create", Src: "/haharness/w-000001"}, withUTC(got[0]))
	assert.Equal(t, "/b", got[1].Dst)
	assert.False(t, got[2].Allowed)
	assert.True(t, got[2].Time.Equal(time.Date(2026, 12, 1, 6, 10, 2, 0, time.UTC)), "the zone offset is honoured: %v", got[2].Time)

	none, err := ParseAudit("")
	require.NoError(t, err)
	assert.Empty(t, none)

	_, err = ParseAudit("2026-12-01 07:10:01,123 INFO FSNamesystem.audit: allowed=true\tcmd=create\n")
	require.ErrorContains(t, err, "no line is an audit record", "a changed layout is an error, not an empty log")
}

func withUTC(r AuditRecord) AuditRecord {
	r.Time = r.Time.UTC()
	return r
}
