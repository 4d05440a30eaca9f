package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// The add-ons: Apache HBase (two HMasters, a RegionServer on every DataNode
// host, hbase.rootdir on hdfs://mycluster, coordination on the cluster's
// ZooKeeper ensemble) and Apache Kafka (a broker on every host, ZooKeeper
// mode on the same ensemble under /kafka, replication factor 3 and
// min.insync.replicas=2). Both are opt-in: the default cluster has neither,
// its image, configuration and start unchanged. They start once Hadoop is
// HA ready (a start from nothing, a warm start and Restart alike), and
// Status, Ready, Heal and the selectors cover them.

// WithHBase adds the HBase add-on (topology.WithHBase's placement unless
// the topology places HBase roles itself). The hosts run the add-on image
// (images.EnsureAddons).
func WithHBase() Option {
	return func(o *options) error { o.hbase = true; return nil }
}

// WithKafka adds the Kafka add-on (a broker on every host unless the
// topology places Kafka itself).
func WithKafka() Option {
	return func(o *options) error { o.kafka = true; return nil }
}

// withAddons returns o's topology with the add-ons asked for placed.
func (o options) withAddons() topology.Topology {
	t := o.topo
	if o.hbase {
		t = t.WithHBase()
	}
	if o.kafka {
		t = t.WithKafka()
	}
	return t
}

// HMasterState is one HMaster as its JMX and ZooKeeper see it.
type HMasterState struct {
	Host string `json:"host"`
	// State is active (its JMX claims it), backup (answers, claims nothing),
	// or down.
	State string `json:"state"`
}

// HBaseStatus is the HBase add-on's state.
type HBaseStatus struct {
	Masters []HMasterState `json:"masters"`
	// MasterLock is the host the /hbase/master znode names, "" if none.
	MasterLock string `json:"masterLock"`
	// Backups are the hosts registered as backup masters.
	Backups []string `json:"backups"`
	// RegionServers are the hosts registered under /hbase/rs.
	RegionServers []string `json:"regionServers"`
	// Meta is the host serving hbase:meta, "" if unassigned.
	Meta string `json:"meta"`
	// RegionsInTransition is the active master's count (-1 unknown).
	RegionsInTransition int `json:"regionsInTransition"`
	// Want is the number of RegionServers of the topology.
	Want int `json:"want"`
}

// ActiveHMaster returns the host of the only HMaster claiming active, or "".
func (h *HBaseStatus) ActiveHMaster() string {
	if h == nil {
		return ""
	}
	active := ""
	for _, m := range h.Masters {
		if m.State == "active" {
			if active != "" {
				return ""
			}
			active = m.Host
		}
	}
	return active
}

func (h *HBaseStatus) ready() []string {
	var bad []string
	active := h.ActiveHMaster()
	if active == "" {
		bad = append(bad, "hbase: no single active hmaster: "+h.masterStates())
	} else if h.MasterLock != active {
		bad = append(bad, fmt.Sprintf("hbase: /hbase/master names %q but the active hmaster is %s", h.MasterLock, active))
	}
	for _, m := range h.Masters {
		if m.Host != active && !slices.Contains(h.Backups, m.Host) {
			bad = append(bad, fmt.Sprintf("hbase: hmaster on %s is %s, not a registered backup", m.Host, m.State))
		}
	}
	if len(h.RegionServers) != h.Want {
		bad = append(bad, fmt.Sprintf("hbase: %d of %d regionservers registered %v", len(h.RegionServers), h.Want, h.RegionServers))
	}
	if h.Meta == "" || !slices.Contains(h.RegionServers, h.Meta) {
		bad = append(bad, fmt.Sprintf("hbase: hbase:meta not on a live regionserver (meta=%q)", h.Meta))
	}
	if h.RegionsInTransition != 0 {
		bad = append(bad, fmt.Sprintf("hbase: %d regions in transition", h.RegionsInTransition))
	}
	return bad
}

func (h *HBaseStatus) masterStates() string {
	var p []string
	for _, m := range h.Masters {
		p = append(p, m.Host+"="+m.State)
	}
	return strings.Join(p, " ")
}

// KafkaStatus is the Kafka add-on's state, from ZooKeeper.
type KafkaStatus struct {
	// Brokers are the registered broker ids.
	Brokers []int `json:"brokers"`
	// Controller is the controller's broker id, 0 if none.
	Controller int `json:"controller"`
	// Leaders maps "topic/partition" to its leader's broker id (-1 none).
	Leaders map[string]int `json:"leaders"`
	// UnderReplicated lists the partitions whose ISR lacks a replica.
	UnderReplicated []string `json:"underReplicated"`
	// Want is the number of brokers of the topology.
	Want int `json:"want"`
}

func (k *KafkaStatus) ready() []string {
	var bad []string
	if len(k.Brokers) != k.Want {
		bad = append(bad, fmt.Sprintf("kafka: %d of %d brokers registered %v", len(k.Brokers), k.Want, k.Brokers))
	}
	if k.Controller == 0 || !slices.Contains(k.Brokers, k.Controller) {
		bad = append(bad, fmt.Sprintf("kafka: no controller among the registered brokers (controller=%d)", k.Controller))
	}
	if len(k.UnderReplicated) > 0 {
		bad = append(bad, fmt.Sprintf("kafka: under-replicated partitions %v", k.UnderReplicated))
	}
	for p, l := range k.Leaders {
		if l < 0 {
			bad = append(bad, "kafka: partition "+p+" has no leader")
		}
	}
	return bad
}

// addonStatus fills s.HBase and s.Kafka for a topology that runs them.
func (c *Cluster) addonStatus(ctx context.Context, s *Status, conn *zk.Conn) {
	t := c.topo
	if t.HasHBase() {
		h := &HBaseStatus{Want: len(t.On(topology.RegionServer)), RegionsInTransition: -1}
		var wg sync.WaitGroup
		rit := make([]int, len(t.On(topology.HMaster)))
		for i, host := range t.On(topology.HMaster) {
			h.Masters = append(h.Masters, HMasterState{Host: host, State: "down"})
			rit[i] = -1
			wg.Go(func() {
				st, err := observe.HMaster(ctx, c.Addr(host, config.PortHMasterWeb))
				if err != nil {
					return
				}
				h.Masters[i].State = "backup"
				if st.Active {
					h.Masters[i].State = "active"
					rit[i] = st.RegionsInTransition
				}
			})
		}
		wg.Wait()
		for i, m := range h.Masters {
			if m.State == "active" {
				h.RegionsInTransition = rit[i]
			}
		}
		if conn != nil {
			if zs, err := observe.ReadHBaseZK(conn, config.HBaseZNode); err == nil {
				h.MasterLock, h.Backups, h.RegionServers, h.Meta = zs.Master, zs.Backups, zs.RegionServers, zs.Meta
			}
		}
		s.HBase = h
	}
	if t.HasKafka() {
		k := &KafkaStatus{Want: len(t.On(topology.Kafka)), Leaders: map[string]int{}}
		if conn != nil {
			if zs, err := observe.ReadKafkaZK(conn, config.KafkaChroot); err == nil {
				k.Brokers, k.Controller, k.UnderReplicated = zs.Brokers, zs.Controller, zs.UnderReplicated()
				for p, st := range zs.Partitions {
					k.Leaders[p] = st.Leader
				}
			}
		}
		s.Kafka = k
	}
}

// startAddons starts HBase and Kafka at once, once Hadoop is HA ready: the
// first HMaster and every RegionServer, then (once it is active) the other
// masters, and every broker; then waits until both are ready and HBase
// takes a write (hbaseCheck).
func (c *Cluster) startAddons(ctx context.Context) error {
	t := c.topo
	if !t.HasHBase() && !t.HasKafka() {
		return nil
	}
	return c.step(ctx, "start "+c.addonNames(), func(ctx context.Context) error {
		var fns []stepFn
		if t.HasHBase() {
			fns = append(fns, c.startHBase)
		}
		if t.HasKafka() {
			fns = append(fns, func(ctx context.Context) error { return c.startAll(ctx, topology.Kafka) })
		}
		if err := parallel(ctx, fns...); err != nil {
			return err
		}
		if _, err := c.WaitReady(ctx); err != nil {
			return err
		}
		if t.HasHBase() {
			return c.hbaseCheck(ctx)
		}
		return nil
	})
}

func (c *Cluster) addonNames() string {
	var n []string
	if c.topo.HasHBase() {
		n = append(n, "hbase")
	}
	if c.topo.HasKafka() {
		n = append(n, "kafka")
	}
	return strings.Join(n, " and ")
}

// startHBase starts the first HMaster and the RegionServers, waits until
// that master is active, then starts the backups, so the first master
// leads as nn1 and rm1 do.
func (c *Cluster) startHBase(ctx context.Context) error {
	masters := c.topo.On(topology.HMaster)
	fns := append(c.starts(topology.HMaster, masters[0]), c.starts(topology.RegionServer, c.topo.On(topology.RegionServer)...)...)
	if err := parallel(ctx, fns...); err != nil {
		return err
	}
	err := poll.Until(ctx, "hmaster on "+masters[0]+" active", 0, func(ctx context.Context) (bool, string, error) {
		st, err := observe.HMaster(ctx, c.Addr(masters[0], config.PortHMasterWeb))
		if aerr := c.checkAlive(ctx, topology.HMaster, masters[:1]); aerr != nil {
			return false, "", poll.Permanent(aerr)
		}
		if err != nil {
			return false, "not answering", nil
		}
		return st.Active, fmt.Sprintf("active=%v", st.Active), nil
	})
	if err != nil {
		return err
	}
	return parallel(ctx, c.starts(topology.HMaster, masters[1:]...)...)
}

// HBaseCheckTable is the table the start's check writes to.
const HBaseCheckTable = "haharness_check"

// hbaseCheck creates HBaseCheckTable if missing, writes a cell and reads
// it back through HBase's Java client on the first RegionServer host.
func (c *Cluster) hbaseCheck(ctx context.Context) error {
	h, err := c.HBase("")
	if err != nil {
		return err
	}
	return h.Check(ctx, HBaseCheckTable)
}

// addonTimeout bounds an operation of an add-on client that has no
// deadline of its own.
const addonTimeout = 30 * time.Second
