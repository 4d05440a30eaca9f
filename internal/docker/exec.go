package docker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/haharness/haharness/internal/poll"
)

// Result is what a command printed and how it exited.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Combined returns stdout and stderr together, trimmed.
func (r Result) Combined() string {
	return strings.TrimSpace(strings.TrimSpace(r.Stdout) + "\n" + strings.TrimSpace(r.Stderr))
}

// ExecOptions tune Exec.
type ExecOptions struct {
	Stdin  io.Reader
	Detach bool
	Env    []string
}

// Exec runs cmd in a running container and returns its output and exit
// code. A non-zero exit is not an error; the caller reads Result.ExitCode.
// With Detach it returns once the command started.
func (e *Engine) Exec(ctx context.Context, name string, cmd []string, o ExecOptions) (Result, error) {
	created, err := e.cli.ExecCreate(ctx, name, client.ExecCreateOptions{
		Cmd: cmd, Env: o.Env, AttachStdin: o.Stdin != nil, AttachStdout: !o.Detach, AttachStderr: !o.Detach,
	})
	if err != nil {
		return Result{}, wrap(err, "exec in", name)
	}
	if o.Detach {
		_, err := e.cli.ExecStart(ctx, created.ID, client.ExecStartOptions{Detach: true})
		return Result{}, wrap(err, "exec in", name)
	}
	att, err := e.cli.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return Result{}, wrap(err, "exec in", name)
	}
	defer att.Close()
	// The hijacked connection ignores ctx: close it when ctx ends.
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()
	if o.Stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, o.Stdin)
			_ = att.CloseWrite()
		}()
	}
	var out, errb bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errb, att.Reader); err != nil && ctx.Err() == nil {
		return Result{Stdout: out.String(), Stderr: errb.String()}, fmt.Errorf("exec in %s: read output: %w", name, err)
	}
	res := Result{Stdout: out.String(), Stderr: errb.String()}
	if ctx.Err() != nil {
		return res, fmt.Errorf("exec in %s: %w", name, ctx.Err())
	}
	// The stream ends as the process exits; the engine may take a moment
	// to record the exit code.
	err = poll.Until(ctx, "exit code of exec in "+name, 20*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		in, err := e.cli.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
		if err != nil {
			return false, "", poll.Permanent(wrap(err, "inspect exec in", name))
		}
		res.ExitCode = in.ExitCode
		return !in.Running, "running", nil
	})
	return res, err
}
