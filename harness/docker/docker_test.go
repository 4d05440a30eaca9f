package docker

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPingOfAnEngineThatIsNotThereIsErrEngine(t *testing.T) {
	cli, err := client.New(client.WithHost("unix:///nonexistent/docker.sock"))
	require.NoError(t, err)
	e := &Engine{cli: cli, endpoint: "unix:///nonexistent/docker.sock"}
	err = e.Ping(context.Background())
	require.ErrorIs(t, err, ErrEngine)
	assert.ErrorContains(t, err, "/nonexistent/docker.sock", "the error names the endpoint")
	assert.ErrorContains(t, err, "DOCKER_HOST", "the error says how to point at an engine")
}

func TestErrorsAreTypedFromTheAPIKind(t *testing.T) {
	for _, tc := range []struct {
		in   error
		want error
	}{
		{cerrdefs.ErrNotFound.WithMessage("No such container: hh-x"), ErrNotFound},
		{cerrdefs.ErrConflict.WithMessage("name in use"), ErrConflict},
		{cerrdefs.ErrPermissionDenied.WithMessage("Pool overlaps with other one on this address space"), ErrConflict},
		{cerrdefs.ErrUnavailable, ErrEngine},
	} {
		got := wrap(tc.in, "do", "thing")
		assert.ErrorIs(t, got, tc.want, "%v", tc.in)
		assert.ErrorIs(t, got, tc.in, "the API error is kept")
		assert.Contains(t, got.Error(), "do thing")
	}
	// An untyped error stays untyped: nothing is guessed from its text.
	plain := wrap(errors.New("no such container (but not typed)"), "do", "thing")
	for _, kind := range []error{ErrNotFound, ErrConflict, ErrEngine, ErrOutOfMemory} {
		assert.NotErrorIs(t, plain, kind)
	}
	assert.NoError(t, wrap(nil, "do", "thing"))
}

func TestPublishAddrs(t *testing.T) {
	for _, tc := range []struct{ daemon, dial, bind string }{
		{"localhost", "127.0.0.1", "127.0.0.1"},
		{"", "127.0.0.1", "127.0.0.1"},
		{"127.0.0.1", "127.0.0.1", "127.0.0.1"},
		{"10.1.2.3", "10.1.2.3", "0.0.0.0"},
		{"docker.example", "docker.example", "0.0.0.0"},
	} {
		dial, bind := publishAddrs(tc.daemon)
		assert.Equal(t, tc.dial, dial, tc.daemon)
		assert.Equal(t, netip.MustParseAddr(tc.bind), bind, tc.daemon)
	}
}

func TestMemoryUsedExcludesPageCache(t *testing.T) {
	v2 := container.MemoryStats{Usage: 500 << 20, Stats: map[string]uint64{"inactive_file": 100 << 20}}
	assert.Equal(t, uint64(400<<20), memoryUsed(v2))
	v1 := container.MemoryStats{Usage: 500 << 20, Stats: map[string]uint64{"total_inactive_file": 50 << 20, "inactive_file": 1}}
	assert.Equal(t, uint64(450<<20), memoryUsed(v1))
	odd := container.MemoryStats{Usage: 10, Stats: map[string]uint64{"inactive_file": 20}}
	assert.Equal(t, uint64(10), memoryUsed(odd))
}

func TestTarRoundTrip(t *testing.T) {
	in := map[string][]byte{"etc/a.xml": []byte("<a/>"), "run.sh": []byte("#!/bin/sh\n")}
	tb, err := tarFiles(in)
	require.NoError(t, err)
	out, err := Untar(bytes.NewReader(tb))
	require.NoError(t, err)
	assert.Equal(t, in, out)
}

func TestTarDirPacksTheTree(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, writeFile(dir+"/bin/run", "#!/bin/sh\n", 0o755))
	require.NoError(t, writeFile(dir+"/Dockerfile", "FROM x\n", 0o644))
	r := tarDir(dir)
	defer r.Close()
	files, err := Untar(r)
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"bin/run": []byte("#!/bin/sh\n"), "Dockerfile": []byte("FROM x\n")}, files)
}

func TestReadMessagesReturnsTheStreamError(t *testing.T) {
	var out bytes.Buffer
	stream := `{"stream":"Step 1/2 : FROM x\n"}` + "\n" + `{"errorDetail":{"message":"boom"},"error":"boom"}` + "\n"
	err := readMessages(bytes.NewBufferString(stream), &out)
	require.Error(t, err)
	assert.ErrorContains(t, err, "boom")
	assert.Contains(t, out.String(), "Step 1/2")
	require.NoError(t, readMessages(bytes.NewBufferString(`{"status":"Pulling"}`+"\n"), &out))
}

func writeFile(path, content string, mode uint32) error {
	if err := mkdirAll(path); err != nil {
		return err
	}
	return writeFileMode(path, []byte(content), mode)
}

func mkdirAll(path string) error { return os.MkdirAll(filepath.Dir(path), 0o755) }

func writeFileMode(path string, b []byte, mode uint32) error {
	return os.WriteFile(path, b, os.FileMode(mode))
}

// startRefuser is an Engine API client whose ContainerStart fails with
// errs, in turn, then succeeds.
type startRefuser struct {
	client.APIClient
	errs  []error
	calls int
}

func (s *startRefuser) ContainerStart(context.Context, string, client.ContainerStartOptions) (client.ContainerStartResult, error) {
	s.calls++
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return client.ContainerStartResult{}, err
	}
	return client.ContainerStartResult{}, nil
}

func TestStartTriesAgainAfterPodmansBrokenPipe(t *testing.T) {
	broken := errors.New("Error response from daemon: write child: broken pipe")
	f := &startRefuser{errs: []error{broken}}
	require.NoError(t, (&Engine{cli: f}).Start(t.Context(), "h1"))
	assert.Equal(t, 2, f.calls)

	// Not forever: StartAttempts in all, then the engine's own error.
	f = &startRefuser{errs: []error{broken, broken, broken, broken}}
	err := (&Engine{cli: f}).Start(t.Context(), "h1")
	require.ErrorContains(t, err, "start h1: Error response from daemon: write child: broken pipe")
	assert.Equal(t, StartAttempts, f.calls)

	// Any other refusal is final at once, and keeps its kind.
	f = &startRefuser{errs: []error{cerrdefs.ErrNotFound}}
	err = (&Engine{cli: f}).Start(t.Context(), "h1")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, 1, f.calls)
}
