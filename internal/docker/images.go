package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
)

// ImageLabels returns an image's labels, or ok=false when the engine does
// not have it.
func (e *Engine) ImageLabels(ctx context.Context, ref string) (labels map[string]string, ok bool, err error) {
	res, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		if err = wrap(err, "inspect image", ref); errors.Is(err, ErrNotFound) {
			return nil, false, nil
		}
		return nil, false, err
	}
	labels = map[string]string{}
	if res.Config != nil {
		maps.Copy(labels, res.Config.Labels)
	}
	return labels, true, nil
}

// Pull pulls an image from its registry, writing progress to w.
func (e *Engine) Pull(ctx context.Context, ref string, w io.Writer) error {
	resp, err := e.cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return wrap(err, "pull", ref)
	}
	defer resp.Close()
	return wrap(readMessages(resp, w), "pull", ref)
}

// readMessages copies an engine JSON message stream (build or pull output)
// to w and returns the error the stream ends with, if any.
func readMessages(r io.Reader, w io.Writer) error {
	var tail TailWriter
	out := io.MultiWriter(w, &tail)
	dec := json.NewDecoder(r)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		switch {
		case m.Error != nil:
			return fmt.Errorf("%s; last output:\n%s", m.Error.Message, tail.String())
		case m.Stream != "":
			fmt.Fprint(out, m.Stream)
		case m.Status != "" && m.Progress == nil:
			fmt.Fprintln(out, strings.TrimSpace(m.ID+" "+m.Status))
		}
	}
}

// Build builds an image from a context directory with the engine's classic
// builder (it needs no BuildKit session, and Podman serves it too), logging
// the build output to w.
func (e *Engine) Build(ctx context.Context, dir, tag string, buildArgs map[string]string, w io.Writer) error {
	tarball := tarDir(dir)
	defer tarball.Close()
	args := map[string]*string{}
	for k, v := range buildArgs {
		args[k] = &v
	}
	res, err := e.cli.ImageBuild(ctx, tarball, client.ImageBuildOptions{
		Tags: []string{tag}, BuildArgs: args, Remove: true, ForceRemove: true, Version: build.BuilderV1,
		Dockerfile: "Dockerfile",
	})
	if err != nil {
		return wrap(err, "build", tag)
	}
	defer res.Body.Close()
	if err := readMessages(res.Body, w); err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	return nil
}

// Import creates an image from a root filesystem tarball on r.
func (e *Engine) Import(ctx context.Context, r io.Reader, tag string) error {
	res, err := e.cli.ImageImport(ctx, client.ImageImportSource{Source: r, SourceName: "-"}, tag, client.ImageImportOptions{})
	if err != nil {
		return wrap(err, "import", tag)
	}
	defer res.Close()
	return wrap(readMessages(res, io.Discard), "import", tag)
}

// EnsureVolume creates a named volume unless it exists.
func (e *Engine) EnsureVolume(ctx context.Context, name string, labels map[string]string) error {
	if _, err := e.cli.VolumeInspect(ctx, name, client.VolumeInspectOptions{}); err == nil {
		return nil
	}
	_, err := e.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: labels})
	return wrap(err, "create volume", name)
}

// RemoveVolume removes a named volume; a missing one is not an error.
func (e *Engine) RemoveVolume(ctx context.Context, name string) error {
	_, err := e.cli.VolumeRemove(ctx, name, client.VolumeRemoveOptions{Force: true})
	if err = wrap(err, "remove volume", name); errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// RunSpec is a throwaway container: run to completion, then removed.
type RunSpec struct {
	Image string
	// Cmd is the command; it replaces the image's entrypoint.
	Cmd []string
	Env []string
	// Volumes maps a named volume to the path it is mounted at.
	Volumes map[string]string
	// Files are written into the container (relative to /) before it starts.
	Files map[string][]byte
	// CopyOut is a path whose files are returned after the run.
	CopyOut string
}

// Run runs a throwaway container to completion and returns its output and
// exit code, and the files under spec.CopyOut. The container is removed
// whatever happens.
func (e *Engine) Run(ctx context.Context, spec RunSpec) (Result, map[string][]byte, error) {
	var mounts []mount.Mount
	for _, v := range slices.Sorted(maps.Keys(spec.Volumes)) {
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: v, Target: spec.Volumes[v]})
	}
	created, err := e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: spec.Image, Entrypoint: spec.Cmd[:1], Cmd: spec.Cmd[1:], Env: spec.Env,
			Labels: map[string]string{LabelManaged: "1"}},
		HostConfig: &container.HostConfig{Mounts: mounts, Resources: container.Resources{Ulimits: hostUlimits}},
	})
	if err != nil {
		return Result{}, nil, wrap(err, "create throwaway container of", spec.Image)
	}
	id := created.ID
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30e9)
		defer cancel()
		_ = e.Remove(rctx, id)
	}()
	if len(spec.Files) > 0 {
		if err := e.CopyTo(ctx, id, "/", spec.Files); err != nil {
			return Result{}, nil, err
		}
	}
	wait := e.cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if err := e.Start(ctx, id); err != nil {
		return Result{}, nil, err
	}
	var res Result
	select {
	case w := <-wait.Result:
		res.ExitCode = int(w.StatusCode)
	case err := <-wait.Error:
		return Result{}, nil, wrap(err, "wait for throwaway container of", spec.Image)
	}
	logs, err := e.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return res, nil, wrap(err, "logs of throwaway container of", spec.Image)
	}
	var out, errb bytes.Buffer
	_, err = stdcopy.StdCopy(&out, &errb, logs)
	logs.Close()
	res.Stdout, res.Stderr = out.String(), errb.String()
	if err != nil {
		return res, nil, fmt.Errorf("logs of throwaway container of %s: %w", spec.Image, err)
	}
	var files map[string][]byte
	if spec.CopyOut != "" && res.ExitCode == 0 {
		if files, err = e.CopyFrom(ctx, id, spec.CopyOut); err != nil {
			return res, nil, err
		}
	}
	return res, files, nil
}

// TailWriter keeps the last Max bytes written to it (4 KiB when Max is 0),
// for error messages that quote the end of a tool's output.
type TailWriter struct {
	Max int
	b   []byte
}

func (t *TailWriter) Write(p []byte) (int, error) {
	limit := t.Max
	if limit <= 0 {
		limit = 4096
	}
	t.b = append(t.b, p...)
	if len(t.b) > limit {
		t.b = t.b[len(t.b)-limit:]
	}
	return len(p), nil
}

func (t *TailWriter) String() string { return string(t.b) }

// Image is an image found by label.
type Image struct {
	ID      string
	Tags    []string
	Labels  map[string]string
	Created time.Time
	// Size is the image's own size in bytes (shared layers included).
	Size int64
}

// ImageID returns the ID of image ref, or ok=false when the engine does
// not have it.
func (e *Engine) ImageID(ctx context.Context, ref string) (id string, ok bool, err error) {
	res, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		if err = wrap(err, "inspect image", ref); errors.Is(err, ErrNotFound) {
			return "", false, nil
		}
		return "", false, err
	}
	return res.ID, true, nil
}

// Images lists the images carrying label filters, in one Engine API call.
func (e *Engine) Images(ctx context.Context, filters ...string) ([]Image, error) {
	res, err := e.cli.ImageList(ctx, client.ImageListOptions{Filters: labelFilters(filters)})
	if err != nil {
		return nil, wrap(err, "list images", strings.Join(filters, ","))
	}
	var out []Image
	for _, s := range res.Items {
		out = append(out, Image{ID: s.ID, Tags: s.RepoTags, Labels: s.Labels, Created: time.Unix(s.Created, 0), Size: s.Size})
	}
	return out, nil
}

// RemoveImage removes image ref (a tag or an ID). An image a container
// still uses is refused (ErrConflict); a missing one is not an error.
func (e *Engine) RemoveImage(ctx context.Context, ref string) error {
	_, err := e.cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{})
	if err = wrap(err, "remove image", ref); errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
