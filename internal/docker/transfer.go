package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"
)

// Peer returns a client-only Engine for another engine at host, a
// DOCKER_HOST value (unix:///var/run/docker.sock,
// unix:///run/podman/podman.sock, tcp://...), once it answers a ping (the
// API version negotiated). It serves image operations (ImageLabels,
// ImageID, CopyImageTo, RemoveImage) and Info; it publishes no ports and
// starts no reaper. Close releases its connections. An engine that does not
// answer is ErrEngine.
func Peer(ctx context.Context, host string) (*Engine, error) {
	e := &Engine{}
	cli, err := client.New(client.WithHost(host), client.WithHTTPRequestHook(e.countRequest))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrEngine, host, err)
	}
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrEngine, host, err)
	}
	e.cli, e.endpoint = cli, cli.DaemonHost()
	return e, nil
}

// Close releases the engine's idle connections. The Engine stays usable (a
// later request connects again), so closing the shared engine of Connect
// does no harm; it is meant for a Peer.
func (e *Engine) Close() error { return e.cli.Close() }

// CopyImageTo copies image ref from e to dst through the Engine API: e's
// image save (`docker save`'s tar) streamed through a pipe into dst's image
// load, no temporary file, then checks that dst has ref. It returns the
// bytes streamed. Podman 4.3's Docker-compatible API loads Docker 20.10's
// save format.
func (e *Engine) CopyImageTo(ctx context.Context, ref string, dst *Engine) (int64, error) {
	what := fmt.Sprintf("%s from %s to %s", ref, e.endpoint, dst.endpoint)
	saveCtx, stopSave := context.WithCancel(ctx)
	defer stopSave()
	saved, err := e.cli.ImageSave(saveCtx, []string{ref})
	if err != nil {
		return 0, wrap(err, "save image", what)
	}
	defer saved.Close()
	pr, pw := io.Pipe()
	var n int64
	saveDone := make(chan error, 1)
	go func() {
		c, err := io.Copy(pw, saved)
		n = c
		saveDone <- err // before the load sees the end: a broken save is told apart below
		pw.CloseWithError(err)
	}()
	lerr := dst.load(ctx, pr)
	var serr error
	select {
	case serr = <-saveDone: // the save ended first: cleanly, or its failure ended the load
	default: // the load ended while the save still streams: stop the save
		stopSave()
		pr.CloseWithError(errLoadEnded)
		<-saveDone
	}
	switch {
	case serr != nil:
		return n, wrap(serr, "save image", what)
	case lerr != nil:
		return n, wrap(lerr, "load image", what)
	}
	if _, ok, err := dst.ImageLabels(ctx, ref); err != nil {
		return n, err
	} else if !ok {
		return n, fmt.Errorf("load image %s: %w: the load reported success but the engine has no %s", what, ErrNotFound, ref)
	}
	return n, nil
}

var errLoadEnded = errors.New("image load ended")

// load loads the image tar r and waits for the engine's answer.
func (e *Engine) load(ctx context.Context, r io.Reader) error {
	res, err := e.cli.ImageLoad(ctx, r, client.ImageLoadWithQuiet(true))
	if err != nil {
		return err
	}
	defer res.Close()
	return readMessages(res, io.Discard)
}

// SameEngine reports whether other is the engine e reached another way:
// the same address (SameAddress: one socket under two paths), or two
// Docker daemons reporting one engine ID. Podman's ID changes on every
// request (Podman 4.3), so for Podman only the addresses are compared. An
// engine that does not say counts as another.
func (e *Engine) SameEngine(ctx context.Context, other *Engine) bool {
	if e == other || SameAddress(e.endpoint, other.endpoint) {
		return true
	}
	a, b := e.stableID(ctx), other.stableID(ctx)
	return a != "" && a == b
}

// stableID is the engine ID a Docker daemon reports; "" for Podman (a new
// random ID per request) or when the engine does not answer.
func (e *Engine) stableID(ctx context.Context) string {
	v, err := e.cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return ""
	}
	for _, c := range v.Components {
		if strings.Contains(strings.ToLower(c.Name), "podman") {
			return ""
		}
	}
	in, err := e.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return ""
	}
	return in.Info.ID
}

// SameAddress reports whether two engine addresses (DOCKER_HOST values)
// name the same endpoint: equal strings, or unix sockets that are one file
// (unix:///var/run/docker.sock and unix:///run/docker.sock where /var/run
// links to /run). It asks no engine.
func SameAddress(a, b string) bool {
	a, b = strings.TrimRight(a, "/"), strings.TrimRight(b, "/")
	if a == b {
		return true
	}
	pa, oka := unixPath(a)
	pb, okb := unixPath(b)
	if !oka || !okb {
		return false
	}
	if filepath.Clean(pa) == filepath.Clean(pb) {
		return true
	}
	sa, erra := os.Stat(pa)
	sb, errb := os.Stat(pb)
	return erra == nil && errb == nil && os.SameFile(sa, sb)
}

// unixPath is the socket path of a unix:// address.
func unixPath(addr string) (string, bool) {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme != "unix" {
		return "", false
	}
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	return p, p != ""
}
