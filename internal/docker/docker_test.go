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
