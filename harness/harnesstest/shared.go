package harnesstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haharness/haharness/harness"
)

// ResetTimeout bounds the Reset that Shared.Get runs before each test.
const ResetTimeout = 5 * time.Minute

// Shared is one cluster for the tests of a package: started by the first
// test that asks for it, reset (harness.Cluster.Reset) before every later
// one, removed by Main when the tests end. Declare it at package level;
// nothing starts until a test calls Get.
//
// Tests that use it take turns: Get waits until the test holding it (and
// its cleanups) ended, so t.Parallel gains nothing with it; call t.Parallel,
// if at all, before Get (a test paused by t.Parallel while it holds the
// cluster would keep every later Get waiting). Call Get once per test and
// hand the cluster to subtests.
type Shared struct {
	opts []harness.Option
	out  *switchWriter
	log  *slog.Logger
	// turn holds a token while a test uses the cluster.
	turn chan struct{}

	mu     sync.Mutex
	c      *harness.Cluster
	holder string // the name of the test holding the cluster
}

var (
	sharedMu  sync.Mutex
	allShared []*Shared
	// mainRuns is set by Main: a Shared cluster needs Main to be removed.
	mainRuns atomic.Bool
)

// NewShared declares a shared cluster started with opts (those of
// harness.Start; harnesstest adds its logger and failure artifacts, and
// WithDetached under HAHARNESS_KEEP). Nothing is started yet.
func NewShared(opts ...harness.Option) *Shared {
	out := &switchWriter{}
	s := &Shared{
		opts: opts,
		out:  out,
		log:  slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo})),
		turn: make(chan struct{}, 1),
	}
	sharedMu.Lock()
	allShared = append(allShared, s)
	sharedMu.Unlock()
	return s
}

// Main runs the tests (m.Run), then removes every Shared cluster of the
// test binary, and returns the exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(harnesstest.Main(m)) }
//
// A cluster that cannot be removed makes a passing run fail, naming it.
// With HAHARNESS_KEEP set, the clusters are healed and left running
// instead, as Start's are. When a test panics, the cleanup Get registered
// removes them before the binary dies (only a panic in a goroutine other
// than a test's skips every cleanup: harness.GC, run by the next Start,
// collects those); go test's -timeout is covered as for Start.
func Main(m *testing.M) int {
	mainRuns.Store(true)
	code := m.Run()
	if err := removeShared("the tests ended"); err != nil {
		fmt.Fprintf(os.Stderr, "harnesstest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Get returns the shared cluster for t, HA ready, with nn1 and rm1 active
// and HDFS empty: it starts the cluster on first use (failing t if it
// cannot; skipping t without an engine, as Start does), and resets it
// (harness.Cluster.Reset with the default ResetOptions) every time, so each
// test begins healed, with known actives and none of the data of the
// tests before it. If the test fails, its artifacts are saved (ArtifactsDir)
// as Cleanup does; the cluster stays for the next test.
//
// A failed Reset fails t with its error; the cluster is then removed (kept,
// under HAHARNESS_KEEP) and the next Get starts a new one. A cluster a
// host container of which was removed (nothing heals that) is replaced at
// once. Get fails t at once if the package's TestMain does not run Main.
func (s *Shared) Get(t testing.TB) *harness.Cluster {
	t.Helper()
	return s.GetWith(t, harness.ResetOptions{})
}

// GetWith is Get with the Reset options o: other actives (NameNode "nn2",
// or harness.AnyActive to leave whichever is active, to save a failover),
// HDFS paths to keep.
func (s *Shared) GetWith(t testing.TB, o harness.ResetOptions) *harness.Cluster {
	t.Helper()
	if !mainRuns.Load() {
		t.Fatalf("harnesstest: a Shared cluster needs harnesstest.Main, which removes it when the tests end " +
			"(else it would outlive the test binary): add\n\n\tfunc TestMain(m *testing.M) { os.Exit(harnesstest.Main(m)) }\n\n" +
			"to the package's tests, or return harnesstest.Main(m) from your TestMain instead of m.Run()")
	}
	s.mu.Lock()
	holder := s.holder
	s.mu.Unlock()
	if holder != "" && (t.Name() == holder || strings.HasPrefix(t.Name(), holder+"/")) {
		t.Fatalf("harnesstest: %s asks for the shared cluster that %s already holds: call Get once per test and hand the cluster to subtests",
			t.Name(), holder)
	}
	RequireDocker(t)
	removeBeforeTimeout(t)
	select {
	case s.turn <- struct{}{}:
	case <-t.Context().Done():
		t.Fatalf("harnesstest: %s ended waiting for the shared cluster", t.Name())
	}
	s.mu.Lock()
	s.holder = t.Name()
	s.mu.Unlock()
	s.out.set(t)
	// Cleanups run last registered first: save artifacts, then give the
	// cluster to the next test.
	t.Cleanup(func() {
		s.out.set(nil)
		s.mu.Lock()
		s.holder = ""
		s.mu.Unlock()
		<-s.turn
	})
	t.Cleanup(func() { s.afterTest(t) })

	ctx, cancel := context.WithTimeout(t.Context(), ResetTimeout)
	defer cancel()
	s.mu.Lock()
	c := s.c
	s.mu.Unlock()
	if c != nil {
		if missing := missingHosts(ctx, c); len(missing) > 0 {
			// Nothing heals a removed host container: start anew.
			t.Logf("harnesstest: the host containers of %v of shared cluster %s are gone (did a test remove them?): removing it and starting a new one",
				missing, c.Name())
			s.set(nil)
			if err := c.Destroy(ctx); err != nil {
				t.Errorf("remove cluster %s: %v", c.Name(), err)
			}
			c = nil
		}
	}
	if c == nil {
		c = s.start(t)
	}
	rep, err := c.Reset(ctx, o)
	if errors.Is(err, harness.ErrResetOptions) {
		t.Fatalf("harnesstest: %v", err) // nothing was changed: the cluster stays
	}
	if err != nil {
		s.discard(t, c)
		t.Fatalf("harnesstest: reset the shared cluster %s: %v\n(the cluster is discarded: the next Get starts a new one)", c.Name(), err)
	}
	t.Logf("harnesstest: shared cluster %s reset in %v: %s", c.Name(), rep.Took.Round(time.Millisecond), strings.Join(rep.Actions, "; "))
	return c
}

// start starts the cluster for t, the first test to ask for it.
func (s *Shared) start(t testing.TB) *harness.Cluster {
	t.Helper()
	opts := append([]harness.Option{harness.WithLogger(s.log), harness.WithFailureArtifacts(ArtifactsDir(t))}, s.opts...)
	if Keep() {
		// Kept clusters outlive the test process: gc must not collect them.
		opts = append(opts, harness.WithDetached())
	}
	began := time.Now()
	c, err := harness.Start(t.Context(), opts...)
	if err != nil {
		// Start removes what it created when it fails (and saved the artifacts).
		t.Fatalf("harnesstest: start the shared cluster: %v", err)
	}
	s.set(c)
	t.Logf("harnesstest: shared cluster %s started in %v (for %s); it is reset before each test that gets it and removed when the tests end",
		c.Name(), time.Since(began).Round(time.Millisecond), t.Name())
	return c
}

// Done says the tests that share the cluster have ended: it is removed now
// (healed and kept under HAHARNESS_KEEP) instead of when the binary's
// tests end, so a large cluster (the add-ons') does not sit beside the
// tests that come after. A later Get starts a new one. Call it from the
// cleanup of the test whose subtests use it.
func (s *Shared) Done(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	c := s.c
	s.c = nil
	s.mu.Unlock()
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if Keep() {
		if _, err := c.Heal(ctx); err != nil {
			t.Errorf("heal shared cluster %s before keeping it: %v", c.Name(), err)
		}
		t.Logf("HAHARNESS_KEEP is set: shared cluster %s left running; remove it with `haharness down --name %s`", c.Name(), c.Name())
		return
	}
	if err := c.Destroy(ctx); err != nil {
		t.Errorf("remove shared cluster %s: %v", c.Name(), err)
		return
	}
	t.Logf("harnesstest: shared cluster %s removed (its tests are done)", c.Name())
}

func (s *Shared) set(c *harness.Cluster) {
	s.mu.Lock()
	s.c = c
	s.mu.Unlock()
}

// missingHosts returns the hosts of c whose container is gone.
func missingHosts(ctx context.Context, c *harness.Cluster) []string {
	states, err := c.HostStates(ctx)
	if err != nil {
		return nil // Reset will say what is wrong
	}
	var out []string
	for _, h := range c.Topology().Hosts {
		if states[h] == "missing" {
			out = append(out, h)
		}
	}
	return out
}

// discard saves t's artifacts of c, then removes c (or keeps it, under
// HAHARNESS_KEEP), so the next Get starts a new cluster.
func (s *Shared) discard(t testing.TB, c *harness.Cluster) {
	t.Helper()
	s.set(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	saveArtifacts(ctx, t, c)
	if Keep() {
		t.Logf("HAHARNESS_KEEP is set: cluster %s, which did not reset, left running; `haharness status --name %s`, remove it with `haharness down --name %s`",
			c.Name(), c.Name(), c.Name())
		return
	}
	if err := c.Destroy(ctx); err != nil {
		t.Errorf("remove cluster %s: %v", c.Name(), err)
	}
}

// afterTest runs when a test that got the cluster ends: it saves the
// artifacts of a failed test, and when the test panics (the binary dies
// right after its cleanups, Main's removal never runs) removes every shared
// cluster.
func (s *Shared) afterTest(t testing.TB) {
	t.Helper()
	if panicking() {
		if err := removeShared(t.Name() + " panicked"); err != nil {
			t.Logf("harnesstest: %v", err)
		}
		return
	}
	s.mu.Lock()
	c := s.c
	s.mu.Unlock()
	if c == nil || !(t.Failed() || os.Getenv("HAHARNESS_KEEP_ARTIFACTS") != "") {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	saveArtifacts(ctx, t, c)
}

// removeShared removes every shared cluster of the binary, or with
// HAHARNESS_KEEP heals and keeps them, writing what it did to stderr.
func removeShared(why string) error {
	sharedMu.Lock()
	list := append([]*Shared(nil), allShared...)
	sharedMu.Unlock()
	var errs []error
	for _, s := range list {
		s.mu.Lock()
		c := s.c
		s.c = nil
		s.mu.Unlock()
		if c == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		if Keep() {
			if _, err := c.Heal(ctx); err != nil {
				errs = append(errs, fmt.Errorf("heal shared cluster %s before keeping it: %w", c.Name(), err))
			}
			fmt.Fprintf(os.Stderr, "harnesstest: %s; HAHARNESS_KEEP is set: shared cluster %s left running; `haharness status --name %s`, remove it with `haharness down --name %s`\n",
				why, c.Name(), c.Name(), c.Name())
		} else if err := c.Destroy(ctx); err != nil {
			errs = append(errs, fmt.Errorf("remove shared cluster %s (%s): %w; remove it with `haharness down --name %s`", c.Name(), why, err, c.Name()))
		} else {
			fmt.Fprintf(os.Stderr, "harnesstest: %s: removed shared cluster %s\n", why, c.Name())
		}
		cancel()
	}
	return errors.Join(errs...)
}

// panicFrame is how runtime.Stack shows a goroutine that is panicking.
var panicFrame = regexp.MustCompile(`(?m)^panic\(.*\n\t.*/runtime/panic\.go:`)

// panicking reports whether the calling goroutine is panicking: true in a
// test's cleanup when the test panicked (the testing package runs the
// cleanups, then lets the panic end the binary).
func panicking() bool {
	buf := make([]byte, 64<<10)
	return panicFrame.Match(buf[:runtime.Stack(buf, false)])
}

// switchWriter writes to the test that holds the shared cluster, and
// nowhere between tests (a test's log cannot be written once it ended).
type switchWriter struct {
	mu sync.Mutex
	t  testing.TB
}

func (w *switchWriter) set(t testing.TB) {
	w.mu.Lock()
	w.t = t
	w.mu.Unlock()
}

func (w *switchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.t == nil {
		return io.Discard.Write(p)
	}
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
