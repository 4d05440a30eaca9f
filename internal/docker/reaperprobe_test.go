package docker

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// probeIn is a machine with the given environment, properties text ("" for
// no file) and existing paths.
func probeIn(env map[string]string, props string, paths ...string) probeInput {
	have := map[string]bool{}
	for _, p := range paths {
		have[p] = true
	}
	return probeInput{
		env:         func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		props:       props,
		hasProps:    props != "",
		home:        "/home/u",
		uid:         1000,
		defaultHost: "unix:///var/run/docker.sock",
		exists:      func(p string) bool { return have[p] },
	}
}

const defaultSock = "/var/run/docker.sock"

func TestReaperProbeFindsTheEngineInTestcontainersOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    probeInput
		hosts []string
	}{
		{"the default socket", probeIn(nil, "", defaultSock), []string{"unix:///var/run/docker.sock"}},
		{"DOCKER_HOST, then the default socket", probeIn(map[string]string{"DOCKER_HOST": "tcp://h:2375"}, "", defaultSock),
			[]string{"tcp://h:2375", "unix:///var/run/docker.sock"}},
		{"DOCKER_HOST naming the default socket is tried once",
			probeIn(map[string]string{"DOCKER_HOST": "unix:///var/run/docker.sock"}, "", defaultSock), []string{"unix:///var/run/docker.sock"}},
		{"tc.host first, docker.host after the default socket",
			probeIn(map[string]string{"DOCKER_HOST": "tcp://env:2375"}, "tc.host=tcp://tc:2375\ndocker.host=tcp://prop:2375\n", defaultSock),
			[]string{"tcp://tc:2375", "tcp://env:2375", "unix:///var/run/docker.sock", "tcp://prop:2375"}},
		{"a tc.host of another scheme is passed over", probeIn(nil, "tc.host=http://x\n", defaultSock), []string{"unix:///var/run/docker.sock"}},
		{"no default socket: rootless under XDG_RUNTIME_DIR",
			probeIn(map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}, "", "/run/user/1000/docker.sock"),
			[]string{"unix:///run/user/1000/docker.sock"}},
		{"only the first rootless socket that exists",
			probeIn(map[string]string{"XDG_RUNTIME_DIR": "/xdg"}, "", "/home/u/.docker/desktop/docker.sock", "/run/user/1000/docker.sock"),
			[]string{"unix:///home/u/.docker/desktop/docker.sock"}},
		{"~/.docker/run before ~/.docker/desktop",
			probeIn(nil, "", "/home/u/.docker/run/docker.sock", "/home/u/.docker/desktop/docker.sock"),
			[]string{"unix:///home/u/.docker/run/docker.sock"}},
		{"/run/user/UID last", probeIn(nil, "", "/run/user/1000/docker.sock"), []string{"unix:///run/user/1000/docker.sock"}},
		{"rootless after the default socket", probeIn(nil, "", defaultSock, "/run/user/1000/docker.sock"),
			[]string{"unix:///var/run/docker.sock", "unix:///run/user/1000/docker.sock"}},
		{"provider podman is the same discovery", probeIn(map[string]string{"TESTCONTAINERS_PROVIDER": "podman"}, "", defaultSock),
			[]string{"unix:///var/run/docker.sock"}},
		{"a file that does not parse is ignored, as testcontainers-go does", probeIn(nil, "a=${a}\n", defaultSock),
			[]string{"unix:///var/run/docker.sock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := planReaperProbe(tc.in)
			require.Empty(t, plan.skip)
			assert.Equal(t, tc.hosts, plan.hosts)
			assert.Equal(t, "testcontainers/ryuk:0.14.0", plan.image)
		})
	}
}

func TestReaperProbeOnWindowsTriesNoRootlessSocket(t *testing.T) {
	in := probeIn(nil, "", "/run/user/1000/docker.sock")
	in.windows = true
	assert.Equal(t, "no engine address", planReaperProbe(in).skip)
}

func TestReaperProbeRespectsTheUsersChoiceAndWhatItCannotTell(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   probeInput
		skip string
	}{
		{"TESTCONTAINERS_RYUK_DISABLED=true", probeIn(map[string]string{ryukEnv: "true"}, "", defaultSock), "TESTCONTAINERS_RYUK_DISABLED=true is set"},
		{"TESTCONTAINERS_RYUK_DISABLED=false", probeIn(map[string]string{ryukEnv: "false"}, "", defaultSock), "TESTCONTAINERS_RYUK_DISABLED=false is set"},
		{"ryuk.disabled=true", probeIn(nil, "ryuk.disabled=true\n", defaultSock), "ryuk.disabled=true is set"},
		{"ryuk.disabled=false", probeIn(nil, "ryuk.disabled = false\n", defaultSock), "ryuk.disabled=false is set"},
		{"a file testcontainers-go cannot decode", probeIn(nil, "ryuk.connection.timeout=soon\n", defaultSock), "does not decode"},
		{"another runtime provider", probeIn(map[string]string{"TESTCONTAINERS_PROVIDER": "kind"}, "", defaultSock), `provider "kind"`},
		{"another runtime provider in the file", probeIn(nil, "provider=kind\n", defaultSock), `provider "kind"`},
		{"TLS from the file", probeIn(nil, "docker.tls.verify=1\n", defaultSock), "docker.tls.verify"},
		{"no engine address", probeIn(nil, ""), "no engine address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := planReaperProbe(tc.in)
			assert.Contains(t, plan.skip, tc.skip)
			assert.Empty(t, plan.hosts)
		})
	}
}

func TestReaperProbeUsesTheHubPrefix(t *testing.T) {
	plan := planReaperProbe(probeIn(nil, "hub.image.name.prefix=mirror.local:5000/hub\n", defaultSock))
	assert.Equal(t, "mirror.local:5000/hub/testcontainers/ryuk:0.14.0", plan.image)
	plan = planReaperProbe(probeIn(map[string]string{"TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX": "env.local"},
		"hub.image.name.prefix=file.local\n", defaultSock))
	assert.Equal(t, "env.local/testcontainers/ryuk:0.14.0", plan.image, "the environment overrides the file")
}

// fakeEngine serves the few Engine API calls the probe makes, on a unix
// socket: the image is there or not, and a pull succeeds or fails.
func fakeEngine(t *testing.T, imageThere bool, pullErr string) (host string, pulls *int) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "e.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	var mu sync.Mutex
	n := 0
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		w.Header().Set("Content-Type", "application/json")
		p := r.URL.Path
		switch {
		case strings.HasSuffix(p, "/_ping"):
			_, _ = w.Write([]byte("OK"))
		case strings.HasSuffix(p, "/info"):
			_, _ = w.Write([]byte(`{"OperatingSystem":"fake"}`))
		case strings.Contains(p, "/images/") && strings.HasSuffix(p, "/json"):
			if !imageThere {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"message":"No such image: testcontainers/ryuk:0.14.0"}`))
				return
			}
			_, _ = w.Write([]byte(`{"Id":"sha256:1","Config":{}}`))
		case strings.HasSuffix(p, "/images/create"):
			mu.Lock()
			n++
			mu.Unlock()
			if pullErr != "" {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"message":"` + pullErr + `"}`))
				return
			}
			_, _ = w.Write([]byte(`{"status":"Pull complete","id":"x"}` + "\n"))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "unix://" + sock, &n
}

// unsetRyukEnv clears TESTCONTAINERS_RYUK_DISABLED for the test and puts it
// back after.
func unsetRyukEnv(t *testing.T) {
	t.Setenv(ryukEnv, "")
	require.NoError(t, os.Unsetenv(ryukEnv))
}

func TestReaperProbeTurnsTheReaperOffWhenItsImageCannotBePulled(t *testing.T) {
	unsetRyukEnv(t)
	host, pulls := fakeEngine(t, false, "Get https://registry.invalid/v2/: dial tcp: lookup registry.invalid: no such host")
	plan := reaperProbePlan{hosts: []string{"unix:///nonexistent/docker.sock", host}, image: "testcontainers/ryuk:0.14.0"}
	note := runReaperProbe(context.Background(), plan)
	assert.Equal(t, 1, *pulls)
	assert.Contains(t, note, "the reaper image testcontainers/ryuk:0.14.0 cannot be pulled (")
	assert.Contains(t, note, "no such host")
	assert.Contains(t, note, "TESTCONTAINERS_RYUK_DISABLED=true for this process")
	v, _ := os.LookupEnv(ryukEnv)
	assert.Equal(t, "true", v)
}

func TestReaperProbeLeavesTheReaperOnWhenItsImageIsThereOrPulls(t *testing.T) {
	for _, tc := range []struct {
		name      string
		there     bool
		wantPulls int
	}{{"there", true, 0}, {"pullable", false, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			unsetRyukEnv(t)
			host, pulls := fakeEngine(t, tc.there, "")
			note := runReaperProbe(context.Background(), reaperProbePlan{hosts: []string{host}, image: "testcontainers/ryuk:0.14.0"})
			assert.Empty(t, note)
			assert.Equal(t, tc.wantPulls, *pulls)
			_, set := os.LookupEnv(ryukEnv)
			assert.False(t, set)
		})
	}
}

func TestReaperProbeDoesNothingWithoutAnEngine(t *testing.T) {
	unsetRyukEnv(t)
	assert.Empty(t, runReaperProbe(context.Background(), reaperProbePlan{hosts: []string{"unix:///nonexistent/docker.sock"}, image: "x"}))
	_, set := os.LookupEnv(ryukEnv)
	assert.False(t, set)
}
