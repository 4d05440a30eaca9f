package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
	"github.com/haharness/haharness/scenarios/spec"
)

// The add-ons' scenarios run on a cluster with HBase and Kafka
// (AddonOptions), all five on one: HBase's and Kafka's own workloads run
// beside the HDFS one, their data is checked after the heal, and the
// HMaster and Kafka controller lanes are in the timeline.

// AddonOptions are the start options of the add-on scenarios' cluster.
func AddonOptions() []harness.Option { return Scenario{Addons: addons}.StartOptions() }

// addons are the add-ons every add-on scenario runs with.
var addons = []string{spec.AddonHBase, spec.AddonKafka}

// HMasterFailoverBound is the longest an HMaster failover may take: the
// active's ZooKeeper session expiring (config.AddonTiming), then the
// backup finishing its initialisation (meta and namespace checks, 20 s).
func HMasterFailoverBound() time.Duration {
	return time.Duration(config.AddonTiming.HBaseSessionTimeoutMS)*time.Millisecond + 20*time.Second
}

// KafkaTopicPartitions is how many partitions the Kafka workload's topic has.
const KafkaTopicPartitions = 3

// AddonScenarios are the add-on scenarios, in a stable order.
func AddonScenarios() []Scenario {
	hbase := func(name, desc string, steps func(ctx context.Context, e *Env, a *addonLoad) error) Scenario {
		return addonScenario(name, desc, true, false, steps)
	}
	kafka := func(name, desc string, steps func(ctx context.Context, e *Env, a *addonLoad) error) Scenario {
		return addonScenario(name, desc, false, true, steps)
	}
	return []Scenario{
		hbase("hbase-kill-active-hmaster", "Kill the active HMaster (SIGKILL) while HBase takes puts: the backup master becomes active "+
			"within its ZooKeeper session timeout, at most one master claims active beyond that window, and every acknowledged put is read back.",
			func(ctx context.Context, e *Env, a *addonLoad) error {
				return e.killAndFailover(ctx, fault.ActiveHMaster, topology.HMaster, activeHMaster)
			}),
		hbase("hbase-namenode-failover-under-load", "Kill the active NameNode while HBase writes its WAL and HFiles to hdfs://mycluster: HDFS fails over, "+
			"the RegionServers ride it out through the HA proxy provider, and every acknowledged put is read back.",
			func(ctx context.Context, e *Env, a *addonLoad) error {
				from, err := e.Active(ctx, topology.NameNode)
				if err != nil {
					return err
				}
				in, err := e.Inject(ctx, fault.KillDaemon{Target: fault.ActiveNameNode})
				if err != nil {
					return err
				}
				if _, err := e.Failover(ctx, topology.NameNode, from, in); err != nil {
					return err
				}
				if err := poll.Sleep(ctx, 5*time.Second); err != nil { // puts go on through the new active
					return err
				}
				return e.Heal(ctx, in)
			}),
		kafka("kafka-kill-controller", "Kill the Kafka controller broker (SIGKILL) while a producer sends with acks=all: another broker becomes "+
			"controller, and every acknowledged record is consumed afterwards once, in order, at its offset.",
			func(ctx context.Context, e *Env, a *addonLoad) error {
				return e.killAndFailover(ctx, fault.KafkaController, topology.Kafka, kafkaController)
			}),
		kafka("kafka-isolate-partition-leader", "Cut the leader of partition 0 of the workload's topic off the network (iptables) while a producer sends "+
			"with acks=all: leadership moves to an in-sync replica, and no acknowledged record is lost or duplicated.",
			func(ctx context.Context, e *Env, a *addonLoad) error {
				sel := fault.PartitionLeader(a.topic, 0)
				ds, err := e.C.Resolve(ctx, sel)
				if err != nil {
					return err
				}
				in, err := e.Inject(ctx, fault.Isolate{Target: sel})
				if err != nil {
					return err
				}
				err = poll.Until(ctx, "a new leader of "+a.topic+"/0", 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
					s, err := e.C.Status(ctx, harness.StatusOptions{})
					if err != nil || s.Kafka == nil {
						return false, fmt.Sprint(err), nil
					}
					l := s.Kafka.Leaders[a.topic+"/0"]
					h := e.C.Topology().KafkaBrokerHost(l)
					return h != "" && h != ds[0].Host, fmt.Sprintf("leader broker %d (%s)", l, h), nil
				})
				if err != nil {
					return err
				}
				e.Note("partition %s/0: leadership left isolated %s in %v", a.topic, ds[0].Host, time.Since(in.Start).Round(time.Millisecond))
				if err := poll.Sleep(ctx, 5*time.Second); err != nil {
					return err
				}
				return e.Heal(ctx, in)
			}),
		addonScenario("addons-random-chaos", "A seeded schedule of faults across HDFS, YARN, HBase and Kafka (the add-ons' selectors among them) "+
			"with all three workloads running; the same seed replays the same schedule.", true, true,
			func(ctx context.Context, e *Env, a *addonLoad) error {
				return runChaos(ctx, e, AddonChaosSchedule(e.H.Seed, ChaosSteps))
			}),
	}
}

// AddonChaosSchedule is ChaosSchedule's menu plus the add-ons' faults.
func AddonChaosSchedule(seed int64, steps int) []ChaosStep {
	r := newRand(seed ^ 0x616464)
	menu := []func() fault.Fault{
		func() fault.Fault { return fault.KillDaemon{Target: fault.ActiveNameNode} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.ActiveHMaster} },
		func() fault.Fault { return fault.FreezeDaemon{Target: fault.ActiveHMaster} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.RegionServerWithMeta} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.KafkaController} },
		func() fault.Fault { return fault.Isolate{Target: fault.PartitionLeader(AddonTopic, 1)} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.ZooKeeperLeader} },
		func() fault.Fault { return fault.KillDaemon{Target: fault.ActiveResourceManager} },
	}
	out := make([]ChaosStep, steps)
	for i := range out {
		out[i] = ChaosStep{Fault: menu[r.IntN(len(menu))](), Hold: time.Duration(3000+r.IntN(7000)) * time.Millisecond}
	}
	return out
}

// runChaos injects, holds, heals and recovers from each step of sched.
func runChaos(ctx context.Context, e *Env, sched []ChaosStep) error {
	for i, s := range sched {
		e.Log.Info("chaos schedule", "step", i, "fault", s.Fault.String(), "hold", s.Hold)
	}
	var errs []error
	for i, s := range sched {
		in, err := e.Inject(ctx, s.Fault)
		if err != nil {
			errs = append(errs, fmt.Errorf("step %d: %w", i, err))
			continue
		}
		if err := poll.Sleep(ctx, s.Hold); err != nil {
			return err
		}
		if err := e.Heal(ctx, in); err != nil {
			return err
		}
		if err := e.Recover(ctx); err != nil {
			return fmt.Errorf("step %d (%s): recover: %w", i, s.Fault, err)
		}
	}
	if err := e.W.WaitAcked(ctx, 3); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// AddonTopic is the Kafka workload's topic and AddonTable the HBase
// workload's table.
const (
	AddonTopic = "haharness-workload"
	AddonTable = "haharness_workload"
)

// addonScenario wraps steps with the add-ons' workloads: HBase puts (when
// withHBase) and Kafka sends (when withKafka) from before the first fault
// until the steps end, then their data checks.
func addonScenario(name, desc string, withHBase, withKafka bool, steps func(ctx context.Context, e *Env, a *addonLoad) error) Scenario {
	a := &addonLoad{}
	return Scenario{
		Name: name, Description: desc, Addons: addons,
		StaleResourceManagerBound: time.Duration(config.Timing.ZKSessionTimeoutMS) * time.Millisecond,
		Steps: func(ctx context.Context, e *Env) error {
			*a = addonLoad{topic: AddonTopic, prefix: fmt.Sprintf("%s-%d", name, e.H.Seed)}
			if err := a.start(ctx, e, withHBase, withKafka); err != nil {
				return err
			}
			err := steps(ctx, e, a)
			return errors.Join(err, a.stop(ctx, e))
		},
		Judge: func(ctx context.Context, e *Env) invariant.Plan { return a.judge(ctx, e) },
	}
}

// addonLoad is one run's HBase and Kafka workloads.
type addonLoad struct {
	topic, prefix   string
	hbase, kafka    bool
	cancel          context.CancelFunc
	wg              sync.WaitGroup
	puts            []harness.HBasePut
	putErr          error
	mu              sync.Mutex
	records         []invariant.Record
	sendFails       int
	produceClient   *kgo.Client
	hbaseClientHost string
}

func (a *addonLoad) start(ctx context.Context, e *Env, withHBase, withKafka bool) error {
	a.hbase, a.kafka = withHBase, withKafka
	wctx, cancel := context.WithCancel(ctx)
	a.cancel = cancel
	if withKafka {
		if err := e.C.CreateKafkaTopic(ctx, a.topic, KafkaTopicPartitions); err != nil {
			return err
		}
		cl, err := e.C.Kafka(kgo.DefaultProduceTopic(a.topic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
			kgo.ProduceRequestTimeout(10*time.Second), kgo.RecordDeliveryTimeout(30*time.Second))
		if err != nil {
			return err
		}
		a.produceClient = cl
		a.wg.Go(func() { a.produce(wctx, e) })
	}
	if withHBase {
		// The client runs on the host of no NameNode and no HMaster when
		// there is one (hadoop002 has nn2... the last RegionServer host),
		// so faults on the active NameNode or HMaster spare it.
		rs := e.C.Topology().On(topology.RegionServer)
		h, err := e.C.HBase(rs[len(rs)-1])
		if err != nil {
			return err
		}
		a.hbaseClientHost = h.Host()
		a.wg.Go(func() {
			puts, err := h.Write(wctx, harness.HBaseWrite{Table: AddonTable, Prefix: a.prefix, Count: 100000,
				Interval: 250 * time.Millisecond, Duration: StepsTimeout, Timeout: 30 * time.Second})
			a.mu.Lock()
			a.puts, a.putErr = puts, err
			a.mu.Unlock()
		})
	}
	// Begin the faults once each workload has been acknowledged.
	return poll.Until(ctx, "add-on workloads acknowledged", 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		a.mu.Lock()
		n := len(a.records)
		a.mu.Unlock()
		hOK := true
		if withHBase {
			res, err := e.C.Shell(ctx, a.hbaseClientHost, "grep -c '^ack' "+harness.HBaseWorkloadLog(a.prefix)+" 2>/dev/null")
			hOK = err == nil && strings.TrimSpace(res.Stdout) != "" && strings.TrimSpace(res.Stdout) != "0"
		}
		return (!withKafka || n >= 3) && hOK, fmt.Sprintf("kafka acked %d, hbase acked: %v", n, hOK), nil
	})
}

// produce sends a numbered record every 50 ms with acks=all (franz-go's
// idempotent producer, so records of one partition stay in order and a
// retried send lands once) until ctx ends, keeping each acknowledgement as
// its callback reports it (in order within a partition).
func (a *addonLoad) produce(ctx context.Context, e *Env) {
	var inflight sync.WaitGroup
	for i := 0; ctx.Err() == nil; i++ {
		v := fmt.Sprintf("%s-%08d", a.prefix, i)
		inflight.Add(1)
		a.produceClient.Produce(ctx, &kgo.Record{Value: []byte(v)}, func(r *kgo.Record, err error) {
			defer inflight.Done()
			a.mu.Lock()
			defer a.mu.Unlock()
			if err == nil {
				a.records = append(a.records, invariant.Record{Partition: r.Partition, Offset: r.Offset, Value: v})
			} else {
				a.sendFails++
			}
		})
		_ = poll.Sleep(ctx, 50*time.Millisecond)
	}
	// Records still buffered fail with the context; wait for their callbacks.
	inflight.Wait()
}

// stop ends the workloads (a short while after the steps, so writes go on
// past the last heal).
func (a *addonLoad) stop(ctx context.Context, e *Env) error {
	if a.cancel == nil {
		return nil
	}
	_ = poll.Sleep(ctx, 3*time.Second)
	if a.hbase {
		// The HBase client ends at its own deadline; stop it now.
		_, _ = e.C.Shell(context.WithoutCancel(ctx), a.hbaseClientHost, "pkill -f 'HBaseWorkload write [^ ]+ "+a.prefix+" ' ; true")
	}
	a.cancel()
	a.wg.Wait()
	if a.produceClient != nil {
		a.produceClient.Close()
	}
	return nil
}

// judge reads back and checks what the add-on clients were told
// (recorded), and plans the HMasters' stale-active-within.
func (a *addonLoad) judge(ctx context.Context, e *Env) invariant.Plan {
	var out invariant.Plan
	if a.hbase {
		var acked []invariant.Put
		failed := 0
		for _, p := range a.puts {
			if p.Acked {
				acked = append(acked, invariant.Put{Row: p.Row, Value: p.Value, At: p.End})
			} else {
				failed++
			}
		}
		e.Note("hbase: %d puts acknowledged, %d failed (client on %s)", len(acked), failed, a.hbaseClientHost)
		h, err := e.C.HBase(a.hbaseClientHost)
		var rows map[string]string
		if err == nil {
			rows, err = h.Read(ctx, AddonTable, a.prefix+"-")
		}
		r := invariant.NoLostAcknowledgedPuts(acked, rows)
		if err != nil {
			r = invariant.Result{Check: r.Check, Verdict: invariant.Fail, Details: []string{"read back: " + err.Error()}}
		}
		out = append(out, invariant.Recorded(r), invariant.Check{Check: invariant.CheckStaleActiveWithin, Role: invariant.RoleHMaster,
			Bound: time.Duration(config.AddonTiming.HBaseSessionTimeoutMS) * time.Millisecond})
	}
	if a.kafka {
		a.mu.Lock()
		acked, fails := a.records, a.sendFails
		a.mu.Unlock()
		e.Note("kafka: %d records acknowledged (acks=all, min.insync.replicas=%d), %d sends failed", len(acked), config.KafkaMinISR, fails)
		consumed, err := consumeAll(ctx, e.C, a.topic)
		var mine []invariant.Record
		for _, r := range consumed {
			if strings.HasPrefix(r.Value, a.prefix+"-") {
				mine = append(mine, r)
			}
		}
		r := invariant.NoLostAcknowledgedRecords(acked, mine)
		if err != nil {
			r = invariant.Result{Check: r.Check, Verdict: invariant.Fail, Details: []string{"consume: " + err.Error()}}
		}
		out = append(out, invariant.Recorded(r))
	}
	return out
}

// consumeAll reads topic from its start to its end offsets at the time of
// the call, every partition.
func consumeAll(ctx context.Context, c *harness.Cluster, topic string) ([]invariant.Record, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	admCl, err := c.Kafka()
	if err != nil {
		return nil, err
	}
	ends, err := kadm.NewClient(admCl).ListEndOffsets(ctx, topic)
	admCl.Close()
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	cl, err := c.Kafka(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []invariant.Record
	next := map[int32]int64{}
	done := func() bool {
		for p, end := range want {
			if next[p] < end {
				return false
			}
		}
		return true
	}
	for !done() {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, fmt.Errorf("consume %s: %w (read up to %v of %v)", topic, ctx.Err(), next, want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, invariant.Record{Partition: r.Partition, Offset: r.Offset, Value: string(r.Value)})
			next[r.Partition] = r.Offset + 1
		})
	}
	return out, nil
}

func activeHMaster(ctx context.Context, e *Env) (string, error) {
	s, err := e.C.Status(ctx, harness.StatusOptions{})
	if err != nil {
		return "", err
	}
	if a := s.HBase.ActiveHMaster(); a != "" {
		return a, nil
	}
	return "", fmt.Errorf("no single active hmaster: %s", s)
}

func kafkaController(ctx context.Context, e *Env) (string, error) {
	s, err := e.C.Status(ctx, harness.StatusOptions{})
	if err != nil {
		return "", err
	}
	if s.Kafka == nil || s.Kafka.Controller == 0 {
		return "", fmt.Errorf("no kafka controller: %s", s)
	}
	return e.C.Topology().KafkaBrokerHost(s.Kafka.Controller), nil
}

// killAndFailover kills the daemon sel names, waits for the failover of
// role away from the host current named before, and heals.
func (e *Env) killAndFailover(ctx context.Context, sel fault.Selector, role topology.Role, current func(context.Context, *Env) (string, error)) error {
	from, err := current(ctx, e)
	if err != nil {
		return err
	}
	in, err := e.Inject(ctx, fault.KillDaemon{Target: sel})
	if err != nil {
		return err
	}
	if _, err := e.waitAddonFailover(ctx, role, from, in); err != nil {
		return err
	}
	return e.Heal(ctx, in)
}

// waitAddonFailover waits until another host than from is the active
// HMaster (role HMaster) or holds the Kafka controller (role Kafka), and
// records the failover with its duration from the injection.
func (e *Env) waitAddonFailover(ctx context.Context, role topology.Role, from string, in *harness.Injection) (string, error) {
	bound := HMasterFailoverBound()
	if role == topology.Kafka {
		bound = time.Duration(config.AddonTiming.KafkaSessionTimeoutMS)*time.Millisecond + 20*time.Second
	}
	wctx, cancel := context.WithTimeout(ctx, 3*bound)
	defer cancel()
	var to string
	err := poll.Until(wctx, fmt.Sprintf("%s failover from %s", role, from), 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		var err error
		if role == topology.HMaster {
			to, err = activeHMaster(ctx, e)
		} else {
			to, err = kafkaController(ctx, e)
		}
		if err != nil {
			return false, err.Error(), nil
		}
		return to != from, "now " + to, nil
	})
	if err != nil {
		return "", err
	}
	d := time.Since(in.Start)
	e.mu.Lock()
	e.Failovers = append(e.Failovers, Failover{Role: role, From: from, To: to, Duration: d, Fault: faultLabel(in)})
	e.mu.Unlock()
	e.Log.Info("failover", "role", role, "from", from, "to", to, "took", d.Round(time.Millisecond))
	if d > bound {
		return to, fmt.Errorf("%s failover from %s to %s took %v, over its bound %v", role, from, to, d.Round(time.Millisecond), bound)
	}
	return to, nil
}
