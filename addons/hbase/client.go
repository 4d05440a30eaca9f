package hbase

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
)

// clientTimeout bounds reading the client's log after a run.
const clientTimeout = 30 * time.Second

// HBaseClient runs HBase's own Java client API on a cluster host: the
// add-on image's io.haharness.HBaseWorkload (image/HBaseWorkload.java), a JVM
// per call, its connection found through ZooKeeper as any HBase client's.
// Apache publishes neither HBase's REST gateway nor its LoadTestTool to
// Maven Central for 2.6, and no maintained Go client speaks HBase's RPC,
// so this is the client a user of the harness has. Calls run with
// Cluster.Shell; a fault on the client's own host fails them, as it would a
// user's client there.
type Client struct {
	c    addon.Cluster
	host string
}

// NewClient returns a client of c's HBase that runs on host (default: the
// first RegionServer host); c is a *harness.Cluster.
func NewClient(c addon.Cluster, host string) (*Client, error) {
	t := c.Topology()
	if len(t.On(RegionServer)) == 0 {
		return nil, errors.New("hbase: this cluster does not run the HBase add-on: start it with harness.WithAddons(\"hbase\") or `--with hbase`")
	}
	if host == "" {
		host = t.On(RegionServer)[0]
	}
	if !t.Has(host, RegionServer) && !t.Has(host, HMaster) {
		return nil, fmt.Errorf("hbase client on %q: run it on an HBase host: %v", host, t.On(RegionServer))
	}
	return &Client{c: c, host: host}, nil
}

// Host is where the client runs.
func (h *Client) Host() string { return h.host }

// Check creates table (family f) if missing, writes a cell and reads it back.
func (h *Client) Check(ctx context.Context, table string) error {
	if _, err := addon.MustShell(ctx, h.c, h.host, "hbase io.haharness.HBaseWorkload check "+addon.ShellQuote(table)+" 2>/dev/null"); err != nil {
		return fmt.Errorf("hbase write and read back on %s: %w", h.host, err)
	}
	return nil
}

// Write describes a run of puts: rows Prefix-00000000, -00000001...
// of Table (created if missing), one at a time, every Interval, until Count
// rows or Duration; each put bounded by Timeout (the HBase client's
// operation timeout).
type Write struct {
	Table, Prefix string
	Count         int
	Interval      time.Duration
	Duration      time.Duration
	Timeout       time.Duration
}

// Put is one put and its outcome: Acked when Table.put returned.
type Put struct {
	Row, Value string
	Start, End time.Time
	Acked      bool
	Err        string
}

// WorkloadLog is the file on the client's host where Write records
// each put as it completes (config.LogDir/hbase-workload-PREFIX.log).
func WorkloadLog(prefix string) string {
	return config.LogDir + "/hbase-workload-" + prefix + ".log"
}

// Write runs w and returns every put attempted with its outcome, read
// from the client's log file (so a client killed midway still reports
// what it was told). It returns when the run ends or ctx does.
func (h *Client) Write(ctx context.Context, w Write) ([]Put, error) {
	if w.Count <= 0 || w.Table == "" || w.Prefix == "" || strings.ContainsAny(w.Prefix, " /'") {
		return nil, fmt.Errorf("hbase write: want a table, a prefix without spaces, slashes or quotes, and a count > 0; got %+v", w)
	}
	if w.Timeout <= 0 {
		w.Timeout = 20 * time.Second
	}
	if w.Duration <= 0 {
		w.Duration = time.Hour
	}
	logFile := WorkloadLog(w.Prefix)
	cmd := fmt.Sprintf("rm -f %s; timeout -k 5 %d hbase io.haharness.HBaseWorkload write %s %s %d %d %d %d %s >/dev/null 2>&1",
		logFile, int((w.Duration + w.Timeout + time.Minute).Seconds()), addon.ShellQuote(w.Table), w.Prefix, w.Count,
		w.Interval.Milliseconds(), w.Duration.Milliseconds(), w.Timeout.Milliseconds(), logFile)
	res, runErr := h.c.Shell(ctx, h.host, cmd)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), clientTimeout)
	defer cancel()
	b, err := h.c.ReadFile(rctx, h.host, logFile)
	if err != nil {
		return nil, errors.Join(runErr, fmt.Errorf("hbase write log %s on %s: %w", logFile, h.host, err))
	}
	var puts []Put
	done := false
	for _, line := range strings.Split(string(b), "\n") {
		if line == "done" {
			done = true
		}
		if p, ok := parsePut(line); ok {
			puts = append(puts, p)
		}
	}
	if runErr == nil && !done {
		runErr = fmt.Errorf("hbase write on %s ended before its run did (exit %d): see %s", h.host, res.ExitCode, logFile)
	}
	return puts, runErr
}

func parsePut(line string) (Put, bool) {
	f := strings.SplitN(line, " ", 6)
	if len(f) < 5 || (f[0] != "ack" && f[0] != "fail") {
		return Put{}, false
	}
	start, err1 := strconv.ParseInt(f[3], 10, 64)
	end, err2 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil {
		return Put{}, false
	}
	p := Put{Row: f[1], Value: f[2], Start: time.UnixMilli(start), End: time.UnixMilli(end), Acked: f[0] == "ack"}
	if len(f) == 6 {
		p.Err = f[5]
	}
	return p, true
}

// Read returns every row of table whose key starts with prefix, with its
// value (family f, qualifier v).
func (h *Client) Read(ctx context.Context, table, prefix string) (map[string]string, error) {
	res, err := addon.MustShell(ctx, h.c, h.host, fmt.Sprintf("hbase io.haharness.HBaseWorkload read %s %s 2>/dev/null", addon.ShellQuote(table), addon.ShellQuote(prefix)))
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
