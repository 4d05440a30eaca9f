package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// clientTimeout bounds a client call that has no deadline of its own.
const clientTimeout = 30 * time.Second

// Seeds are the brokers' addresses as the brokers advertise them
// (hadoop001:9092...); the clients Kafka makes reach them through the
// published ports.
func Seeds(t topology.Topology) []string {
	var seeds []string
	for _, h := range t.On(Broker) {
		seeds = append(seeds, net.JoinHostPort(h, strconv.Itoa(Port)))
	}
	return seeds
}

// NewClient returns a franz-go client of c's brokers (c is a
// *harness.Cluster), from this process: seeded with Seeds, every connection (to the brokers the
// metadata names by the guide's host names) through published ports
// (DialContext). opts come after the harness's, so they may override them;
// the caller closes it. Producing with acks=all and idempotence is
// franz-go's default.
func NewClient(c addon.Cluster, opts ...kgo.Opt) (*kgo.Client, error) {
	if len(c.Topology().On(Broker)) == 0 {
		return nil, errors.New("kafka: this cluster does not run the Kafka add-on: start it with harness.WithAddons(\"kafka\") or `--with kafka`")
	}
	base := []kgo.Opt{
		kgo.SeedBrokers(Seeds(c.Topology())...),
		kgo.Dialer(func(ctx context.Context, network, host string) (net.Conn, error) {
			d, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			return c.DialContext(d, network, host)
		}),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RetryTimeout(clientTimeout),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return cl, nil
}

// CreateTopic creates topic with partitions partitions, replication
// factor Replication and min.insync.replicas MinISR (fewer on a smaller
// cluster), and waits until every partition has a leader. An existing
// topic is not an error.
func CreateTopic(ctx context.Context, c addon.Cluster, topic string, partitions int) error {
	cl, err := NewClient(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	n := len(c.Topology().On(Broker))
	rf := int16(min(Replication, n))
	isr := strconv.Itoa(min(MinISR, n))
	resp, err := adm.CreateTopic(ctx, int32(partitions), rf, map[string]*string{"min.insync.replicas": &isr}, topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create kafka topic %s: %w", topic, err)
	}
	if resp.Err != nil && !errors.Is(resp.Err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create kafka topic %s: %w", topic, resp.Err)
	}
	return waitLeaders(ctx, c, topic, partitions)
}

// waitLeaders waits until every partition of topic has a leader in
// ZooKeeper and its ISR holds every replica.
func waitLeaders(ctx context.Context, c addon.Cluster, topic string, partitions int) error {
	return poll.Until(ctx, "kafka topic "+topic+" led and in sync", 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		conn, err := c.ZooKeeper(ctx)
		if err != nil {
			return false, err.Error(), nil
		}
		defer conn.Close()
		zs, err := ReadZK(conn, Chroot)
		if err != nil {
			return false, err.Error(), nil
		}
		var state []string
		ok := true
		for p := range partitions {
			st, found := zs.Partitions[fmt.Sprintf("%s/%d", topic, p)]
			state = append(state, fmt.Sprintf("%d:leader=%d,isr=%v", p, st.Leader, st.ISR))
			ok = ok && found && st.Leader > 0 && len(st.ISR) == len(st.Replicas)
		}
		return ok, strings.Join(state, " "), nil
	})
}

// CheckTopic is the topic the start's check writes to.
const CheckTopic = "haharness-check"

// Check creates topic if missing, produces one record with acks=all from
// this process and consumes it back: the brokers serve clients through the
// published ports end to end.
func Check(ctx context.Context, c addon.Cluster, topic string) error {
	if err := CreateTopic(ctx, c, topic, 1); err != nil {
		return err
	}
	cl, err := NewClient(c, kgo.DefaultProduceTopic(topic))
	if err != nil {
		return err
	}
	defer cl.Close()
	want := fmt.Sprintf("check-%d", time.Now().UnixNano())
	pctx, cancel := context.WithTimeout(ctx, clientTimeout)
	defer cancel()
	res := cl.ProduceSync(pctx, &kgo.Record{Value: []byte(want)})
	if err := res.FirstErr(); err != nil {
		return fmt.Errorf("kafka check: produce to %s: %w", topic, err)
	}
	rec := res[0].Record
	cons, err := NewClient(c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {rec.Partition: kgo.NewOffset().At(rec.Offset)}}))
	if err != nil {
		return err
	}
	defer cons.Close()
	for pctx.Err() == nil {
		var got string
		cons.PollFetches(pctx).EachRecord(func(r *kgo.Record) {
			if r.Offset == rec.Offset {
				got = string(r.Value)
			}
		})
		if got != "" {
			if got != want {
				return fmt.Errorf("kafka check: %s/%d@%d holds %q, want %q", topic, rec.Partition, rec.Offset, got, want)
			}
			return nil
		}
	}
	return fmt.Errorf("kafka check: record %s/%d@%d not consumed back: %w", topic, rec.Partition, rec.Offset, pctx.Err())
}
