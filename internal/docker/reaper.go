package docker

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

type reaperState struct {
	labels map[string]string
	note   string
}

// ReaperLabels returns the labels that make testcontainers-go's reaper
// (Ryuk) remove a container or network once this process is gone, even
// when it is killed with SIGKILL; the reaper is started (or joined) on the
// first call. When no reaper can run, it returns no labels and says why:
// TESTCONTAINERS_RYUK_DISABLED (or ryuk.disabled in
// ~/.testcontainers.properties) turns it off, set by the user or by Connect
// where its image cannot be pulled (the note then is Connect's reason);
// where Connect did not decide, the pull is tried here.
// Label-based garbage collection (harness.GC, `haharness gc`) is the
// guarantee then.
func (e *Engine) ReaperLabels(ctx context.Context) (map[string]string, string) {
	e.reaperOnce.Do(func() { e.reaper = e.startReaper(ctx) })
	return e.reaper.labels, e.reaper.note
}

func (e *Engine) startReaper(ctx context.Context) reaperState {
	cfg := testcontainers.ReadConfig()
	if cfg.RyukDisabled {
		if probeNote != "" {
			return reaperState{note: probeNote}
		}
		return reaperState{note: "the reaper (Ryuk) is disabled by TESTCONTAINERS_RYUK_DISABLED or ~/.testcontainers.properties"}
	}
	image := reaperImage(cfg.Config.HubImageNamePrefix)
	if _, ok, err := e.ImageLabels(ctx, image); err != nil {
		return reaperState{note: fmt.Sprintf("the reaper (Ryuk) is unavailable: %v", err)}
	} else if !ok {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := e.Pull(pctx, image, io.Discard)
		cancel()
		if err != nil {
			return reaperState{note: fmt.Sprintf("the reaper image %s cannot be pulled (%v); "+
				"set TESTCONTAINERS_RYUK_DISABLED=true to skip this attempt", image, err)}
		}
	}
	r, err := e.newReaper(ctx)
	if err != nil {
		return reaperState{note: fmt.Sprintf("the reaper (Ryuk) did not start: %v", err)}
	}
	// The connection stays open for the life of the process: when the
	// process ends, Ryuk removes everything carrying the session's labels.
	if _, err := r.Connect(); err != nil {
		return reaperState{note: fmt.Sprintf("the reaper (Ryuk) did not accept a connection: %v", err)}
	}
	return reaperState{labels: r.Labels()} //nolint:staticcheck // GenericLabels under another name
}

// newReaper starts the session's reaper, or joins the one another process
// of the session started (another package of the same `go test`).
// testcontainers-go waits for the reaper's published port, and later
// connects to it, at a provider's DaemonHost: the provider passed in when it
// starts the reaper, a new one of its own when it joins. Where connect
// settled on another address for published ports than testcontainers-go's
// guess (the engine runs in this process's network namespace inside a
// container: testcontainers-go guesses the bridge network's gateway, or,
// when the network lists none, the default route's router, a machine that
// does not forward the engine's ports), both get connect's address from
// TESTCONTAINERS_HOST_OVERRIDE, set while the reaper starts (a provider
// reads it once, on its first DaemonHost) and restored after.
func (e *Engine) newReaper(ctx context.Context) (*testcontainers.Reaper, error) {
	provider := e.provider
	guess, err := e.provider.DaemonHost(ctx)
	if err != nil {
		return nil, fmt.Errorf("where are published ports reachable: %w", err)
	}
	if dial, _ := publishAddrs(guess); dial != e.host {
		const override = "TESTCONTAINERS_HOST_OVERRIDE"
		old, had := os.LookupEnv(override)
		os.Setenv(override, e.host)
		defer func() {
			if had {
				os.Setenv(override, old)
			} else {
				os.Unsetenv(override)
			}
		}()
		if provider, err = testcontainers.NewDockerProvider(); err != nil {
			return nil, err
		}
	}
	return testcontainers.NewReaper(ctx, testcontainers.SessionID(), provider, "") //nolint:staticcheck // the public way to join the session's reaper
}
