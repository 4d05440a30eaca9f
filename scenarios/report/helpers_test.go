package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/scenarios/invariant"
)

var fixtures = []string{"clean-failover", "clean-failover-audit", "corrupt-read", "indeterminate-write", "lost-write",
	"never-failover", "slow-failover", "split-brain", "split-brain-audit"}

func loadFixture(t *testing.T, name string) invariant.History {
	t.Helper()
	h, err := invariant.Load(filepath.Join("..", "invariant", "testdata", name+".json"))
	require.NoError(t, err)
	return h
}

// assertSlicesEqual asserts slices.Equal(want, got): same elements in the
// same order, with nil and empty alike.
func assertSlicesEqual[T any](t *testing.T, want, got []T, msgAndArgs ...any) bool {
	t.Helper()
	if len(want) == 0 {
		return assert.Empty(t, got, msgAndArgs...)
	}
	return assert.Equal(t, want, got, msgAndArgs...)
}

// checks runs the checks a scenario would run over h.
func checks(h invariant.History) []invariant.Result {
	return []invariant.Result{
		invariant.SingleActive(h, invariant.RoleNameNode),
		invariant.SingleActive(h, invariant.RoleResourceManager),
		invariant.NoSplitBrainWrites(h),
		invariant.NoLostAcknowledgedWrites(h),
		invariant.FailoverWithin(h, invariant.RoleNameNode, 10*time.Second),
	}
}

// elem is one element of a parsed page: its name, attributes and the text
// directly inside it.
type elem struct {
	name  string
	attrs map[string]string
	text  string
}

// parse decodes b as strict XML, failing t if it is not well-formed, and
// returns its elements in document order.
func parse(t *testing.T, b []byte) []*elem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var all, open []*elem
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "page is not well-formed XML")
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &elem{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			all, open = append(all, e), append(open, e)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 {
				open[len(open)-1].text += string(tok)
			}
		}
	}
	require.Empty(t, open, "page ends with %d unclosed elements", len(open))
	return all
}

// svgPart returns the page's <svg> element and everything inside it.
func svgPart(t *testing.T, page []byte) []byte {
	t.Helper()
	i, j := bytes.Index(page, []byte("<svg")), bytes.LastIndex(page, []byte("</svg>"))
	require.True(t, i >= 0 && j >= i, "page has no <svg> timeline")
	return page[i : j+len("</svg>")]
}

// find returns the elements named name with attribute key holding a value
// of which want is one of the space-separated words ("" matches all).
func find(es []*elem, name, key, want string) []*elem {
	var out []*elem
	for _, e := range es {
		if e.name == name && (want == "" || slices.Contains(strings.Fields(e.attrs[key]), want)) {
			out = append(out, e)
		}
	}
	return out
}

func render(t *testing.T, h invariant.History, results []invariant.Result) []byte {
	t.Helper()
	b, err := HTML(h, results)
	require.NoError(t, err)
	return b
}

// at is the time s seconds into a synthetic history.
func at(s float64) time.Time {
	return time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(s * float64(time.Second)))
}

func nn(s float64, daemon, state string) invariant.Event {
	return invariant.Event{Time: at(s), Kind: invariant.KindState, Daemon: daemon, Role: invariant.RoleNameNode, State: state}
}

func fault(s float64, kind invariant.Kind, name string) invariant.Event {
	return invariant.Event{Time: at(s), Kind: kind, Fault: name}
}
