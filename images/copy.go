package images

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/haharness/haharness/internal/docker"
)

// Environment variables of the copy from another engine.
const (
	// EnvFrom lists the engines (DOCKER_HOST values, comma-separated) an
	// image is copied from, instead of the well-known local sockets.
	EnvFrom = "HAHARNESS_IMAGES_FROM"
	// EnvNative=1 turns the copy off: a missing image is built on the
	// engine itself.
	EnvNative = "HAHARNESS_IMAGES_NATIVE"
)

// How says how an image was provided.
type How string

const (
	Present How = "present" // the engine had it
	Pulled  How = "pulled"  // from the engine's default registry
	Copied  How = "copied"  // from another engine (Provided.From)
	Built   How = "built"   // on the engine
)

// Provided is how an Ensure provided its image.
type Provided struct {
	Ref string
	How How
	// From is the address of the engine the image was copied from.
	From string
	// Took is the time the step that provided it took.
	Took time.Duration
}

// String is "present", "pulled", "built" or "copied from ADDR".
func (p Provided) String() string {
	if p.How == Copied {
		return "copied from " + p.From
	}
	return string(p.How)
}

// wellKnownSockets are the engines' default sockets outside
// XDG_RUNTIME_DIR: Docker's and root Podman's.
var wellKnownSockets = []string{"/var/run/docker.sock", "/run/podman/podman.sock"}

// DefaultSources are the engines an image is copied from when
// Builder.Sources is nil: the addresses in HAHARNESS_IMAGES_FROM
// (comma-separated) when it is set, else those of the well-known local
// sockets that exist: /var/run/docker.sock, /run/podman/podman.sock,
// $XDG_RUNTIME_DIR/podman/podman.sock and $XDG_RUNTIME_DIR/docker.sock. The
// Builder leaves its own engine out.
func DefaultSources() []string { return defaultSources(os.Getenv, wellKnownSockets) }

func defaultSources(getenv func(string) string, fixed []string) []string {
	if from := getenv(EnvFrom); strings.TrimSpace(from) != "" {
		return splitAddrs(from)
	}
	paths := append([]string(nil), fixed...)
	if xdg := getenv("XDG_RUNTIME_DIR"); xdg != "" {
		paths = append(paths, filepath.Join(xdg, "podman", "podman.sock"), filepath.Join(xdg, "docker.sock"))
	}
	var out []string
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			out = appendAddr(out, "unix://"+p)
		}
	}
	return out
}

// splitAddrs splits comma-separated addresses, dropping blanks and repeats.
func splitAddrs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = appendAddr(out, a)
		}
	}
	return out
}

func appendAddr(list []string, addr string) []string {
	for _, have := range list {
		if docker.SameAddress(have, addr) {
			return list
		}
	}
	return append(list, addr)
}

// without is sources minus the addresses of self.
func without(sources []string, self string) []string {
	var out []string
	for _, s := range sources {
		if !docker.SameAddress(s, self) {
			out = append(out, s)
		}
	}
	return out
}

// native reports whether images are built on the engine, never copied.
func (b *Builder) native() bool { return b.Native || os.Getenv(EnvNative) == "1" }

// sources are the addresses to copy from, the Builder's engine left out.
func (b *Builder) sources() []string {
	if b.native() {
		return nil
	}
	s := b.Sources
	if s == nil {
		s = DefaultSources()
	}
	return without(s, b.Engine.Endpoint())
}

// source is the part of another engine a copy uses (a *docker.Engine from
// docker.Peer).
type source interface {
	Endpoint() string
	SameEngine(ctx context.Context, other *docker.Engine) bool
	ImageLabels(ctx context.Context, ref string) (map[string]string, bool, error)
	CopyImageTo(ctx context.Context, ref string, dst *docker.Engine) (int64, error)
	Close() error
}

// copier copies an image from the first source engine that has it.
type copier struct {
	log *slog.Logger
	dst *docker.Engine
	// explicit: the addresses were given (Builder.Sources, EnvFrom), so one
	// that does not answer is worth a warning.
	explicit bool
	open     func(ctx context.Context, addr string) (source, error)
	// verify checks the copied image on dst (CheckContract); an error fails
	// the provide, it does not fall through to a build.
	verify func(ctx context.Context, ref, from string) error
}

// tryCopy copies ref from the first of addrs that has it. An engine that
// does not answer, lacks ref or fails the copy is logged and the next is
// tried; ok=false when none provided it. Only a cancelled ctx or a copied
// image failing verify is an error.
func (c *copier) tryCopy(ctx context.Context, ref string, addrs []string) (from string, ok bool, err error) {
	for _, addr := range addrs {
		if ok, err := c.tryOne(ctx, ref, addr); err != nil || ok {
			return addr, ok, err
		}
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
	}
	return "", false, nil
}

func (c *copier) tryOne(ctx context.Context, ref, addr string) (bool, error) {
	src, err := c.open(ctx, addr)
	if err != nil {
		level := slog.LevelDebug
		if c.explicit {
			level = slog.LevelWarn
		}
		c.log.Log(ctx, level, "image source engine does not answer; skipping it", "image", ref, "from", addr, "reason", err.Error())
		return false, nil
	}
	defer src.Close()
	if src.SameEngine(ctx, c.dst) {
		c.log.Debug("image source is this engine", "image", ref, "from", addr)
		return false, nil
	}
	if _, has, err := src.ImageLabels(ctx, ref); err != nil {
		c.log.Warn("image source engine failed; skipping it", "image", ref, "from", addr, "reason", err.Error())
		return false, nil
	} else if !has {
		c.log.Debug("image source engine lacks the image", "image", ref, "from", addr)
		return false, nil
	}
	start := time.Now()
	n, err := src.CopyImageTo(ctx, ref, c.dst)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		c.log.Warn("image not copied; trying the next source", "image", ref, "from", addr, "reason", err.Error(), "took", since(start))
		return false, nil
	}
	took, start := since(start), time.Now()
	if err := c.verify(ctx, ref, addr); err != nil {
		return false, err
	}
	c.log.Info(fmt.Sprintf("image copied from %s in %v", addr, took), "image", ref, "MiB", n>>20, "contract_checked_in", since(start))
	return true, nil
}

// copier is the Builder's copy onto its engine: sources from docker.Peer,
// copies checked against the contract.
func (b *Builder) copier() *copier {
	return &copier{
		log: b.log(), dst: b.Engine, explicit: b.Sources != nil || strings.TrimSpace(os.Getenv(EnvFrom)) != "",
		open: func(ctx context.Context, addr string) (source, error) { return docker.Peer(ctx, addr) },
		verify: func(ctx context.Context, ref, from string) error {
			err := CheckContract(ctx, b.Engine, ref)
			if err == nil {
				return nil
			}
			// Not left for the next Ensure to take as present.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if rerr := b.Engine.RemoveImage(rctx, ref); rerr != nil {
				b.log().Warn("copied image failing the contract not removed", "image", ref, "reason", rerr.Error())
			}
			return fmt.Errorf("image %s copied from %s to %s fails the contract there, so it was removed again: %w; "+
				"set %s=1 (or run `haharness images --native`) to build it on this engine instead",
				ref, from, b.Engine.Endpoint(), err, EnvNative)
		},
	}
}
