package observe

import (
	"bufio"
	"fmt"
	"strings"
	"time"
)

// AuditRecord is one line of a NameNode's HDFS audit log: an operation the
// NameNode served (or refused), when, for whom.
type AuditRecord struct {
	Time    time.Time
	Allowed bool
	UGI     string
	IP      string
	Cmd     string // create, append, rename, delete, open, mkdirs, getfileinfo...
	Src     string
	Dst     string // "" when the line says null
}

// AuditTimeLayout is the time stamp that starts each audit line, as the
// harness's log4j layout writes it (%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ}).
const AuditTimeLayout = "2006-01-02T15:04:05.000-0700"

// ParseAudit decodes an audit log written with the harness's layout: a
// time stamp, a space, then the NameNode's tab-separated key=value fields
// (allowed=true	ugi=root (auth:SIMPLE)	ip=/172.29.7.1	cmd=create	src=/x	dst=null	perm=...).
// Lines that are not audit records are skipped; a torn last line (the log
// being written) too. It fails only when no line at all can be read as a
// record although the text is not empty, which means the layout changed.
func ParseAudit(text string) ([]AuditRecord, error) {
	var out []AuditRecord
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	lines, first := 0, ""
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		lines++
		if first == "" {
			first = line
		}
		if r, ok := parseAuditLine(line); ok {
			out = append(out, r)
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read audit log: %w", err)
	}
	if len(out) == 0 && lines > 0 {
		return nil, fmt.Errorf("read audit log: no line is an audit record (layout %s, then key=value fields); first line: %q", AuditTimeLayout, first)
	}
	return out, nil
}

func parseAuditLine(line string) (AuditRecord, bool) {
	stamp, rest, ok := strings.Cut(line, " ")
	if !ok {
		return AuditRecord{}, false
	}
	t, err := time.Parse(AuditTimeLayout, stamp)
	if err != nil {
		return AuditRecord{}, false
	}
	r := AuditRecord{Time: t}
	seen := 0
	for _, f := range strings.Split(rest, "\t") {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		switch k {
		case "allowed":
			r.Allowed, seen = v == "true", seen+1
		case "ugi":
			r.UGI = v
		case "ip":
			r.IP = strings.TrimPrefix(v, "/")
		case "cmd":
			r.Cmd, seen = v, seen+1
		case "src":
			r.Src = nullable(v)
		case "dst":
			r.Dst = nullable(v)
		}
	}
	return r, seen == 2
}

func nullable(s string) string {
	if s == "null" {
		return ""
	}
	return s
}
