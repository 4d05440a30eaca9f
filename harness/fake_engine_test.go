package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/haharness/haharness/internal/docker"
)

// fakeEngine is an in-memory engine for unit tests: it records every call,
// keeps containers and networks with their labels, and fails with err when
// set (an unreachable engine).
type fakeEngine struct {
	mu         sync.Mutex
	err        error
	calls      []string
	containers []docker.Container
	networks   []docker.Network
	execs      map[string]docker.Result // "container cmd..." → result
	oomKilled  map[string]bool          // containers the kernel killed for memory
	// execFn, when set, answers execs the execs map does not name.
	execFn func(key string) docker.Result
	// startFailures makes the next Start of a container fail this many times.
	startFailures map[string]int
	// files, when set, are the only files CopyFrom finds ("container:path").
	files map[string][]byte
	// createPorts, when set, gives a created container its published ports
	// (Podman chooses them at create; Docker at start).
	createPorts func(name string) map[int]int
}

var _ engine = (*fakeEngine)(nil)

func (f *fakeEngine) call(format string, a ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, a...))
	return f.err
}

// created lists the calls that would have created something.
func (f *fakeEngine) created() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, "create") || strings.HasPrefix(c, "start") {
			out = append(out, c)
		}
	}
	return out
}

func matches(labels map[string]string, filters []string) bool {
	for _, f := range filters {
		k, v, hasV := strings.Cut(f, "=")
		got, ok := labels[k]
		if !ok || (hasV && got != v) {
			return false
		}
	}
	return true
}

func (f *fakeEngine) Containers(_ context.Context, filters ...string) ([]docker.Container, error) {
	if err := f.call("list containers %v", filters); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []docker.Container
	for _, c := range f.containers {
		if matches(c.Labels, filters) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeEngine) Networks(_ context.Context, filters ...string) ([]docker.Network, error) {
	if err := f.call("list networks %v", filters); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []docker.Network
	for _, n := range f.networks {
		if matches(n.Labels, filters) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeEngine) CreateNetwork(_ context.Context, name, subnet string, labels map[string]string) error {
	if err := f.call("create network %s %s", name, subnet); err != nil {
		return err
	}
	f.mu.Lock()
	f.networks = append(f.networks, docker.Network{Name: name, Labels: labels, Subnets: []string{subnet}})
	f.mu.Unlock()
	return nil
}

func (f *fakeEngine) CreateContainer(_ context.Context, s docker.ContainerSpec) error {
	if err := f.call("create container %s", s.Name); err != nil {
		return err
	}
	ports := map[int]int{}
	if f.createPorts != nil {
		ports = f.createPorts(s.Name)
	}
	f.mu.Lock()
	f.containers = append(f.containers, docker.Container{Name: s.Name, Labels: s.Labels, State: "created", Ports: ports})
	f.mu.Unlock()
	return nil
}

func (f *fakeEngine) Remove(_ context.Context, names ...string) error {
	if err := f.call("remove %v", names); err != nil {
		return err
	}
	f.mu.Lock()
	f.containers = slices.DeleteFunc(f.containers, func(c docker.Container) bool { return slices.Contains(names, c.Name) })
	f.mu.Unlock()
	return nil
}

func (f *fakeEngine) RemoveNetwork(_ context.Context, name string) error {
	if err := f.call("remove network %s", name); err != nil {
		return err
	}
	f.mu.Lock()
	f.networks = slices.DeleteFunc(f.networks, func(n docker.Network) bool { return n.Name == name })
	f.mu.Unlock()
	return nil
}

func (f *fakeEngine) setState(name, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.containers {
		if f.containers[i].Name == name {
			f.containers[i].State = state
		}
	}
}

func (f *fakeEngine) Start(_ context.Context, names ...string) error {
	if err := f.call("start %v", names); err != nil {
		return err
	}
	f.mu.Lock()
	for _, n := range names {
		if f.startFailures[n] > 0 {
			f.startFailures[n]--
			f.mu.Unlock()
			return fmt.Errorf("start %s: cannot listen on the TCP port: address already in use", n)
		}
	}
	f.mu.Unlock()
	for _, n := range names {
		f.setState(n, "running")
	}
	return nil
}

func (f *fakeEngine) Stop(_ context.Context, name string, _ int) error {
	f.setState(name, "exited")
	return f.call("stop %s", name)
}

func (f *fakeEngine) Kill(_ context.Context, name, signal string) error {
	f.setState(name, "exited")
	return f.call("kill %s %s", name, signal)
}

func (f *fakeEngine) Pause(_ context.Context, name string) error {
	f.setState(name, "paused")
	return f.call("pause %s", name)
}

func (f *fakeEngine) Unpause(_ context.Context, name string) error {
	f.setState(name, "running")
	return f.call("unpause %s", name)
}

func (f *fakeEngine) Inspect(_ context.Context, name string) (docker.State, error) {
	if err := f.call("inspect %s", name); err != nil {
		return docker.State{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.Name == name {
			return docker.State{Status: c.State, Running: c.State == "running" || c.State == "paused", Paused: c.State == "paused",
				OOMKilled: f.oomKilled[name]}, nil
		}
	}
	return docker.State{}, fmt.Errorf("inspect %s: %w", name, docker.ErrNotFound)
}

func (f *fakeEngine) Exec(_ context.Context, name string, cmd []string, _ docker.ExecOptions) (docker.Result, error) {
	key := name + " " + strings.Join(cmd, " ")
	if err := f.call("exec %s", key); err != nil {
		return docker.Result{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.execs[key]; ok || f.execFn == nil {
		return r, nil
	}
	return f.execFn(key), nil
}

func (f *fakeEngine) CopyFrom(_ context.Context, name, path string) (map[string][]byte, error) {
	if err := f.call("copy from %s:%s", name, path); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files == nil {
		return nil, nil
	}
	b, ok := f.files[name+":"+path]
	if !ok {
		return nil, fmt.Errorf("copy from %s:%s: %w", name, path, docker.ErrNotFound)
	}
	return map[string][]byte{path: b}, nil
}

func (f *fakeEngine) Usage(_ context.Context, names ...string) (map[string]docker.Usage, error) {
	return nil, f.call("stats %v", names)
}

func (f *fakeEngine) PublishedHost() string { return "127.0.0.1" }

func (f *fakeEngine) ReaperLabels(context.Context) (map[string]string, string) {
	return nil, "no reaper in unit tests"
}
