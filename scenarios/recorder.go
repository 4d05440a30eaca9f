package scenarios

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

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

// lockTimeout bounds one read of the election lock, as harness.HAProbeTimeout
// bounds a daemon's probe: the sampler must not stall on it.
const lockTimeout = harness.HAProbeTimeout

// The recorder records the probe's states as they are (harness.ProbeHA):
// they must be the History's. A map literal with a duplicate constant key
// does not compile, so this fails the build if one of them differs.
var _ = map[bool]struct{}{false: {}, observe.StateActive == invariant.StateActive &&
	observe.StateStandby == invariant.StateStandby && observe.StateDown == invariant.StateDown &&
	observe.StateFrozen == invariant.StateFrozen && observe.StateUnknown == invariant.StateUnknown: {}}

// Sampler is what the Recorder reads from a cluster: its topology, one
// daemon's HA state (harness.Cluster.ProbeHA) and a ZooKeeper connection for
// the election lock. *harness.Cluster is one; a test passes a fake.
type Sampler interface {
	Topology() topology.Topology
	ProbeHA(ctx context.Context, d topology.Daemon) (observe.HAState, error)
	ZooKeeper(ctx context.Context) (*zk.Conn, error)
}

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
	c    Sampler
	h    *invariant.History
	stop context.CancelFunc
	done chan struct{}
}

// Record starts sampling c into h every SampleInterval. Every daemon of a
// round is recorded with the same timestamp, as invariant.SingleActive
// expects.
func Record(ctx context.Context, c Sampler, h *invariant.History) *Recorder {
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
	// The HBase add-on's masters: lanes hmaster@HOST, each one's own claim.
	for _, h := range topo.On(topology.HMaster) {
		probe(topology.Daemon{Host: h, Role: topology.HMaster}, invariant.HMasterLane(h))
	}
	wg.Go(func() {
		lock := "none"
		lctx, cancel := context.WithTimeout(ctx, lockTimeout)
		defer cancel()
		var extra []lane
		if conn, err := r.c.ZooKeeper(lctx); err == nil {
			if info, err := observe.NameNodeLock(conn, topo.Nameservice); err == nil {
				lock = info.NameNodeID
			}
			extra = addonLanes(conn, topo)
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
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	for _, s := range samples {
		r.h.Add(invariant.Event{Time: now, Kind: invariant.KindState, Daemon: s.daemon, Role: s.role, State: s.state})
	}
}

// WaitFailover waits until a single active of role other than from is seen
// (status polled every 250 ms) and returns it and how long it took from since.
// lane is one sampled state of a History lane.
type lane struct{ daemon, role, state string }

// addonLanes are the add-ons' ZooKeeper lanes: the host /hbase/master
// names (hmaster-lock) and each Kafka broker, active while /controller
// names it (kafka@HOST, role kafka-controller).
func addonLanes(conn *zk.Conn, topo topology.Topology) []lane {
	var out []lane
	if topo.HasHBase() {
		lock := "none"
		if zs, err := observe.ReadHBaseZK(conn, config.HBaseZNode); err == nil && zs.Master != "" {
			lock = invariant.HMasterLane(zs.Master)
		} else if err != nil {
			lock = invariant.StateUnknown
		}
		out = append(out, lane{"hmaster-lock", "zk-lock", lock})
	}
	if topo.HasKafka() {
		zs, err := observe.ReadKafkaZK(conn, config.KafkaChroot)
		for _, h := range topo.On(topology.Kafka) {
			st := invariant.StateStandby
			switch {
			case err != nil:
				st = invariant.StateUnknown
			case !slices.Contains(zs.Brokers, topo.KafkaBrokerID(h)):
				st = invariant.StateDown
			case zs.Controller == topo.KafkaBrokerID(h):
				st = invariant.StateActive
			}
			out = append(out, lane{invariant.KafkaLane(h), invariant.RoleKafkaController, st})
		}
	}
	return out
}

func WaitFailover(ctx context.Context, c StatusReader, role topology.Role, from string, since time.Time) (string, time.Duration, error) {
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
