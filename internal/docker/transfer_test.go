package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSameAddress(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "engine.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer l.Close()
	link := filepath.Join(dir, "run")
	require.NoError(t, os.Symlink(dir, link))
	other := filepath.Join(dir, "other.sock")
	l2, err := net.Listen("unix", other)
	require.NoError(t, err)
	defer l2.Close()

	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"unix://" + sock, "unix://" + sock, true},
		{"unix://" + sock, "unix://" + filepath.Join(link, "engine.sock"), true}, // one socket under two paths
		{"unix://" + sock, "unix://" + dir + "/./engine.sock", true},
		{"unix://" + sock, "unix://" + other, false},
		{"unix:///nonexistent/a.sock", "unix:///nonexistent/b.sock", false},
		{"tcp://127.0.0.1:2375", "tcp://127.0.0.1:2375/", true},
		{"tcp://127.0.0.1:2375", "tcp://127.0.0.1:2376", false},
		{"tcp://127.0.0.1:2375", "unix://" + sock, false},
	} {
		assert.Equal(t, tc.want, SameAddress(tc.a, tc.b), "%s vs %s", tc.a, tc.b)
	}
}

func TestPeerThatIsNotThereIsErrEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Peer(ctx, "unix:///nonexistent/podman.sock")
	require.ErrorIs(t, err, ErrEngine)
	assert.ErrorContains(t, err, "/nonexistent/podman.sock", "the error names the address")
}

// TestCopyImageBetweenEngines imports a one-file image into the engine at
// HAHARNESS_COPY_FROM, copies it to the engine at HAHARNESS_COPY_TO, checks
// it arrived with its ID, and removes it from both. It runs only with
// HAHARNESS_COPY_E2E=1:
//
//	HAHARNESS_COPY_E2E=1 HAHARNESS_COPY_FROM=unix:///var/run/docker.sock \
//	  HAHARNESS_COPY_TO=unix:///run/podman/podman.sock go test ./internal/docker -run TestCopyImageBetweenEngines -v
func TestCopyImageBetweenEngines(t *testing.T) {
	if os.Getenv("HAHARNESS_COPY_E2E") != "1" {
		t.Skip("set HAHARNESS_COPY_E2E=1, HAHARNESS_COPY_FROM and HAHARNESS_COPY_TO to copy an image between two engines")
	}
	ctx := t.Context()
	src, err := Peer(ctx, os.Getenv("HAHARNESS_COPY_FROM"))
	require.NoError(t, err)
	defer src.Close()
	dst, err := Peer(ctx, os.Getenv("HAHARNESS_COPY_TO"))
	require.NoError(t, err)
	defer dst.Close()
	require.True(t, src.SameEngine(ctx, src))
	require.False(t, src.SameEngine(ctx, dst), "two engines")
	again, err := Peer(ctx, dst.Endpoint())
	require.NoError(t, err)
	defer again.Close()
	require.True(t, dst.SameEngine(ctx, again), "one engine reached twice")

	const ref = "haharness-copytest:1"
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	body := []byte("haharness copy test\n")
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(0, 0)}))
	_, err = tw.Write(body)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	require.NoError(t, src.Import(ctx, &tarball, ref))
	t.Cleanup(func() {
		ctx := context.Background()
		assert.NoError(t, src.RemoveImage(ctx, ref))
		assert.NoError(t, dst.RemoveImage(ctx, ref))
	})
	_, had, err := dst.ImageLabels(ctx, ref)
	require.NoError(t, err)
	require.False(t, had, "%s is on %s before the copy: remove it first", ref, dst.Endpoint())

	start := time.Now()
	n, err := src.CopyImageTo(ctx, ref, dst)
	require.NoError(t, err)
	t.Logf("copied %s from %s to %s: %d bytes in %v", ref, src.Endpoint(), dst.Endpoint(), n, time.Since(start).Round(time.Millisecond))
	require.Positive(t, n)
	srcID, ok, err := src.ImageID(ctx, ref)
	require.NoError(t, err)
	require.True(t, ok)
	dstID, ok, err := dst.ImageID(ctx, ref)
	require.NoError(t, err)
	require.True(t, ok, "the target has %s", ref)
	t.Logf("image ID on the source %s, on the target %s", srcID, dstID)

	_, err = src.CopyImageTo(ctx, "haharness-copytest:no-such-tag", dst)
	require.ErrorIs(t, err, ErrNotFound, "copying an image the source lacks")
}
