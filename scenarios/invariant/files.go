package invariant

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// FilesIntact checks files built by one writer each from a create and
// appends (OpCreate, OpAppend: Value is the chunk the op added), against
// the last successful read of each (OpRead, Value the whole file).
//
// The ops of a key are taken in invocation order. The file must read as
// their chunks in that order, byte for byte, where every acknowledged chunk
// is present and whole; a chunk whose op was not acknowledged may be whole
// or missing, and the last op's may also be cut short (the writer died in
// the middle of it). Anything else is a lost acknowledged chunk (the file
// ends early or is missing) or corruption (other bytes where a chunk should
// be, or bytes after the last chunk). It fails naming the keys and what
// differs; otherwise it is inconclusive when no op was acknowledged or an
// acknowledged key was never read back.
func FilesIntact(h History) Result {
	r := Result{Check: "files-intact"}
	ops := map[string][]Event{}
	last := map[string]Event{}
	for _, e := range h.Sorted() {
		if e.Kind != KindOp {
			continue
		}
		switch e.Op {
		case OpCreate, OpAppend:
			ops[e.Key] = append(ops[e.Key], e)
		case OpRead:
			if e.OK {
				last[e.Key] = e
			}
		}
	}
	var unread []string
	files, chunks := 0, 0
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		kops := ops[key]
		slices.SortStableFunc(kops, func(a, b Event) int { return a.Start.Compare(b.Start) })
		acked := 0
		for _, o := range kops {
			if o.OK {
				acked++
			}
		}
		if acked == 0 {
			continue
		}
		rd, ok := last[key]
		if !ok {
			unread = append(unread, key)
			continue
		}
		if why := matchChunks(rd.Value, kops); why != "" {
			r.Details = append(r.Details, key+": "+why)
			continue
		}
		files++
		chunks += acked
	}
	switch {
	case len(r.Details) > 0:
		r.Verdict = Fail
	case len(unread) > 0:
		r.Verdict = Inconclusive
		r.Details = []string{fmt.Sprintf("%d file(s) with acknowledged chunks never read back: %s", len(unread), strings.Join(first(unread, 5), ", "))}
	case files == 0:
		r.Verdict = Inconclusive
		r.Details = []string{"no create or append was acknowledged"}
	default:
		r.Verdict = Pass
		r.Details = []string{fmt.Sprintf("%d file(s), %d acknowledged chunk(s), read back byte for byte", files, chunks)}
	}
	return r
}

// matchChunks explains how content differs from what ops allow, or "".
func matchChunks(content string, ops []Event) string {
	pos := 0
	for i, o := range ops {
		rest := content[pos:]
		switch {
		case strings.HasPrefix(rest, o.Value):
			pos += len(o.Value)
		case o.OK && len(rest) < len(o.Value) && strings.HasPrefix(o.Value, rest):
			return fmt.Sprintf("acknowledged %s #%d lost: the file ends %d byte(s) into it (%d of %d bytes read)",
				o.Op, i, len(rest), len(content), pos+len(o.Value))
		case o.OK:
			return fmt.Sprintf("acknowledged %s #%d not found at byte %d: want %q, read %q", o.Op, i, pos, clip(o.Value), clip(rest))
		case i == len(ops)-1 && strings.HasPrefix(o.Value, rest):
			pos += len(rest) // the last op, unacknowledged, cut short
		}
	}
	if pos != len(content) {
		return fmt.Sprintf("%d byte(s) after the last chunk: %q", len(content)-pos, clip(content[pos:]))
	}
	return ""
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// First is xs cut to its first n, with "and K more" for the rest: how a
// check lists what it found (an add-on's own checks too).
func First(xs []string, n int) []string { return first(xs, n) }

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(slices.Clone(xs[:n]), fmt.Sprintf("and %d more", len(xs)-n))
	}
	return xs
}
