package docker

import (
	"context"
	"fmt"
	"io"
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
// ~/.testcontainers.properties) turns it off, and on a machine where no
// registry answers its image cannot be pulled. Label-based garbage
// collection (harness.GC, `haharness gc`) is the guarantee then.
func (e *Engine) ReaperLabels(ctx context.Context) (map[string]string, string) {
	e.reaperOnce.Do(func() { e.reaper = e.startReaper(ctx) })
	return e.reaper.labels, e.reaper.note
}

func (e *Engine) startReaper(ctx context.Context) reaperState {
	if testcontainers.ReadConfig().RyukDisabled {
		return reaperState{note: "the reaper (Ryuk) is disabled by TESTCONTAINERS_RYUK_DISABLED or ~/.testcontainers.properties"}
	}
	image := testcontainers.ReaperDefaultImage //nolint:staticcheck // the only exported name of the image
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
	r, err := testcontainers.NewReaper(ctx, testcontainers.SessionID(), e.provider, "") //nolint:staticcheck // the public way to join the session's reaper
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
