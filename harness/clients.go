package harness

import (
	"context"
	"fmt"
	"io"
	"log"
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

// HDFS returns a client for hdfs://NAMESERVICE from this process, talking to
// every NameNode (it follows the active) and to DataNodes by address, as user
// root (the HDFS superuser here). The caller closes it.
func (c *Cluster) HDFS(ctx context.Context) (*hdfs.Client, error) {
	var nns []string
	for _, h := range c.topo.On(topology.NameNode) {
		nns = append(nns, c.Addr(h, config.PortNameNodeRPC))
	}
	var client *hdfs.Client
	err := poll.Until(ctx, "hdfs client", 0, func(ctx context.Context) (bool, string, error) {
		var err error
		client, err = hdfs.NewClient(hdfs.ClientOptions{Addresses: nns, User: "root"})
		if err != nil {
			return false, err.Error(), nil
		}
		return true, "", nil
	})
	return client, err
}
