package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/go-zookeeper/zk"

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
		servers = append(servers, c.Addr(h, config.PortZooKeeper))
	}
	conn, events, err := zk.Connect(servers, 5*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		return nil, fmt.Errorf("connect zookeeper: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				go func() {
					for range events { //nolint:revive // drain so the client never blocks
					}
				}()
				return conn, nil
			}
		case <-cctx.Done():
			conn.Close()
			return nil, fmt.Errorf("connect zookeeper %v: no session: %w", servers, cctx.Err())
		}
	}
}

// HDFSTimeout bounds every network read or write of the HDFS clients the
// harness makes, so a frozen NameNode or DataNode makes an operation fail
// instead of hanging (colinmarc/hdfs has no timeouts of its own).
const HDFSTimeout = 10 * time.Second

func deadlineDial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 3 * time.Second}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return deadlineConn{conn}, nil
}

// deadlineConn sets a fresh deadline before every Read and Write.
type deadlineConn struct{ net.Conn }

func (c deadlineConn) Read(p []byte) (int, error) {
	_ = c.SetDeadline(time.Now().Add(HDFSTimeout))
	return c.Conn.Read(p)
}

func (c deadlineConn) Write(p []byte) (int, error) {
	_ = c.SetDeadline(time.Now().Add(HDFSTimeout))
	return c.Conn.Write(p)
}

// HDFSOn returns a client that talks only to the NameNode on host h: a
// pinned client, to check what one NameNode accepts (e.g. a resumed old
// active). The caller closes it.
func (c *Cluster) HDFSOn(h string) (*hdfs.Client, error) {
	return hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{c.Addr(h, config.PortNameNodeRPC)}, User: "root",
		NamenodeDialFunc: deadlineDial, DatanodeDialFunc: deadlineDial})
}

// HDFS returns a client for hdfs://NAMESERVICE from this process, talking to
// every NameNode and to DataNodes by address, as user root (the HDFS
// superuser here). The caller closes it.
//
// colinmarc/hdfs moves to the next NameNode on a standby answer or a
// connection error, but not on a timeout; a frozen NameNode still accepts
// connections, so the client would keep timing out on it. The addresses are
// therefore ordered with the NameNode that is active at creation first: make
// a new client after an operation fails during a failover.
func (c *Cluster) HDFS(ctx context.Context) (*hdfs.Client, error) {
	nns := c.nameNodeAddrs(ctx)
	var client *hdfs.Client
	err := poll.Until(ctx, "hdfs client", 0, func(ctx context.Context) (bool, string, error) {
		var err error
		client, err = hdfs.NewClient(hdfs.ClientOptions{Addresses: nns, User: "root",
			NamenodeDialFunc: deadlineDial, DatanodeDialFunc: deadlineDial})
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

// nameNodeAddrs returns the NameNode RPC addresses, the active one first.
func (c *Cluster) nameNodeAddrs(ctx context.Context) []string {
	hosts := c.topo.On(topology.NameNode)
	sctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	// A partial status (a frozen NameNode times out) still names the active.
	st, _ := c.Status(sctx, StatusOptions{})
	if active := c.topo.NameNodeHost(st.ActiveNameNode()); active != "" {
		slices.SortStableFunc(hosts, func(a, b string) int { return boolInt(b == active) - boolInt(a == active) })
	}
	var nns []string
	for _, h := range hosts {
		nns = append(nns, c.Addr(h, config.PortNameNodeRPC))
	}
	return nns
}
