package scenarios

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// SampleInterval is how often the recorder samples every NameNode's and
// ResourceManager's state and the NameNode election lock.
const SampleInterval = 250 * time.Millisecond

// probeTimeout bounds one state probe: a frozen daemon does not answer, and
// the sampler must not stall on it.
const probeTimeout = 800 * time.Millisecond

// Recorder samples HA state into a History until stopped.
type Recorder struct {
	c    *harness.Cluster
	h    *invariant.History
	stop context.CancelFunc
	done chan struct{}
}

// Record starts sampling c into h every SampleInterval. Every daemon of a
// round is recorded with the same timestamp, as invariant.SingleActive
// expects.
func Record(ctx context.Context, c *harness.Cluster, h *invariant.History) *Recorder {
	ctx, cancel := context.WithCancel(ctx)
	r := &Recorder{c: c, h: h, stop: cancel, done: make(chan struct{})}
	go r.loop(ctx)
	return r
}

// Stop ends sampling and waits for the last round.
func (r *Recorder) Stop() {
	r.stop()
	<-r.done
}

func (r *Recorder) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(SampleInterval)
	defer t.Stop()
	for {
		r.sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Recorder) sample(ctx context.Context) {
	topo := r.c.Topology()
	now := time.Now()
	type sample struct{ daemon, role, state string }
	var mu sync.Mutex
	var samples []sample
	var wg sync.WaitGroup
	probe := func(d topology.Daemon, id string, port int, get func(context.Context, string) (string, error)) {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, probeTimeout)
			defer cancel()
			state, err := get(pctx, r.c.Addr(d.Host, port))
			if err != nil {
				state = r.classify(ctx, d, err)
			}
			mu.Lock()
			samples = append(samples, sample{id, string(d.Role), state})
			mu.Unlock()
		})
	}
	for _, h := range topo.On(topology.NameNode) {
		probe(topology.Daemon{Host: h, Role: topology.NameNode}, topo.NameNodeID(h), config.PortNameNodeHTTP,
			func(ctx context.Context, addr string) (string, error) {
				st, err := observe.NameNode(ctx, addr)
				return st.State, err
			})
	}
	for _, h := range topo.On(topology.ResourceManager) {
		probe(topology.Daemon{Host: h, Role: topology.ResourceManager}, topo.ResourceManagerID(h), config.PortRMWeb,
			func(ctx context.Context, addr string) (string, error) {
				st, err := observe.ResourceManager(ctx, addr)
				switch st.HAState {
				case "ACTIVE":
					return invariant.StateActive, err
				case "STANDBY":
					return invariant.StateStandby, err
				}
				return st.HAState, err
			})
	}
	wg.Go(func() {
		lock := "none"
		lctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		if conn, err := r.c.ZooKeeper(lctx); err == nil {
			if info, err := observe.NameNodeLock(conn, topo.Nameservice); err == nil {
				lock = info.NameNodeID
			}
			conn.Close()
		} else {
			lock = "unknown"
		}
		mu.Lock()
		samples = append(samples, sample{"nn-lock", "zk-lock", lock})
		mu.Unlock()
	})
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	for _, s := range samples {
		r.h.Add(invariant.Event{Time: now, Kind: invariant.KindState, Daemon: s.daemon, Role: s.role, State: s.state})
	}
}

// classify turns a failed probe into a state: down when nothing listens,
// frozen when the JVM is stopped, unknown otherwise.
func (r *Recorder) classify(ctx context.Context, d topology.Daemon, err error) string {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return invariant.StateDown
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	switch hs, herr := r.c.HostState(pctx, d.Host); {
	case herr != nil:
		return invariant.StateUnknown
	case hs == "paused":
		return invariant.StateFrozen
	case hs != "running":
		return invariant.StateDown
	}
	ps, perr := r.c.Processes(pctx, d.Host)
	if perr != nil {
		return invariant.StateUnknown
	}
	for _, p := range ps {
		if p.Role == d.Role {
			if p.Frozen {
				return invariant.StateFrozen
			}
			return invariant.StateUnknown
		}
	}
	return invariant.StateDown
}

// WaitFailover waits until a single active of role other than from is seen
// (status polled every 250 ms) and returns it and how long it took from since.
func WaitFailover(ctx context.Context, c *harness.Cluster, role topology.Role, from string, since time.Time) (string, time.Duration, error) {
	var active string
	err := poll.Until(ctx, "failover away from "+from, 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		s, err := c.Status(ctx, harness.StatusOptions{})
		if err != nil {
			return false, "", err
		}
		if role == topology.ResourceManager {
			active = s.ActiveResourceManager()
		} else {
			active = s.ActiveNameNode()
		}
		return active != "" && active != from, s.String(), nil
	})
	return active, time.Since(since), err
}
