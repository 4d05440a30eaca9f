package scenarios

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/internal/poll"
	"github.com/haharness/haharness/scenarios/invariant"
)

// zkClients are ZooKeeper clients of this process (through published
// ports) that each create numbered znodes under a directory of the run's
// own, recording which creates ZooKeeper acknowledged; Verify checks that
// every acknowledged znode is there with its data after the run.
type zkClients struct {
	c     *harness.Cluster
	dir   string
	stop  context.CancelFunc
	wg    sync.WaitGroup
	mu    sync.Mutex
	acked map[string]string
	tried int
	fails int
	last  string
}

// ZooKeeperRoot is where the ZooKeeper clients of scenario files write.
const ZooKeeperRoot = "/haharness-scenarios"

func startZKClients(ctx context.Context, c *harness.Cluster, run string, n int, interval time.Duration) (*zkClients, error) {
	conn, err := c.ZooKeeper(ctx)
	if err != nil {
		return nil, fmt.Errorf("zookeeper clients: %w", err)
	}
	dir := path.Join(ZooKeeperRoot, run)
	for _, p := range []string{ZooKeeperRoot, dir} {
		if _, err := conn.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			conn.Close()
			return nil, fmt.Errorf("zookeeper clients: create %s: %w", p, err)
		}
	}
	conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	z := &zkClients{c: c, dir: dir, stop: cancel, acked: map[string]string{}}
	for i := range n {
		z.wg.Go(func() { z.loop(ctx, i, interval) })
	}
	return z, nil
}

func (z *zkClients) loop(ctx context.Context, client int, interval time.Duration) {
	var conn *zk.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for i := 0; ctx.Err() == nil; i++ {
		if conn == nil {
			c, err := z.c.ZooKeeper(ctx)
			if err != nil {
				z.record("", "", err)
				if poll.Sleep(ctx, interval) != nil {
					return
				}
				continue
			}
			conn = c
		}
		p := fmt.Sprintf("%s/c%d-%06d", z.dir, client, i)
		data := fmt.Sprintf("client=%d n=%d time=%s", client, i, time.Now().UTC().Format(time.RFC3339Nano))
		_, err := conn.Create(p, []byte(data), 0, zk.WorldACL(zk.PermAll))
		if ctx.Err() != nil && err != nil {
			return // stopped mid-create: its outcome is unknown, and not judged
		}
		z.record(p, data, err)
		if poll.Sleep(ctx, interval) != nil {
			return
		}
	}
}

func (z *zkClients) record(p, data string, err error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.tried++
	if err != nil {
		z.fails++
		z.last = err.Error()
		return
	}
	z.acked[p] = data
}

// Stop ends the clients and waits for them.
func (z *zkClients) Stop() {
	z.stop()
	z.wg.Wait()
}

// Verify is the zookeeper-acknowledged-creates check: every create
// ZooKeeper acknowledged is there, with its data.
func (z *zkClients) Verify(ctx context.Context) invariant.Result {
	r := invariant.Result{Check: "zookeeper-acknowledged-creates"}
	z.mu.Lock()
	acked := make(map[string]string, len(z.acked))
	for k, v := range z.acked {
		acked[k] = v
	}
	tried, fails, last := z.tried, z.fails, z.last
	z.mu.Unlock()
	if len(acked) == 0 {
		r.Verdict = invariant.Inconclusive
		r.Details = []string{fmt.Sprintf("no create was acknowledged (%d tried, last error %s)", tried, last)}
		return r
	}
	conn, err := z.c.ZooKeeper(ctx)
	if err != nil {
		r.Verdict, r.Details = invariant.Inconclusive, []string{"connect to read back: " + err.Error()}
		return r
	}
	defer conn.Close()
	var bad []string
	for p, want := range acked {
		got, _, err := conn.Get(p)
		switch {
		case errors.Is(err, zk.ErrNoNode):
			bad = append(bad, p+": missing")
		case err != nil:
			r.Verdict, r.Details = invariant.Inconclusive, []string{"read back " + p + ": " + err.Error()}
			return r
		case string(got) != want:
			bad = append(bad, fmt.Sprintf("%s: data %q, want %q", p, got, want))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		r.Verdict = invariant.Fail
		r.Details = append([]string{fmt.Sprintf("%d of %d acknowledged creates lost or changed", len(bad), len(acked))}, first(bad, 10)...)
		return r
	}
	r.Verdict = invariant.Pass
	r.Details = []string{fmt.Sprintf("%d acknowledged creates read back (%d of %d failed during the run)", len(acked), fails, tried)}
	return r
}
