package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// ZooKeeper returns a connection to the cluster's ensemble (every server's
// address), once a session is established. The caller closes it.
func (c *Cluster) ZooKeeper(ctx context.Context) (*zk.Conn, error) {
	return c.zkConn(ctx)
}

func (c *Cluster) zkConn(ctx context.Context) (*zk.Conn, error) {
	var servers []string
	for _, h := range c.topo.On(topology.ZooKeeper) {
		servers = append(servers, net.JoinHostPort(h, strconv.Itoa(config.PortZooKeeper)))
	}
	// When every server has refused a connection in a row, no session is
	// coming soon: say so at once instead of waiting out the timeout.
	refused := make(chan struct{})
	var mu sync.Mutex
	failures := 0
	dial := func(network, addr string, timeout time.Duration) (net.Conn, error) {
		dctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		conn, err := c.DialContext(dctx, network, addr)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			failures = 0
		case failures >= 0:
			if failures++; failures == len(servers) {
				failures = -1
				close(refused)
			}
		}
		return conn, err
	}
	conn, events, err := zk.Connect(servers, 5*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)),
		zk.WithHostProvider(&namedHosts{}), zk.WithDialer(dial))
	if err != nil {
		return nil, fmt.Errorf("connect zookeeper: %w", err)
	}
	if err := addon.AwaitSession(ctx, conn, events, refused, 5*time.Second, servers); err != nil {
		return nil, err
	}
	// The add-ons' credentials (a secured cluster's reader): the client
	// sends them again on every reconnect.
	for _, m := range c.Addons() {
		if m.ZooKeeperAuth != nil {
			scheme, auth := m.ZooKeeperAuth()
			if err := conn.AddAuth(scheme, auth); err != nil {
				conn.Close()
				return nil, fmt.Errorf("zookeeper auth (%s): %w", m.Name, err)
			}
		}
	}
	return conn, nil
}

// namedHosts is a zk.HostProvider that keeps server names as they are (the
// default one resolves them with DNS, and the guide's host names exist only
// on the cluster network): the dialer maps them to published ports.
type namedHosts struct {
	servers []string
	next    int
	tried   int
}

func (p *namedHosts) Init(servers []string) error {
	if len(servers) == 0 {
		return errors.New("no zookeeper servers")
	}
	p.servers = slices.Clone(servers)
	return nil
}

func (p *namedHosts) Len() int { return len(p.servers) }

func (p *namedHosts) Next() (string, bool) {
	s := p.servers[p.next]
	p.next = (p.next + 1) % len(p.servers)
	p.tried++
	retryStart := p.tried > len(p.servers)
	if retryStart {
		p.tried = 1
	}
	return s, retryStart
}

func (p *namedHosts) Connected() { p.tried = 0 }

// HDFSTimeout bounds every network read or write of the HDFS clients the
// harness makes, so a frozen NameNode or DataNode makes an operation fail
// instead of hanging (colinmarc/hdfs has no timeouts of its own).
const HDFSTimeout = 10 * time.Second

// NameNodeQuarantine is how long the nameservice client (HDFS) skips a
// NameNode after a read or write on a connection to it timed out.
const NameNodeQuarantine = 15 * time.Second

// deadlineDial dials through the published ports (DialContext) and bounds
// every read and write.
func (c *Cluster) deadlineDial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := c.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return deadlineConn{Conn: conn}, nil
}

// nameserviceDial is deadlineDial for the NameNodes of the nameservice
// client: a NameNode whose connection timed out less than
// NameNodeQuarantine ago is refused at once, so the client moves to the
// next one. colinmarc/hdfs fails over on a refused dial and on a standby
// answer, but a frozen NameNode still accepts connections and only times
// out, and each new client would otherwise try it first again.
func (c *Cluster) nameserviceDial(ctx context.Context, network, addr string) (net.Conn, error) {
	if until, ok := c.quarantine.holds(addr, time.Now()); ok {
		return nil, fmt.Errorf("dial %s: skipped until %s: a request to it timed out (after %s)",
			addr, until.Format("15:04:05.000"), HDFSTimeout)
	}
	conn, err := c.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return deadlineConn{Conn: conn, timedOut: func() { c.quarantine.add(addr, time.Now().Add(NameNodeQuarantine)) }}, nil
}

// hdfsOptions are the options of every HDFS client the harness makes: the
// NameNodes named by the guide's host names, every connection (NameNode
// and DataNode, whose container addresses the NameNode hands out) through
// published ports, user root (the HDFS superuser here). A pinned client
// (one NameNode) dials it whatever happened before; a nameservice client
// (several) skips a NameNode in quarantine. The add-ons complete them
// (addon.Module.HDFSClient: a secured cluster's login).
func (c *Cluster) hdfsOptions(nameNodes ...string) (hdfs.ClientOptions, error) {
	var addrs []string
	for _, h := range nameNodes {
		addrs = append(addrs, net.JoinHostPort(h, strconv.Itoa(config.PortNameNodeRPC)))
	}
	nnDial := c.deadlineDial
	if len(addrs) > 1 {
		nnDial = c.nameserviceDial
	}
	o := hdfs.ClientOptions{Addresses: addrs, User: "root", NamenodeDialFunc: nnDial, DatanodeDialFunc: c.deadlineDial}
	for _, m := range c.Addons() {
		if m.HDFSClient != nil {
			if err := m.HDFSClient(c, &o); err != nil {
				return o, fmt.Errorf("hdfs client (%s): %w", m.Name, err)
			}
		}
	}
	return o, nil
}

// deadlineConn sets a fresh deadline (timeout, HDFSTimeout when zero)
// before every Read and Write, and calls timedOut (when set) each time one
// passes.
type deadlineConn struct {
	net.Conn
	timeout  time.Duration
	timedOut func()
}

func (c deadlineConn) Read(p []byte) (int, error) {
	c.arm()
	n, err := c.Conn.Read(p)
	c.check(err)
	return n, err
}

func (c deadlineConn) Write(p []byte) (int, error) {
	c.arm()
	n, err := c.Conn.Write(p)
	c.check(err)
	return n, err
}

func (c deadlineConn) arm() {
	d := c.timeout
	if d == 0 {
		d = HDFSTimeout
	}
	_ = c.SetDeadline(time.Now().Add(d))
}

func (c deadlineConn) check(err error) {
	if c.timedOut != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		c.timedOut()
	}
}

// quarantine remembers addresses to skip until a time; the zero value is
// empty and ready.
type quarantine struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (q *quarantine) add(addr string, until time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.until == nil {
		q.until = map[string]time.Time{}
	}
	if until.After(q.until[addr]) {
		q.until[addr] = until
	}
}

func (q *quarantine) clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	clear(q.until)
}

// holds reports whether addr is in quarantine at now, and until when.
func (q *quarantine) holds(addr string, now time.Time) (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	until, ok := q.until[addr]
	return until, ok && now.Before(until)
}

// HDFSOn returns a client that talks only to the NameNode on host h: a
// pinned client, to check what one NameNode accepts (e.g. a resumed old
// active). The caller closes it.
func (c *Cluster) HDFSOn(h string) (*hdfs.Client, error) {
	o, err := c.hdfsOptions(h)
	if err != nil {
		return nil, err
	}
	return hdfs.NewClient(o)
}

// HDFS returns a client for hdfs://NAMESERVICE from this process, talking to
// every NameNode and DataNode through their published ports (so it works
// where container addresses are not routable), as user root (the HDFS
// superuser here). The caller closes it.
//
// colinmarc/hdfs moves to the next NameNode on a standby answer or a
// connection error, but not on a timeout; a frozen NameNode still accepts
// connections, so the client would keep timing out on it. The addresses are
// therefore ordered with the NameNode that is active at creation first, and
// a NameNode whose connection timed out is skipped for NameNodeQuarantine
// by every nameservice client of the cluster: make a new client after an
// operation fails during a failover.
func (c *Cluster) HDFS(ctx context.Context) (*hdfs.Client, error) {
	nns := c.nameNodeAddrs(ctx)
	var client *hdfs.Client
	err := poll.Until(ctx, "hdfs client", 0, func(ctx context.Context) (bool, string, error) {
		o, err := c.hdfsOptions(nns...)
		if err != nil {
			return false, err.Error(), nil
		}
		client, err = hdfs.NewClient(o)
		if err != nil {
			return false, err.Error(), nil
		}
		return true, "", nil
	})
	return client, err
}

// WriteFile writes data to path through client (creating parent
// directories, replacing an existing file) and returns once the NameNode has
// acknowledged the file complete. A Close that reports the last block still
// replicating is retried, as colinmarc/hdfs documents.
func WriteFile(ctx context.Context, client *hdfs.Client, path string, data []byte) error {
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		if err := client.MkdirAll(path[:i], 0o755); err != nil {
			return fmt.Errorf("mkdir %s: %w", path[:i], err)
		}
	}
	_ = client.Remove(path)
	w, err := client.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return writeAndClose(ctx, w, path, data)
}

// ReadAll reads the whole file path. A file that does not exist reads as
// empty with found false and no error: what a checker wants when it reads
// back what writers may or may not have created.
func ReadAll(client *hdfs.Client, path string) (data []byte, found bool, err error) {
	f, err := client.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err = io.ReadAll(f)
	return data, true, err
}

// CreateFile creates path (which must not exist) with data, as WriteFile
// does but without removing anything first.
func CreateFile(ctx context.Context, client *hdfs.Client, path string, data []byte) error {
	w, err := client.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return writeAndClose(ctx, w, path, data)
}

// AppendFile appends data to the existing file path and returns once the
// NameNode has acknowledged the close: the append is durable.
func AppendFile(ctx context.Context, client *hdfs.Client, path string, data []byte) error {
	w, err := client.Append(path)
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	return writeAndClose(ctx, w, path, data)
}

// writeAndClose writes data and closes w, waiting while the last block is
// still being replicated; only a closed file is acknowledged.
func writeAndClose(ctx context.Context, w *hdfs.FileWriter, path string, data []byte) error {
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return poll.Until(ctx, "close "+path, 100*time.Millisecond, func(context.Context) (bool, string, error) {
		err := w.Close()
		if errors.Is(err, hdfs.ErrReplicating) {
			return false, "last block replicating", nil
		}
		if err != nil {
			return false, "", poll.Permanent(err)
		}
		return true, "", nil
	})
}

// nameNodeAddrs returns the NameNode hosts, the active one first.
func (c *Cluster) nameNodeAddrs(ctx context.Context) []string {
	hosts := c.topo.On(topology.NameNode)
	sctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	// A partial status (a frozen NameNode times out) still names the active.
	st, _ := c.Status(sctx, StatusOptions{})
	if active := c.topo.NameNodeHost(st.ActiveNameNode()); active != "" {
		slices.SortStableFunc(hosts, func(a, b string) int { return boolInt(b == active) - boolInt(a == active) })
	}
	return hosts
}
