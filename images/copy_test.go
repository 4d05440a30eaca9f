package images

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/internal/docker"
)

// listen makes a unix socket at path, closed when the test ends.
func listen(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	l, err := net.Listen("unix", path)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
}

func TestDefaultSourcesFromEnv(t *testing.T) {
	env := map[string]string{EnvFrom: " tcp://10.0.0.5:2375, unix:///run/podman/podman.sock,,tcp://10.0.0.5:2375 ", "XDG_RUNTIME_DIR": t.TempDir()}
	got := defaultSources(func(k string) string { return env[k] }, []string{"/var/run/docker.sock"})
	require.Equal(t, []string{"tcp://10.0.0.5:2375", "unix:///run/podman/podman.sock"}, got,
		"the variable's addresses in its order, blanks and repeats dropped; no socket is looked for")
}

func TestDefaultSourcesAreTheSocketsThatExist(t *testing.T) {
	dir := t.TempDir()
	docker := filepath.Join(dir, "var", "docker.sock")
	listen(t, docker)
	notASocket := filepath.Join(dir, "podman", "podman.sock")
	require.NoError(t, os.MkdirAll(filepath.Dir(notASocket), 0o755))
	require.NoError(t, os.WriteFile(notASocket, nil, 0o644))
	xdg := filepath.Join(dir, "xdg")
	listen(t, filepath.Join(xdg, "podman", "podman.sock"))
	listen(t, filepath.Join(xdg, "docker.sock"))
	link := filepath.Join(dir, "run")
	require.NoError(t, os.Symlink(filepath.Join(dir, "var"), link))

	fixed := []string{docker, notASocket, filepath.Join(dir, "missing.sock"), filepath.Join(link, "docker.sock")}
	env := map[string]string{"XDG_RUNTIME_DIR": xdg}
	got := defaultSources(func(k string) string { return env[k] }, fixed)
	want := []string{"unix://" + docker, "unix://" + filepath.Join(xdg, "podman", "podman.sock"), "unix://" + filepath.Join(xdg, "docker.sock")}
	require.Equal(t, want, got, "sockets only, in order, one socket under two paths once")

	env = map[string]string{}
	require.Equal(t, want[:1], defaultSources(func(k string) string { return env[k] }, fixed), "no XDG_RUNTIME_DIR: the fixed paths only")

	// The builder's own engine, however it is spelled, is no source.
	require.Equal(t, want[1:], without(got, "unix://"+filepath.Join(link, "docker.sock")))
	require.Equal(t, want, without(got, "tcp://127.0.0.1:2375"))
}

func TestProvideOrder(t *testing.T) {
	t.Setenv(EnvNative, "")
	require.Equal(t, []How{Pulled, Copied, Built}, (&Builder{}).order(), "a missing image: the registry, another engine, then the build")
	require.Equal(t, []How{Pulled, Built}, (&Builder{Native: true}).order())
	require.Nil(t, (&Builder{Native: true, Sources: []string{"unix:///x.sock"}}).sources(), "native: no source")
	t.Setenv(EnvNative, "1")
	require.Equal(t, []How{Pulled, Built}, (&Builder{}).order(), EnvNative+"=1 builds on the engine")

	require.Equal(t, "copied from unix:///var/run/docker.sock", Provided{How: Copied, From: "unix:///var/run/docker.sock"}.String())
	require.Equal(t, "built", Provided{How: Built}.String())
}

// fakeSource is an engine for the copier: what it answers.
type fakeSource struct {
	addr    string
	same    bool
	has     bool
	hasErr  error
	copyErr error
	copied  *[]string
}

func (f *fakeSource) Endpoint() string                                { return f.addr }
func (f *fakeSource) SameEngine(context.Context, *docker.Engine) bool { return f.same }
func (f *fakeSource) Close() error                                    { return nil }
func (f *fakeSource) ImageLabels(context.Context, string) (map[string]string, bool, error) {
	return nil, f.has, f.hasErr
}

func (f *fakeSource) CopyImageTo(_ context.Context, ref string, _ *docker.Engine) (int64, error) {
	*f.copied = append(*f.copied, f.addr)
	return 1 << 20, f.copyErr
}

func TestCopierTriesEachSourceInTurn(t *testing.T) {
	var copied, verified []string
	engines := map[string]*fakeSource{
		"same":      {same: true, has: true},
		"lacks":     {},
		"broken":    {hasErr: errors.New("inspect: 500")},
		"fails":     {has: true, copyErr: errors.New("load: unexpected EOF")},
		"has":       {has: true},
		"has-later": {has: true},
	}
	var logs bytes.Buffer
	verifyErr := error(nil)
	c := &copier{
		log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		open: func(_ context.Context, addr string) (source, error) {
			f, ok := engines[addr]
			if !ok {
				return nil, docker.ErrEngine
			}
			f.addr, f.copied = addr, &copied
			return f, nil
		},
		verify: func(_ context.Context, ref, from string) error {
			verified = append(verified, ref+"@"+from)
			return verifyErr
		},
	}
	ctx := t.Context()
	order := []string{"gone", "same", "lacks", "broken", "fails", "has", "has-later"}
	from, ok, err := c.tryCopy(ctx, "haharness/hadoop:x", order)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "has", from)
	require.Equal(t, []string{"fails", "has"}, copied, "only sources that have the image are copied from, the first that works ends it")
	require.Equal(t, []string{"haharness/hadoop:x@has"}, verified, "the copied image is checked")
	require.Contains(t, logs.String(), "level=WARN msg=\"image not copied; trying the next source\"")
	require.Contains(t, logs.String(), "msg=\"image copied from has in ")

	// None has it: not an error, the build comes next.
	copied, verified = nil, nil
	_, ok, err = c.tryCopy(ctx, "haharness/hadoop:x", []string{"gone", "lacks", "fails"})
	require.NoError(t, err)
	require.False(t, ok)
	require.Empty(t, verified)

	// A copy that fails the contract fails the provide: no silent build.
	verifyErr = errors.New("does not meet the haharness contract")
	_, ok, err = c.tryCopy(ctx, "haharness/hadoop:x", []string{"has", "has-later"})
	require.ErrorIs(t, err, verifyErr)
	require.False(t, ok)
	require.Equal(t, []string{"has"}, copied[len(copied)-1:], "no second source after a copy failing the contract")
}
