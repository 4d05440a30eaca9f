// Package docker is haharness's only adapter to the container engine. It
// drives the docker CLI (so it works with any engine the CLI reaches and needs
// no daemon API client library): networks with fixed subnets, containers with
// static addresses, exec, copy in and out, signals, pause, port lookups, image
// builds, and finding everything haharness created by its labels.
//
// It knows nothing about Hadoop. Layering: imports no project package.
package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// Label keys put on every network and container haharness creates.
const (
	LabelManaged = "io.haharness"         // always "1"
	LabelCluster = "io.haharness.cluster" // cluster name
	LabelOwner   = "io.haharness.owner"   // "pid@boot-id" of the creating process; "" when kept on purpose
	LabelHost    = "io.haharness.host"    // host name inside the cluster
)

// ErrEngine is wrapped when the engine cannot be reached.
var ErrEngine = errors.New("docker engine unreachable")

// Engine runs docker CLI commands.
type Engine struct {
	// Binary is the docker CLI to run; default "docker".
	Binary string
}

// New returns an Engine using the docker CLI on PATH.
func New() *Engine { return &Engine{Binary: "docker"} }

// Result is what a command printed and how it exited.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Combined returns stdout and stderr together, trimmed.
func (r Result) Combined() string {
	return strings.TrimSpace(strings.TrimSpace(r.Stdout) + "\n" + strings.TrimSpace(r.Stderr))
}

// run executes docker with args; a non-zero exit is an error that quotes stderr.
func (e *Engine) run(ctx context.Context, stdin io.Reader, args ...string) (Result, error) {
	res, err := e.raw(ctx, stdin, args...)
	if err != nil {
		return res, err
	}
	if res.ExitCode != 0 {
		return res, fmt.Errorf("docker %s: exit %d: %s", args[0], res.ExitCode, strings.TrimSpace(res.Stderr))
	}
	return res, nil
}

// raw executes docker and returns its exit code without judging it.
func (e *Engine) raw(ctx context.Context, stdin io.Reader, args ...string) (Result, error) {
	bin := e.Binary
	if bin == "" {
		bin = "docker"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, stdin
	err := cmd.Run()
	res := Result{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ctx.Err() == nil:
		res.ExitCode = ee.ExitCode()
	case ctx.Err() != nil:
		return res, fmt.Errorf("docker %s: %w", args[0], ctx.Err())
	default:
		return res, fmt.Errorf("docker %s: %w", args[0], err)
	}
	return res, nil
}

// Ping checks that the CLI exists and the engine answers.
func (e *Engine) Ping(ctx context.Context) error {
	if _, err := exec.LookPath(e.binary()); err != nil {
		return fmt.Errorf("%w: no docker CLI on PATH: run scripts/setup.sh (Debian, root) or install Docker", ErrEngine)
	}
	res, err := e.raw(ctx, nil, "version", "--format", "{{.Server.Version}}")
	if err != nil || res.ExitCode != 0 {
		return fmt.Errorf("%w: %s: start the engine (scripts/setup.sh does it on Debian as root) or set DOCKER_HOST",
			ErrEngine, strings.TrimSpace(res.Stderr+" "+errString(err)))
	}
	return nil
}

func (e *Engine) binary() string {
	if e.Binary == "" {
		return "docker"
	}
	return e.Binary
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func labelArgs(labels map[string]string) []string {
	var a []string
	for k, v := range labels {
		a = append(a, "--label", k+"="+v)
	}
	return a
}

// CreateNetwork creates a bridge network with the given subnet.
func (e *Engine) CreateNetwork(ctx context.Context, name, subnet string, labels map[string]string) error {
	args := append([]string{"network", "create", "--driver", "bridge", "--subnet", subnet}, labelArgs(labels)...)
	_, err := e.run(ctx, nil, append(args, name)...)
	return err
}

// RemoveNetwork removes a network; a missing one is not an error.
func (e *Engine) RemoveNetwork(ctx context.Context, name string) error {
	res, err := e.raw(ctx, nil, "network", "rm", name)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 && !isNotFound(res.Stderr) {
		return fmt.Errorf("docker network rm %s: %s", name, strings.TrimSpace(res.Stderr))
	}
	return nil
}

func isNotFound(stderr string) bool {
	s := strings.ToLower(stderr)
	return strings.Contains(s, "no such") || strings.Contains(s, "not found")
}

// ContainerSpec describes a container to create.
type ContainerSpec struct {
	Name, Hostname, Image, Network, IP string
	// ExtraHosts are "name:ip" entries written to /etc/hosts.
	ExtraHosts []string
	Labels     map[string]string
	// Publish are container ports published on 127.0.0.1 at an ephemeral port.
	Publish []int
	CapAdd  []string
	Env     []string
}

// CreateContainer creates (but does not start) a container.
func (e *Engine) CreateContainer(ctx context.Context, s ContainerSpec) error {
	args := []string{"create", "--name", s.Name, "--hostname", s.Hostname, "--network", s.Network,
		"--ip", s.IP, "--stop-timeout", "5", "--tmpfs", "/run:exec"}
	for _, h := range s.ExtraHosts {
		args = append(args, "--add-host", h)
	}
	for _, p := range s.Publish {
		args = append(args, "-p", fmt.Sprintf("127.0.0.1::%d", p))
	}
	for _, c := range s.CapAdd {
		args = append(args, "--cap-add", c)
	}
	for _, v := range s.Env {
		args = append(args, "--env", v)
	}
	args = append(args, labelArgs(s.Labels)...)
	_, err := e.run(ctx, nil, append(args, s.Image)...)
	return err
}

// Start starts containers.
func (e *Engine) Start(ctx context.Context, names ...string) error {
	_, err := e.run(ctx, nil, append([]string{"start"}, names...)...)
	return err
}

// Stop stops a container gracefully (SIGTERM, then SIGKILL after timeout seconds).
func (e *Engine) Stop(ctx context.Context, name string, timeoutSec int) error {
	_, err := e.run(ctx, nil, "stop", "-t", strconv.Itoa(timeoutSec), name)
	return err
}

// Kill sends signal (e.g. KILL) to a container's main process.
func (e *Engine) Kill(ctx context.Context, name, signal string) error {
	_, err := e.run(ctx, nil, "kill", "--signal", signal, name)
	return err
}

// Pause freezes every process of a container (cgroup freezer).
func (e *Engine) Pause(ctx context.Context, name string) error {
	_, err := e.run(ctx, nil, "pause", name)
	return err
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(ctx context.Context, name string) error {
	_, err := e.run(ctx, nil, "unpause", name)
	return err
}

// Remove force-removes containers with their anonymous volumes; missing ones are skipped.
func (e *Engine) Remove(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	res, err := e.raw(ctx, nil, append([]string{"rm", "-f", "-v"}, names...)...)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 && !isNotFound(res.Stderr) {
		return fmt.Errorf("docker rm: %s", strings.TrimSpace(res.Stderr))
	}
	return nil
}

// ExecOptions tune Exec.
type ExecOptions struct {
	Stdin  io.Reader
	Detach bool
	Env    []string
}

// Exec runs cmd in a running container. A non-zero exit is not an error;
// the caller reads Result.ExitCode.
func (e *Engine) Exec(ctx context.Context, name string, cmd []string, o ExecOptions) (Result, error) {
	args := []string{"exec"}
	if o.Stdin != nil {
		args = append(args, "-i")
	}
	if o.Detach {
		args = append(args, "-d")
	}
	for _, v := range o.Env {
		args = append(args, "--env", v)
	}
	args = append(append(args, name), cmd...)
	return e.raw(ctx, o.Stdin, args...)
}

// CopyTo writes files (path relative to dir → contents) into a container,
// created or running, under dir.
func (e *Engine) CopyTo(ctx context.Context, name, dir string, files map[string][]byte) error {
	tarball, err := tarFiles(files)
	if err != nil {
		return err
	}
	_, err = e.run(ctx, bytes.NewReader(tarball), "cp", "-", name+":"+dir)
	return err
}

// CopyFrom returns a tar archive of path in a container (running or not).
func (e *Engine) CopyFrom(ctx context.Context, name, path string) ([]byte, error) {
	res, err := e.run(ctx, nil, "cp", name+":"+path, "-")
	return []byte(res.Stdout), err
}

// State is a container's engine state.
type State struct {
	Status  string // created, running, paused, restarting, exited, dead
	Running bool
	Paused  bool
	Pid     int
}

// Inspect returns a container's state.
func (e *Engine) Inspect(ctx context.Context, name string) (State, error) {
	res, err := e.run(ctx, nil, "inspect", "--type", "container", "--format",
		"{{.State.Status}} {{.State.Running}} {{.State.Paused}} {{.State.Pid}}", name)
	if err != nil {
		return State{}, err
	}
	f := strings.Fields(res.Stdout)
	if len(f) != 4 {
		return State{}, fmt.Errorf("inspect %s: unexpected output %q", name, res.Stdout)
	}
	pid, _ := strconv.Atoi(f[3])
	return State{Status: f[0], Running: f[1] == "true", Paused: f[2] == "true", Pid: pid}, nil
}

// HostPort returns the 127.0.0.1 port a container port is published on.
func (e *Engine) HostPort(ctx context.Context, name string, port int) (string, error) {
	res, err := e.run(ctx, nil, "port", name, fmt.Sprintf("%d/tcp", port))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		if strings.HasPrefix(line, "127.0.0.1:") {
			return strings.TrimPrefix(line, "127.0.0.1:"), nil
		}
	}
	return "", fmt.Errorf("port %d of %s is not published on 127.0.0.1", port, name)
}

// Listed is one container or network found by label.
type Listed struct {
	Name   string
	Labels map[string]string
}

// ListContainers returns all containers (any state) carrying label filters ("k=v" or "k").
func (e *Engine) ListContainers(ctx context.Context, filters ...string) ([]Listed, error) {
	args := []string{"ps", "-a", "--format", "{{.Names}}\t{{.Labels}}"}
	for _, f := range filters {
		args = append(args, "--filter", "label="+f)
	}
	res, err := e.run(ctx, nil, args...)
	return parseListed(res.Stdout), err
}

// ListNetworks returns networks carrying label filters.
func (e *Engine) ListNetworks(ctx context.Context, filters ...string) ([]Listed, error) {
	args := []string{"network", "ls", "--format", "{{.Name}}\t{{.Labels}}"}
	for _, f := range filters {
		args = append(args, "--filter", "label="+f)
	}
	res, err := e.run(ctx, nil, args...)
	return parseListed(res.Stdout), err
}

func parseListed(out string) []Listed {
	var l []Listed
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		name, labels, _ := strings.Cut(line, "\t")
		m := map[string]string{}
		for _, kv := range strings.Split(labels, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				m[k] = v
			}
		}
		l = append(l, Listed{Name: name, Labels: m})
	}
	return l
}

// NetworkSubnets returns the subnets of every network on the engine.
func (e *Engine) NetworkSubnets(ctx context.Context) ([]string, error) {
	res, err := e.run(ctx, nil, "network", "ls", "-q")
	if err != nil {
		return nil, err
	}
	ids := strings.Fields(res.Stdout)
	if len(ids) == 0 {
		return nil, nil
	}
	res, err = e.run(ctx, nil, append([]string{"network", "inspect", "--format",
		"{{range .IPAM.Config}}{{.Subnet}} {{end}}"}, ids...)...)
	return strings.Fields(res.Stdout), err
}

// ImageLabels returns an image's labels, or ok=false when it is not present locally.
func (e *Engine) ImageLabels(ctx context.Context, ref string) (labels map[string]string, ok bool, err error) {
	res, err := e.raw(ctx, nil, "image", "inspect", "--format", "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}\n{{end}}", ref)
	if err != nil {
		return nil, false, err
	}
	if res.ExitCode != 0 {
		if isNotFound(res.Stderr) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("docker image inspect %s: %s", ref, strings.TrimSpace(res.Stderr))
	}
	labels = map[string]string{}
	for _, line := range strings.Split(res.Stdout, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			labels[k] = v
		}
	}
	return labels, true, nil
}

// Build builds an image from a context directory, logging the build output to w.
func (e *Engine) Build(ctx context.Context, dir, tag string, buildArgs map[string]string, w io.Writer) error {
	args := []string{"build", "--tag", tag}
	for k, v := range buildArgs {
		args = append(args, "--build-arg", k+"="+v)
	}
	cmd := exec.CommandContext(ctx, e.binary(), append(args, dir)...)
	cmd.Env = append(cmd.Environ(), "DOCKER_BUILDKIT=0")
	var tail tailBuffer
	cmd.Stdout = io.MultiWriter(w, &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("docker build %s: %w; last output:\n%s", tag, err, tail.String())
	}
	return nil
}

// Import creates an image from a root filesystem tarball on r.
func (e *Engine) Import(ctx context.Context, r io.Reader, tag string) error {
	_, err := e.run(ctx, r, "import", "-", tag)
	return err
}

// tailBuffer keeps the last 4 KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// RunOnce runs cmd in a throwaway container of image (removed afterwards),
// with bash as entrypoint overridden, and returns its output.
func (e *Engine) RunOnce(ctx context.Context, image string, cmd []string) (Result, error) {
	args := append([]string{"run", "--rm", "--label", LabelManaged + "=1", "--entrypoint", cmd[0], image}, cmd[1:]...)
	return e.raw(ctx, nil, args...)
}

// MemoryUsage returns the memory each running container uses now, in bytes
// (docker stats; page cache excluded as the engine reports it).
func (e *Engine) MemoryUsage(ctx context.Context, names ...string) (map[string]uint64, error) {
	res, err := e.run(ctx, nil, append([]string{"stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}"}, names...)...)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		name, usage, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		used, _, _ := strings.Cut(usage, " / ")
		b, err := parseBytes(strings.TrimSpace(used))
		if err != nil {
			return nil, fmt.Errorf("stats %s: %w", name, err)
		}
		out[name] = b
	}
	return out, nil
}

// parseBytes reads docker's human sizes: 512KiB, 1.5GiB, 12MB, 0B.
func parseBytes(s string) (uint64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("size %q: %w", s, err)
			}
			return uint64(f * u.mult), nil
		}
	}
	return 0, fmt.Errorf("size %q: unknown unit", s)
}
