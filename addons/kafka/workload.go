package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// WorkloadTopic is the topic of the scenario files' Kafka workload.
const WorkloadTopic = "haharness-workload"

// WorkloadParams is a scenario file's workload.kafka section.
type WorkloadParams struct {
	// Topic is where the records go (default WorkloadTopic).
	Topic string `json:"topic,omitempty"`
	// Partitions is the topic's partition count (default 3).
	Partitions int `json:"partitions,omitempty"`
	// IntervalMS is the pause between sends (default 50).
	IntervalMS int `json:"intervalMs,omitempty"`
	// AckedDuringFaults asks that every partition had a record
	// acknowledged inside each fault window (leadership left a cut-off
	// leader, so writes went on): check kafka-acknowledged-during-faults.
	AckedDuringFaults bool `json:"ackedDuringFaults,omitempty"`
}

const workloadSchema = `{
  "type": "object",
  "description": "A producer sending numbered records with acks=all (idempotent) from the test process; every acknowledged record must be consumed afterwards once, in order, at its offset",
  "additionalProperties": false,
  "properties": {
    "topic": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,249}$"},
    "partitions": {"type": "integer", "minimum": 1, "maximum": 64},
    "intervalMs": {"type": "integer", "minimum": 1, "maximum": 60000},
    "ackedDuringFaults": {"type": "boolean", "description": "every partition must acknowledge writes inside each fault window"}
  }
}`

func workload() *addon.Workload {
	return &addon.Workload{Schema: workloadSchema, Start: startWorkload}
}

// producer is a running Kafka workload.
type producer struct {
	c        addon.Cluster
	p        WorkloadParams
	prefix   string
	note     func(string, ...any)
	client   *kgo.Client
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	records  []Record
	failures int
}

func startWorkload(ctx context.Context, c addon.Cluster, params json.RawMessage, run addon.Run) (addon.Running, error) {
	p, err := addon.DecodeParams[WorkloadParams](Name, params)
	if err != nil {
		return nil, err
	}
	if p.Topic == "" {
		p.Topic = WorkloadTopic
	}
	if p.Partitions == 0 {
		p.Partitions = 3
	}
	if p.IntervalMS == 0 {
		p.IntervalMS = 50
	}
	if err := CreateTopic(ctx, c, p.Topic, p.Partitions); err != nil {
		return nil, err
	}
	cl, err := NewClient(c, kgo.DefaultProduceTopic(p.Topic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
		kgo.ProduceRequestTimeout(10*time.Second), kgo.RecordDeliveryTimeout(30*time.Second))
	if err != nil {
		return nil, err
	}
	w := &producer{c: c, p: p, prefix: run.Name, note: run.Note, client: cl}
	wctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	w.wg.Go(func() { w.produce(wctx) })
	return w, nil
}

// produce sends a numbered record every interval with acks=all (franz-go's
// idempotent producer, so records of one partition stay in order and a
// retried send lands once) until ctx ends, keeping each acknowledgement as
// its callback reports it (in order within a partition).
func (w *producer) produce(ctx context.Context) {
	var inflight sync.WaitGroup
	for i := 0; ctx.Err() == nil; i++ {
		v := fmt.Sprintf("%s-%08d", w.prefix, i)
		inflight.Add(1)
		w.client.Produce(ctx, &kgo.Record{Value: []byte(v)}, func(r *kgo.Record, err error) {
			defer inflight.Done()
			w.mu.Lock()
			defer w.mu.Unlock()
			if err == nil {
				w.records = append(w.records, Record{Partition: r.Partition, Offset: r.Offset, Value: v, At: time.Now()})
			} else {
				w.failures++
			}
		})
		_ = poll.Sleep(ctx, time.Duration(w.p.IntervalMS)*time.Millisecond)
	}
	// Records still buffered fail with the context; wait for their callbacks.
	inflight.Wait()
}

// Going reports whether at least three records were acknowledged.
func (w *producer) Going(context.Context) (bool, string, error) {
	w.mu.Lock()
	n := len(w.records)
	w.mu.Unlock()
	return n >= 3, fmt.Sprintf("kafka records acknowledged: %d", n), nil
}

// Stop ends the producer, consumes the topic from its start and checks
// every acknowledged record.
func (w *producer) Stop(ctx context.Context, h *invariant.History) ([]invariant.Check, error) {
	w.cancel()
	w.wg.Wait()
	w.client.Close()
	w.mu.Lock()
	acked, fails := w.records, w.failures
	w.mu.Unlock()
	w.note("kafka: %d records acknowledged (acks=all, min.insync.replicas=%d), %d sends failed", len(acked), MinISR, fails)
	consumed, err := consumeAll(ctx, w.c, w.p.Topic)
	var mine []Record
	for _, r := range consumed {
		if strings.HasPrefix(r.Value, w.prefix+"-") {
			mine = append(mine, r)
		}
	}
	r := NoLostAcknowledgedRecords(acked, mine)
	if err != nil {
		r = invariant.Result{Check: r.Check, Verdict: invariant.Fail, Details: []string{"consume: " + err.Error()}}
	}
	checks := []invariant.Check{invariant.Recorded(r)}
	if w.p.AckedDuringFaults {
		checks = append(checks, invariant.Recorded(AckedDuringFaults(acked, w.p.Partitions, invariant.FaultWindows(*h))))
	}
	return checks, nil
}

// consumeAll reads topic from its start to its end offsets at the time of
// the call, every partition.
func consumeAll(ctx context.Context, c addon.Cluster, topic string) ([]Record, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	admCl, err := NewClient(c)
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
	cl, err := NewClient(c, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []Record
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
			out = append(out, Record{Partition: r.Partition, Offset: r.Offset, Value: string(r.Value)})
			next[r.Partition] = r.Offset + 1
		})
	}
	return out, nil
}
