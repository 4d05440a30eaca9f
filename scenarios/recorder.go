package scenarios

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/scenarios/invariant"
)

// SampleInterval is how often the recorder samples every NameNode's and
// ResourceManager's state and the NameNode election lock.
const SampleInterval = 250 * time.Millisecond

// noLock is the state of the nn-lock lane when no NameNode holds the lock.
const noLock = "none"

// lockTimeout bounds one read of the election lock, as harness.HAProbeTimeout
// bounds a daemon's probe: the sampler must not stall on it.
const lockTimeout = harness.HAProbeTimeout

// The recorder records the probe's states as they are (harness.ProbeHA,
// whose states are the ha package's): they must be the History's, whose
// package (scenarios/invariant) imports no project package and so has
// constants of its own. A map literal with a duplicate constant key does
// not compile, so this fails the build if one of them differs.
var _ = map[bool]struct{}{false: {}, ha.Active == invariant.StateActive &&
	ha.Standby == invariant.StateStandby && ha.Down == invariant.StateDown &&
	ha.Frozen == invariant.StateFrozen && ha.Unknown == invariant.StateUnknown: {}}

// Sampler is what the Recorder reads from a cluster: its topology, one
// daemon's HA state (harness.Cluster.ProbeHA) and a ZooKeeper connection for
// the election lock. *harness.Cluster is one; a test passes a fake.
type Sampler interface {
	Topology() topology.Topology
	ProbeHA(ctx context.Context, d topology.Daemon) (observe.HAState, error)
	ZooKeeper(ctx context.Context) (*zk.Conn, error)
	// Addons are the add-ons the cluster runs: their probed roles and
	// ZooKeeper lanes are sampled too.
	Addons() addon.Catalog
	// Applications are the YARN applications the active ResourceManager
	// knows: each one started during the recording gets a lane.
	Applications(ctx context.Context) ([]observe.App, error)
}

// RoleApplication is the role of the lanes of YARN applications: one per
// application started while the recorder runs (named by its id), its
// state YARN's with the current attempt (RUNNING#2), or its final state
// (FINISHED/SUCCEEDED).
const RoleApplication = "yarn-application"

// StatusReader is what WaitFailover reads: the cluster's HA status
// (harness.Cluster.Status). *harness.Cluster is one.
type StatusReader interface {
	Status(ctx context.Context, o harness.StatusOptions) (harness.Status, error)
}

var (
	_ Sampler      = (*harness.Cluster)(nil)
	_ StatusReader = (*harness.Cluster)(nil)
)

// Recorder samples HA state into a History until stopped: each NameNode's and
// ResourceManager's state as harness.ProbeHA classifies it, and the NameNode
// election lock.
type Recorder struct {
	c     Sampler
	h     *invariant.History
	start time.Time
	stop  context.CancelFunc
	done  chan struct{}
}

// Record starts sampling c into h every SampleInterval. Every daemon of a
// round is recorded with the same timestamp, as invariant.SingleActive
// expects.
func Record(ctx context.Context, c Sampler, h *invariant.History) *Recorder {
	ctx, cancel := context.WithCancel(ctx)
	r := &Recorder{c: c, h: h, start: time.Now(), stop: cancel, done: make(chan struct{})}
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
	probe := func(d topology.Daemon, id string) {
		wg.Go(func() {
			st, _ := r.c.ProbeHA(ctx, d) // a failed probe is a state too: down, frozen, unknown
			mu.Lock()
			samples = append(samples, sample{id, string(d.Role), st.State})
			mu.Unlock()
		})
	}
	for _, h := range topo.On(topology.NameNode) {
		probe(topology.Daemon{Host: h, Role: topology.NameNode}, topo.NameNodeID(h))
	}
	for _, h := range topo.On(topology.ResourceManager) {
		probe(topology.Daemon{Host: h, Role: topology.ResourceManager}, topo.ResourceManagerID(h))
	}
	// The add-ons' roles with an HA probe: lanes ROLE@HOST, each daemon's
	// own claim.
	mods := r.c.Addons()
	for _, m := range mods {
		for _, ar := range m.Roles {
			if ar.Probe == nil {
				continue
			}
			for _, h := range topo.On(ar.Role) {
				probe(topology.Daemon{Host: h, Role: ar.Role}, addon.LaneOf(ar.Role, h))
			}
		}
	}
	wg.Go(func() {
		lock := noLock
		lctx, cancel := context.WithTimeout(ctx, lockTimeout)
		defer cancel()
		var extra []lane
		if conn, err := r.c.ZooKeeper(lctx); err == nil {
			if info, err := observe.NameNodeLock(conn, topo.Nameservice); err == nil {
				lock = info.NameNodeID
			}
			for _, m := range mods {
				if m.Lanes != nil {
					for _, l := range m.Lanes(topo, conn) {
						extra = append(extra, lane{l.Name, l.Role, l.State})
					}
				}
			}
			conn.Close()
		} else {
			lock = invariant.StateUnknown
		}
		mu.Lock()
		samples = append(samples, sample{"nn-lock", "zk-lock", lock})
		for _, e := range extra {
			samples = append(samples, sample{e.daemon, e.role, e.state})
		}
		mu.Unlock()
	})
	wg.Go(func() {
		lanes := r.applications(ctx)
		mu.Lock()
		for _, l := range lanes {
			samples = append(samples, sample{l.daemon, l.role, l.state})
		}
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

// lane is one sampled state of a History lane.
type lane struct{ daemon, role, state string }

// applications are the lanes of the YARN applications started since the
// recording began (a second of slack for clocks): none when no
// ResourceManager answers (a failover), which holds each lane's last state.
func (r *Recorder) applications(ctx context.Context) []lane {
	actx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	apps, err := r.c.Applications(actx)
	if err != nil {
		return nil
	}
	var out []lane
	for _, a := range apps {
		if time.UnixMilli(a.Started).Before(r.start.Add(-time.Second)) {
			continue
		}
		if a.State == "RUNNING" && len(a.Attempts) == 0 {
			continue // its attempts were not read this round: no sample
		}
		out = append(out, lane{a.ID, RoleApplication, ApplicationState(a)})
	}
	return out
}

// ApplicationState is an application's lane state: YARN's state and its
// current attempt (RUNNING#2) while it runs, STATE/FINALSTATUS at the end.
func ApplicationState(a observe.App) string {
	if a.Done() {
		return a.State + "/" + a.FinalState
	}
	if n := len(a.Attempts); n > 0 {
		return fmt.Sprintf("%s#%d", a.State, a.Attempts[n-1].N)
	}
	return a.State
}

// WaitFailover waits until the active of role (topology.NameNode or
// topology.ResourceManager) has failed over away from from, by the one rule
// (ha.Failover: another member is the single active and the election lock
// names it), reading c's status every ha.PollInterval; it returns the new
// active and how long it took from since. When ctx ends first it returns the
// single active last seen ("" if none) and an error with the last state and
// what the failover still lacked.
func WaitFailover(ctx context.Context, c StatusReader, role topology.Role, from string, since time.Time) (string, time.Duration, error) {
	to, last, err := ha.WaitFailover(ctx, role, from, func(ctx context.Context) (ha.Group, error) {
		s, err := c.Status(ctx, harness.StatusOptions{})
		return s.HA(role), err
	})
	if err != nil {
		return last.Active(), time.Since(since), err
	}
	return to, time.Since(since), nil
}
