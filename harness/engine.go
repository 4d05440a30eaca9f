package harness

import (
	"context"

	"github.com/haharness/haharness/internal/docker"
)

// engine is what the harness needs from the container engine.
// *docker.Engine implements it; unit tests fake it.
type engine interface {
	// Finding things: one Engine API call each.
	Containers(ctx context.Context, labelFilters ...string) ([]docker.Container, error)
	Networks(ctx context.Context, labelFilters ...string) ([]docker.Network, error)
	// Creating and removing.
	CreateNetwork(ctx context.Context, name, subnet string, labels map[string]string) error
	CreateContainer(ctx context.Context, s docker.ContainerSpec) error
	Remove(ctx context.Context, containers ...string) error
	RemoveNetwork(ctx context.Context, name string) error
	// Host containers' lifecycle.
	Start(ctx context.Context, names ...string) error
	Stop(ctx context.Context, name string, timeoutSec int) error
	Kill(ctx context.Context, name, signal string) error
	Pause(ctx context.Context, name string) error
	Unpause(ctx context.Context, name string) error
	Inspect(ctx context.Context, name string) (docker.State, error)
	// Inside a host.
	Exec(ctx context.Context, name string, cmd []string, o docker.ExecOptions) (docker.Result, error)
	CopyFrom(ctx context.Context, name, path string) (map[string][]byte, error)
	Usage(ctx context.Context, names ...string) (map[string]docker.Usage, error)
	// Where published ports are reached, and the reaper's labels.
	PublishedHost() string
	ReaperLabels(ctx context.Context) (map[string]string, string)
}

var _ engine = (*docker.Engine)(nil)

// connectEngine finds the engine as testcontainers-go does. Unit tests
// replace it.
var connectEngine = func(ctx context.Context) (engine, error) {
	e, err := docker.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return e, nil
}
