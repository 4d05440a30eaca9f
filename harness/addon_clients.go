package harness

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

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// HBaseClient runs HBase's own Java client API on a cluster host: the
// add-on image's io.haharness.HBaseWorkload (images/addons/java), a JVM
// per call, its connection found through ZooKeeper as any HBase client's.
// Apache publishes neither HBase's REST gateway nor its LoadTestTool to
// Maven Central for 2.6, and no maintained Go client speaks HBase's RPC,
// so this is the client a user of the harness has. Calls run with
// Cluster.Exec; a fault on the client's own host fails them, as it would a
// user's client there.
type HBaseClient struct {
	c    *Cluster
	host string
}

// HBase returns a client that runs on host (default: the first
// RegionServer host).
func (c *Cluster) HBase(host string) (*HBaseClient, error) {
	if !c.topo.HasHBase() {
		return nil, errors.New("hbase: this cluster does not run the HBase add-on: start it with harness.WithHBase() or `--with hbase`")
	}
	if host == "" {
		host = c.topo.On(topology.RegionServer)[0]
	}
	if !c.topo.Has(host, topology.RegionServer) && !c.topo.Has(host, topology.HMaster) {
		return nil, fmt.Errorf("hbase client on %q: run it on an HBase host: %v", host, c.topo.On(topology.RegionServer))
	}
	return &HBaseClient{c: c, host: host}, nil
}

// Host is where the client runs.
func (h *HBaseClient) Host() string { return h.host }

// Check creates table (family f) if missing, writes a cell and reads it back.
func (h *HBaseClient) Check(ctx context.Context, table string) error {
	if _, err := h.c.mustShell(ctx, h.host, "hbase io.haharness.HBaseWorkload check "+shellQuote(table)+" 2>/dev/null"); err != nil {
		return fmt.Errorf("hbase write and read back on %s: %w", h.host, err)
	}
	return nil
}

// HBaseWrite describes a run of puts: rows Prefix-00000000, -00000001...
// of Table (created if missing), one at a time, every Interval, until Count
// rows or Duration; each put bounded by Timeout (the HBase client's
// operation timeout).
type HBaseWrite struct {
	Table, Prefix string
	Count         int
	Interval      time.Duration
	Duration      time.Duration
	Timeout       time.Duration
}

// HBasePut is one put and its outcome: Acked when Table.put returned.
type HBasePut struct {
	Row, Value string
	Start, End time.Time
	Acked      bool
	Err        string
}

// HBaseWorkloadLog is the file on the client's host where Write records
// each put as it completes (config.LogDir/hbase-workload-PREFIX.log).
func HBaseWorkloadLog(prefix string) string {
	return config.LogDir + "/hbase-workload-" + prefix + ".log"
}

// Write runs w and returns every put attempted with its outcome, read
// from the client's log file (so a client killed midway still reports
// what it was told). It returns when the run ends or ctx does.
func (h *HBaseClient) Write(ctx context.Context, w HBaseWrite) ([]HBasePut, error) {
	if w.Count <= 0 || w.Table == "" || w.Prefix == "" || strings.ContainsAny(w.Prefix, " /'") {
		return nil, fmt.Errorf("hbase write: want a table, a prefix without spaces, slashes or quotes, and a count > 0; got %+v", w)
	}
	if w.Timeout <= 0 {
		w.Timeout = 20 * time.Second
	}
	if w.Duration <= 0 {
		w.Duration = time.Hour
	}
	logFile := HBaseWorkloadLog(w.Prefix)
	cmd := fmt.Sprintf("rm -f %s; timeout -k 5 %d hbase io.haharness.HBaseWorkload write %s %s %d %d %d %d %s >/dev/null 2>&1",
		logFile, int((w.Duration + w.Timeout + time.Minute).Seconds()), shellQuote(w.Table), w.Prefix, w.Count,
		w.Interval.Milliseconds(), w.Duration.Milliseconds(), w.Timeout.Milliseconds(), logFile)
	res, runErr := h.c.Shell(ctx, h.host, cmd)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), addonTimeout)
	defer cancel()
	files, err := h.c.engine.CopyFrom(rctx, h.c.Container(h.host), logFile)
	if err != nil {
		return nil, errors.Join(runErr, fmt.Errorf("hbase write log %s on %s: %w", logFile, h.host, err))
	}
	var puts []HBasePut
	done := false
	for _, b := range files {
		for _, line := range strings.Split(string(b), "\n") {
			if line == "done" {
				done = true
			}
			if p, ok := parseHBasePut(line); ok {
				puts = append(puts, p)
			}
		}
	}
	if runErr == nil && !done {
		runErr = fmt.Errorf("hbase write on %s ended before its run did (exit %d): see %s", h.host, res.ExitCode, logFile)
	}
	return puts, runErr
}

func parseHBasePut(line string) (HBasePut, bool) {
	f := strings.SplitN(line, " ", 6)
	if len(f) < 5 || (f[0] != "ack" && f[0] != "fail") {
		return HBasePut{}, false
	}
	start, err1 := strconv.ParseInt(f[3], 10, 64)
	end, err2 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil {
		return HBasePut{}, false
	}
	p := HBasePut{Row: f[1], Value: f[2], Start: time.UnixMilli(start), End: time.UnixMilli(end), Acked: f[0] == "ack"}
	if len(f) == 6 {
		p.Err = f[5]
	}
	return p, true
}

// Read returns every row of table whose key starts with prefix, with its
// value (family f, qualifier v).
func (h *HBaseClient) Read(ctx context.Context, table, prefix string) (map[string]string, error) {
	res, err := h.c.mustShell(ctx, h.host, fmt.Sprintf("hbase io.haharness.HBaseWorkload read %s %s 2>/dev/null", shellQuote(table), shellQuote(prefix)))
	if err != nil {
		return nil, fmt.Errorf("hbase read %s/%s* on %s: %w", table, prefix, h.host, err)
	}
	rows := map[string]string{}
	n := -1
	for _, line := range strings.Split(res.Stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, "row "); ok {
			k, v, _ := strings.Cut(rest, " ")
			rows[k] = v
		} else if rest, ok := strings.CutPrefix(line, "done "); ok {
			n, _ = strconv.Atoi(rest)
		}
	}
	if n != len(rows) {
		return rows, fmt.Errorf("hbase read %s/%s* on %s: the scan said %d rows, %d parsed", table, prefix, h.host, n, len(rows))
	}
	return rows, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// KafkaSeeds are the brokers' addresses as the brokers advertise them
// (hadoop001:9092...); the clients Kafka makes reach them through the
// published ports.
func (c *Cluster) KafkaSeeds() []string {
	var seeds []string
	for _, h := range c.topo.On(topology.Kafka) {
		seeds = append(seeds, net.JoinHostPort(h, strconv.Itoa(config.PortKafka)))
	}
	return seeds
}

// Kafka returns a franz-go client of the cluster's brokers, from this
// process: seeded with KafkaSeeds, every connection (to the brokers the
// metadata names by the guide's host names) through published ports
// (DialContext). opts come after the harness's, so they may override them;
// the caller closes it. Producing with acks=all and idempotence is
// franz-go's default.
func (c *Cluster) Kafka(opts ...kgo.Opt) (*kgo.Client, error) {
	if !c.topo.HasKafka() {
		return nil, errors.New("kafka: this cluster does not run the Kafka add-on: start it with harness.WithKafka() or `--with kafka`")
	}
	base := []kgo.Opt{
		kgo.SeedBrokers(c.KafkaSeeds()...),
		kgo.Dialer(func(ctx context.Context, network, host string) (net.Conn, error) {
			d, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			return c.DialContext(d, network, host)
		}),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RetryTimeout(addonTimeout),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return cl, nil
}

// CreateKafkaTopic creates topic with partitions partitions, replication
// factor config.KafkaReplication and min.insync.replicas
// config.KafkaMinISR (fewer on a smaller cluster), and waits until every
// partition has a leader. An existing topic is not an error.
func (c *Cluster) CreateKafkaTopic(ctx context.Context, topic string, partitions int) error {
	cl, err := c.Kafka()
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	n := len(c.topo.On(topology.Kafka))
	rf := int16(min(config.KafkaReplication, n))
	isr := strconv.Itoa(min(config.KafkaMinISR, n))
	resp, err := adm.CreateTopic(ctx, int32(partitions), rf, map[string]*string{"min.insync.replicas": &isr}, topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create kafka topic %s: %w", topic, err)
	}
	if resp.Err != nil && !errors.Is(resp.Err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create kafka topic %s: %w", topic, resp.Err)
	}
	return c.waitKafkaLeaders(ctx, topic, partitions)
}

// waitKafkaLeaders waits until every partition of topic has a leader in
// ZooKeeper and its ISR holds every replica.
func (c *Cluster) waitKafkaLeaders(ctx context.Context, topic string, partitions int) error {
	return poll.Until(ctx, "kafka topic "+topic+" led and in sync", 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		conn, err := c.zkConn(ctx)
		if err != nil {
			return false, err.Error(), nil
		}
		defer conn.Close()
		zs, err := observe.ReadKafkaZK(conn, config.KafkaChroot)
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
