package harnesstest

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingTB is a testing.TB whose Fatalf records the message and ends
// the goroutine, as the real one does.
type recordingTB struct {
	testing.TB
	fatal string
	logs  []string
}

func (r *recordingTB) Helper()      {}
func (r *recordingTB) Name() string { return "TestRecorded" }
func (r *recordingTB) Log(args ...any) {
	r.logs = append(r.logs, fmt.Sprint(args...))
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls f with r in a goroutine of its own (Fatalf ends it) and waits.
func (r *recordingTB) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

func TestGetWithoutMainFailsNamingTheFix(t *testing.T) {
	require.False(t, mainRuns.Load(), "this package's tests must not run Main: the check below would prove nothing")
	s := NewShared()
	r := &recordingTB{TB: t}
	r.run(func(tb testing.TB) { s.Get(tb) })
	assert.Contains(t, r.fatal, "needs harnesstest.Main")
	assert.Contains(t, r.fatal, "func TestMain(m *testing.M) { os.Exit(harnesstest.Main(m)) }")
	assert.Nil(t, s.c, "nothing started")
}

func TestGetTwiceInOneTestFails(t *testing.T) {
	mainRuns.Store(true)
	defer mainRuns.Store(false)
	s := NewShared()
	s.holder = "TestRecorded"
	for _, name := range []string{"TestRecorded", "TestRecorded/sub"} {
		r := &recordingTB{TB: t}
		r.run(func(tb testing.TB) { s.Get(namedTB{tb, name}) })
		assert.Contains(t, r.fatal, name+" asks for the shared cluster that TestRecorded already holds", name)
	}
}

type namedTB struct {
	testing.TB
	name string
}

func (n namedTB) Name() string { return n.name }

func TestNewSharedStartsNothingAndRegisters(t *testing.T) {
	s := NewShared()
	assert.Nil(t, s.c)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	assert.Contains(t, allShared, s, "Main would not remove it")
}

func TestRemoveSharedSkipsClustersNeverStarted(t *testing.T) {
	NewShared()
	require.NoError(t, removeShared("unit test"))
}

func TestPanickingTellsAPanicFromAReturn(t *testing.T) {
	assert.False(t, panicking(), "a plain call")
	var during bool
	func() {
		defer func() {
			during = panicking()
			_ = recover()
		}()
		panic("boom")
	}()
	assert.True(t, during, "a deferred call while panicking")
	assert.False(t, panicking(), "after the panic was recovered")
	var goexit bool
	done := make(chan struct{})
	go func() { // t.FailNow is a Goexit, not a panic
		defer close(done)
		defer func() { goexit = panicking() }()
		runtime.Goexit()
	}()
	<-done
	assert.False(t, goexit, "a deferred call during runtime.Goexit")
}

func TestSwitchWriterWritesOnlyToTheHolder(t *testing.T) {
	w := &switchWriter{}
	n, err := w.Write([]byte("between tests\n"))
	require.NoError(t, err)
	assert.Equal(t, 14, n, "discarded, reported written")
	r := &recordingTB{TB: t}
	w.set(r)
	_, _ = w.Write([]byte("to the test\n"))
	w.set(nil)
	_, _ = w.Write([]byte("after it\n"))
	assert.Equal(t, []string{"to the test"}, r.logs)
}
