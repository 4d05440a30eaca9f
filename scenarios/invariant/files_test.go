package invariant

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func chunkOp(start, end float64, op, key, chunk string, ok bool) Event {
	e := write(start, end, key, chunk, ok, "")
	e.Op = op
	return e
}

func TestFilesIntact(t *testing.T) {
	const f = "/soak/w1/f1"
	ops := []Event{
		chunkOp(1, 1.1, OpCreate, f, "a1\n", true),
		chunkOp(2, 2.1, OpAppend, f, "a2\n", true),
		chunkOp(3, 3.5, OpAppend, f, "a3\n", false), // failed: may or may not be there
	}
	readBack := func(content string) []Event { return append(append([]Event{}, ops...), read(10, 10.1, f, content)) }
	for _, tc := range []struct {
		name    string
		content string
		verdict Verdict
		detail  string
	}{
		{"every chunk", "a1\na2\na3\n", Pass, "1 file(s), 2 acknowledged chunk(s)"},
		{"failed chunk missing", "a1\na2\n", Pass, ""},
		{"failed last chunk cut short", "a1\na2\na", Pass, ""},
		{"acknowledged chunk lost", "a1\n", Fail, "acknowledged append #1 lost: the file ends 0 byte(s) into it"},
		{"acknowledged chunk cut short", "a1\na", Fail, "acknowledged append #1 lost: the file ends 1 byte(s) into it"},
		{"file missing", "", Fail, "acknowledged create #0 lost"},
		{"corrupt chunk", "a1\nXX\n", Fail, `acknowledged append #1 not found at byte 3: want "a2\n", read "XX\n"`},
		{"bytes after the last chunk", "a1\na2\na3\nzz", Fail, `2 byte(s) after the last chunk: "zz"`},
		{"duplicated chunk", "a1\na2\na2\n", Fail, "byte(s) after the last chunk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := FilesIntact(History{Events: readBack(tc.content)})
			require.Equal(t, tc.verdict, r.Verdict, "%s", r)
			if tc.detail != "" {
				assert.Contains(t, r.String(), tc.detail)
			}
		})
	}

	t.Run("a failed chunk in the middle may be missing", func(t *testing.T) {
		mid := []Event{chunkOp(1, 1.1, OpCreate, f, "a1\n", true), chunkOp(2, 2.5, OpAppend, f, "a2\n", false),
			chunkOp(3, 3.1, OpAppend, f, "a3\n", true), read(10, 10.1, f, "a1\na3\n")}
		assert.Equal(t, Pass, FilesIntact(History{Events: mid}).Verdict)
		mid[3] = read(10, 10.1, f, "a1\na")
		assert.Equal(t, Fail, FilesIntact(History{Events: mid}).Verdict, "only the last op may be cut short")
	})
	t.Run("never read back", func(t *testing.T) {
		r := FilesIntact(History{Events: ops})
		assert.Equal(t, Inconclusive, r.Verdict)
		assert.Contains(t, r.String(), "never read back: /soak/w1/f1")
	})
	t.Run("nothing acknowledged", func(t *testing.T) {
		r := FilesIntact(History{Events: []Event{chunkOp(1, 2, OpCreate, f, "x", false)}})
		assert.Equal(t, Inconclusive, r.Verdict)
	})
	t.Run("the last read counts", func(t *testing.T) {
		r := FilesIntact(History{Events: append(readBack("a1\n"), read(11, 11.1, f, "a1\na2\n"))})
		assert.Equal(t, Pass, r.Verdict, "%s", r)
	})
}

func TestSingleActiveOutside(t *testing.T) {
	fault := func(sec float64, kind Kind, name string) Event {
		return Event{Time: at(sec), Kind: kind, Fault: name}
	}
	isolate := func(f string) bool { return f == "isolate nn1" }
	base := []Event{
		sample(0, "nn1", StateActive), sample(0, "nn2", StateStandby),
		fault(1, KindFaultStart, "isolate nn1"),
		sample(5, "nn2", StateActive), // nn1 cut off still says active
		fault(20, KindFaultEnd, "isolate nn1"),
	}
	with := func(extra ...Event) History { return History{Events: append(append([]Event{}, base...), extra...)} }

	r := SingleActiveOutside(with(sample(24, "nn1", StateDown), sample(30, "nn2", StateActive)), RoleNameNode, 10*time.Second, isolate)
	assert.Equal(t, Pass, r.Verdict, "%s", r)
	assert.Contains(t, r.String(), "longest stale claim 19s; it outlasted its fault's heal by at most 4s")

	r = SingleActiveOutside(with(sample(35, "nn1", StateDown), sample(36, "nn2", StateActive)), RoleNameNode, 10*time.Second, isolate)
	assert.Equal(t, Fail, r.Verdict, "a stale claim past the window after the heal: %s", r)

	r = SingleActiveOutside(with(sample(24, "nn1", StateDown)), RoleNameNode, 10*time.Second, func(string) bool { return false })
	assert.Equal(t, Fail, r.Verdict, "a fault that does not excuse: %s", r)
	assert.Contains(t, r.String(), "no unfenceable fault explains it")

	early := History{Events: []Event{sample(0, "nn1", StateActive), sample(0, "nn2", StateActive), fault(1, KindFaultStart, "isolate nn1"),
		fault(2, KindFaultEnd, "isolate nn1"), sample(3, "nn2", StateStandby)}}
	assert.Equal(t, Fail, SingleActiveOutside(early, RoleNameNode, time.Minute, isolate).Verdict, "an overlap that began before the fault")

	clean := History{Events: []Event{sample(0, "nn1", StateActive), sample(0, "nn2", StateStandby)}}
	r = SingleActiveOutside(clean, RoleNameNode, time.Second, isolate)
	assert.Equal(t, Pass, r.Verdict)
	assert.Contains(t, r.String(), "never two active at once")
	assert.Equal(t, Inconclusive, SingleActiveOutside(History{}, RoleNameNode, time.Second, isolate).Verdict)
}

func TestSingleActiveOutsideMeasuresAgainstTheLatestExcuse(t *testing.T) {
	fault := func(sec float64, kind Kind, name string) Event { return Event{Time: at(sec), Kind: kind, Fault: name} }
	h := History{Events: []Event{
		sample(0, "nn1", StateActive), sample(0, "nn2", StateStandby),
		fault(1, KindFaultStart, "isolate a"), fault(5, KindFaultEnd, "isolate a"),
		fault(10, KindFaultStart, "isolate b"),
		sample(11, "nn2", StateActive), // nn1 cut off still says active
		fault(14, KindFaultEnd, "isolate b"),
		sample(16, "nn1", StateStandby),
	}}
	r := SingleActiveOutside(h, RoleNameNode, 30*time.Second, func(string) bool { return true })
	assert.Equal(t, Pass, r.Verdict)
	assert.Contains(t, r.String(), "longest stale claim 5s; it outlasted its fault's heal by at most 2s", "measured against isolate b, not a")
}
