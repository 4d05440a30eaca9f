package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/magiconair/properties"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// The reaper probe. testcontainers-go reads its configuration, and with it
// TESTCONTAINERS_RYUK_DISABLED, once per process (cached by a sync.Once, with
// no exported way to read it again), on its first call: in connect, the first
// is NewDockerProvider (core.ExtractDockerHost -> core.Runtime ->
// core.ConfiguredProviderName -> config.Read). So whether the reaper can run
// is decided before that call, with the Engine API client alone: when its
// image is neither on the engine nor pullable, the probe sets
// TESTCONTAINERS_RYUK_DISABLED=true for the process, and every later
// testcontainers-go container (the caller's own too) starts without one.

const (
	probeCheckTimeout = 10 * time.Second // per engine address tried
	probePullTimeout  = 30 * time.Second // as startReaper's
	// probeReserve is what the probe leaves of the caller's deadline for
	// connect itself.
	probeReserve = 5 * time.Second
	ryukEnv      = "TESTCONTAINERS_RYUK_DISABLED"
)

var (
	probeOnce sync.Once
	probeOff  atomic.Bool
	// probeNote says why the probe turned the reaper off ("" if it did not).
	probeNote string
)

// SkipReaperProbe keeps Connect from deciding about the reaper (see
// Connect): for programs, such as the CLI, that start no testcontainers-go
// containers of their own. Call it before the first Connect.
func SkipReaperProbe() { probeOff.Store(true) }

// probeReaper runs the probe once per process, before connect's first
// testcontainers-go call.
func probeReaper(ctx context.Context) {
	if probeOff.Load() {
		return
	}
	probeOnce.Do(func() {
		in := probeInputFromProcess()
		plan := planReaperProbe(in)
		if plan.skip != "" {
			return
		}
		if note := runReaperProbe(ctx, plan); note != "" {
			probeNote = note
			slog.Info(note + "; `haharness gc` removes what a killed run leaves")
		}
	})
}

// probeInput is what decides where testcontainers-go finds the engine and
// whether it starts a reaper: the environment, ~/.testcontainers.properties
// and which sockets exist.
type probeInput struct {
	env         func(string) (string, bool)
	props       string // the text of ~/.testcontainers.properties
	hasProps    bool   // it was read
	home        string // "" when unknown
	uid         int
	windows     bool
	defaultHost string // client.DefaultDockerHost
	exists      func(path string) bool
}

func probeInputFromProcess() probeInput {
	in := probeInput{env: os.LookupEnv, uid: os.Getuid(), defaultHost: client.DefaultDockerHost,
		windows: runtime.GOOS == "windows" || os.Getenv("GOOS") == "windows", // as testcontainers-go's core.IsWindows
		exists:  func(p string) bool { _, err := os.Stat(p); return err == nil }}
	if home, err := os.UserHomeDir(); err == nil {
		in.home = home
		if b, err := os.ReadFile(filepath.Join(home, ".testcontainers.properties")); err == nil {
			in.props, in.hasProps = string(b), true
		}
	}
	return in
}

// reaperProbePlan: the engine addresses to try, in testcontainers-go's
// order (the first that answers is the engine), and the reaper image; or
// why not to probe.
type reaperProbePlan struct {
	hosts []string
	image string
	skip  string
}

// tcProperties mirrors testcontainers-go's internal config.Config (v0.45.0),
// field for field, so that a file it cannot decode is one this cannot either.
type tcProperties struct {
	Host                    string        `properties:"docker.host,default="`
	TLSVerify               int           `properties:"docker.tls.verify,default=0"`
	CertPath                string        `properties:"docker.cert.path,default="`
	HubImageNamePrefix      string        `properties:"hub.image.name.prefix,default="`
	SessionID               string        `properties:"session.id,default="`
	RyukDisabled            bool          `properties:"ryuk.disabled,default=false"`
	RyukPrivileged          bool          `properties:"ryuk.container.privileged,default=false"`
	RyukReconnectionTimeout time.Duration `properties:"ryuk.reconnection.timeout,default=10s"`
	RyukConnectionTimeout   time.Duration `properties:"ryuk.connection.timeout,default=1m"`
	RyukVerbose             bool          `properties:"ryuk.verbose,default=false"`
	TestcontainersHost      string        `properties:"tc.host,default="`
	Provider                string        `properties:"provider,default="`
}

// planReaperProbe decides, from in alone, whether to probe and where, as
// testcontainers-go v0.45.0 would find the engine (internal/core
// extractDockerHost: tc.host, DOCKER_HOST, the default socket, docker.host,
// then the first rootless socket that exists: $XDG_RUNTIME_DIR,
// ~/.docker/run, ~/.docker/desktop, /run/user/UID). It does not probe when
// the user decided about the reaper (TESTCONTAINERS_RYUK_DISABLED, either
// value, or ryuk.disabled), nor where it cannot tell which engine or image
// testcontainers-go will use.
func planReaperProbe(in probeInput) reaperProbePlan {
	skip := func(format string, a ...any) reaperProbePlan { return reaperProbePlan{skip: fmt.Sprintf(format, a...)} }
	getenv := func(k string) string { v, _ := in.env(k); return v }
	if v := getenv(ryukEnv); v != "" {
		return skip("%s=%s is set", ryukEnv, v)
	}
	var tc tcProperties
	if in.hasProps {
		// testcontainers-go ignores a file it cannot parse.
		if p, err := properties.LoadString(in.props); err == nil {
			if v, ok := p.Get("ryuk.disabled"); ok {
				return skip("ryuk.disabled=%s is set in ~/.testcontainers.properties", v)
			}
			if err := p.Decode(&tc); err != nil {
				return skip("~/.testcontainers.properties does not decode: %v", err)
			}
		}
	}
	provider := tc.Provider
	if v := getenv("TESTCONTAINERS_PROVIDER"); v != "" {
		provider = v
	}
	if p := strings.ToLower(strings.TrimSpace(provider)); p != "" && p != "docker" && p != "podman" {
		return skip("the runtime provider %q finds its own engine", provider)
	}
	if tc.TLSVerify == 1 {
		return skip("docker.tls.verify in ~/.testcontainers.properties")
	}
	prefix := tc.HubImageNamePrefix
	if v := getenv("TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX"); v != "" {
		prefix = v
	}

	var hosts []string
	add := func(h string) {
		for _, o := range hosts {
			if o == h {
				return
			}
		}
		hosts = append(hosts, h)
	}
	if h := tc.TestcontainersHost; h != "" {
		if u, err := url.Parse(h); err == nil && (u.Scheme == "unix" || u.Scheme == "npipe" || u.Scheme == "tcp") {
			add(h)
		}
	}
	if h := getenv("DOCKER_HOST"); h != "" {
		add(h)
	}
	if u, err := url.Parse(in.defaultHost); err == nil && (u.Scheme == "unix" || u.Scheme == "npipe") {
		p := u.Path
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		if in.exists(p) {
			add(u.Scheme + "://" + p)
		}
	}
	if tc.Host != "" {
		add(tc.Host)
	}
	if !in.windows {
		var rootless []string
		if xdg, ok := in.env("XDG_RUNTIME_DIR"); ok {
			rootless = append(rootless, filepath.Join(xdg, "docker.sock"))
		}
		if in.home != "" {
			rootless = append(rootless, filepath.Join(in.home, ".docker", "run", "docker.sock"),
				filepath.Join(in.home, ".docker", "desktop", "docker.sock"))
		}
		rootless = append(rootless, filepath.Join("/run", "user", strconv.Itoa(in.uid), "docker.sock"))
		for _, s := range rootless {
			if in.exists(s) {
				add("unix://" + s)
				break
			}
		}
	}
	if len(hosts) == 0 {
		return skip("no engine address")
	}
	return reaperProbePlan{hosts: hosts, image: reaperImage(prefix)}
}

// reaperImage is the image testcontainers-go starts the reaper from: its
// default, behind the hub prefix (TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX or
// hub.image.name.prefix) when one is set.
func reaperImage(hubPrefix string) string {
	image := testcontainers.ReaperDefaultImage //nolint:staticcheck // the only exported name of the image
	if hubPrefix == "" {
		return image
	}
	return path.Join(hubPrefix, image)
}

// runReaperProbe finds the engine of plan (the first of its hosts that
// answers, as testcontainers-go checks them) and, when the reaper image is
// neither there nor pullable, sets TESTCONTAINERS_RYUK_DISABLED=true and
// says why. It does nothing when it cannot tell.
func runReaperProbe(ctx context.Context, plan reaperProbePlan) string {
	var cli *client.Client
	for _, h := range plan.hosts {
		c, err := client.New(client.FromEnv, client.WithHost(h))
		if err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, probeCheckTimeout)
		_, err = c.Info(cctx, client.InfoOptions{})
		cancel()
		if err == nil {
			cli = c
			break
		}
		c.Close()
	}
	if cli == nil {
		return "" // connect says why
	}
	defer cli.Close()
	e := &Engine{cli: cli}
	if _, ok, err := e.ImageLabels(ctx, plan.image); err != nil || ok {
		return ""
	}
	budget, cut := probePullTimeout, false
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - probeReserve; left < budget {
			budget, cut = left, true
		}
	}
	if budget <= 0 {
		return ""
	}
	pctx, cancel := context.WithTimeout(ctx, budget)
	err := e.Pull(pctx, plan.image, io.Discard)
	timedOut := errors.Is(pctx.Err(), context.DeadlineExceeded)
	cancel()
	if err == nil || ctx.Err() != nil || (cut && timedOut) {
		// Pulled; or the caller's time ran out first: testcontainers-go
		// tries again itself.
		return ""
	}
	if err := os.Setenv(ryukEnv, "true"); err != nil {
		return ""
	}
	return fmt.Sprintf("the reaper image %s cannot be pulled (%v): %s=true for this process", plan.image, err, ryukEnv)
}
