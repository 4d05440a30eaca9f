package kerberos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"path"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

// Refusal is one thing a secured cluster must refuse, and what it said.
type Refusal struct {
	// What was tried, and the error it met ("" when it was not refused).
	What, Error string
}

// The errors Hadoop and ZooKeeper give (README: common errors).
const (
	// ErrNoTicket is what an RPC client without a ticket meets.
	ErrNoTicket = "Client cannot authenticate via:[TOKEN, KERBEROS]"
	// ErrNotAuthorized is what a principal the service ACLs refuse meets.
	ErrNotAuthorized = "is not authorized for protocol"
)

// check proves at the end of every start that the security holds, through
// Hadoop's own client and a ZooKeeper client of the test process: it
// returns an error unless every refusal of Refusals happens and alice,
// with a ticket, lists /.
func check(ctx context.Context, c addon.Cluster) error {
	rs, err := Refusals(ctx, c)
	if err != nil {
		return err
	}
	var bad []string
	for _, r := range rs {
		if r.Error == "" {
			bad = append(bad, r.What+" was not refused")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("kerberos check: the cluster is not secured: %s", strings.Join(bad, "; "))
	}
	return nil
}

// Refusals tries what a secured cluster must refuse: on a host, `hdfs dfs
// -ls /` without a ticket and with mallory's (refused by the service
// ACLs); from the test process, an unauthenticated ZooKeeper client
// reading, creating and deleting the ZKFCs' election lock and the
// ResourceManagers'. Each comes back with the error it met, "" when it was
// not refused. It fails when alice, with a ticket, cannot list / (the
// refusals would prove nothing).
func Refusals(ctx context.Context, c addon.Cluster) ([]Refusal, error) {
	t := c.Topology()
	nns := t.On(topology.NameNode)
	if len(nns) == 0 || len(t.On(KDC)) == 0 {
		return nil, errors.New("kerberos check: no NameNode or no KDC placed")
	}
	h := nns[0]
	// Three clients at once, each with a ticket cache of its own (or
	// none), root's own ticket kept out (HAHARNESS_NO_LOGIN).
	kt := path.Join(configDir, UsersKeytab)
	script := fmt.Sprintf(`cd /tmp; export HAHARNESS_NO_LOGIN=1 HADOOP_ROOT_LOGGER=WARN,console
run() { local name=$1; shift; KRB5CCNAME=FILE:/tmp/hh-check-$name "$@" >/tmp/hh-check-$name.out 2>&1; echo "$name=$?" >>/tmp/hh-check-$name.out; }
rm -f /tmp/hh-check-*
run none hdfs dfs -ls / &
(KRB5CCNAME=FILE:/tmp/hh-check-mallory kinit -k -t %[1]s %[2]s && run mallory hdfs dfs -ls /) &
(KRB5CCNAME=FILE:/tmp/hh-check-alice kinit -k -t %[1]s %[3]s && run alice hdfs dfs -ls /) &
wait
for n in none mallory alice; do echo "== $n"; grep -E "%[4]s|%[5]s|^$n=" /tmp/hh-check-$n.out | tail -n 3; done
rm -f /tmp/hh-check-*`, kt, UserMallory, UserAlice, regexpQuote(ErrNoTicket), ErrNotAuthorized)
	res, err := c.Shell(ctx, h, script)
	if err != nil {
		return nil, fmt.Errorf("kerberos check on %s: %w", h, err)
	}
	out := sections(res.Stdout)
	if !strings.Contains(out["alice"], "alice=0") {
		return nil, fmt.Errorf("kerberos check: alice, with a ticket, could not list / on %s: %s", h, strings.TrimSpace(out["alice"]+res.Stderr))
	}
	rs := []Refusal{
		{What: "hdfs dfs -ls / without a ticket", Error: matched(out["none"], ErrNoTicket)},
		{What: "hdfs dfs -ls / as mallory", Error: matched(out["mallory"], ErrNotAuthorized)},
	}
	conn, err := anonymousZooKeeper(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("kerberos check: zookeeper: %w", err)
	}
	defer conn.Close()
	for _, lock := range electionLocks(t) {
		rs = append(rs, zkRefusal("read "+lock, func() error {
			_, _, err := conn.Get(lock)
			return err
		}), zkRefusal("create "+lock, func() error {
			_, err := conn.Create(lock, []byte("haharness"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
			return err
		}), zkRefusal("delete "+lock, func() error { return conn.Delete(lock, -1) }))
	}
	return rs, nil
}

// electionLocks are the ZKFCs' and the ResourceManagers' election locks.
func electionLocks(t topology.Topology) []string {
	t = t.WithDefaults()
	return []string{
		"/hadoop-ha/" + t.Nameservice + "/ActiveStandbyElectorLock",
		"/yarn-leader-election/" + t.YARNClusterID + "/ActiveStandbyElectorLock",
	}
}

// zkRefusal runs op and says whether ZooKeeper refused it for want of
// authentication or rights; another outcome (done, no node, exists) is
// no refusal, and says what it met.
func zkRefusal(what string, op func() error) Refusal {
	r := Refusal{What: "unauthenticated ZooKeeper client: " + what}
	switch err := op(); {
	case errors.Is(err, zk.ErrNoAuth):
		r.Error = err.Error()
	case err != nil:
		r.What += fmt.Sprintf(" (met %v, not a refusal of rights)", err)
	default:
		r.What += " (done)"
	}
	return r
}

// sections splits output of "== NAME" headed sections.
func sections(out string) map[string]string {
	m := map[string]string{}
	var name string
	for _, line := range strings.Split(out, "\n") {
		if n, ok := strings.CutPrefix(line, "== "); ok {
			name = n
			continue
		}
		if name != "" {
			m[name] += line + "\n"
		}
	}
	return m
}

// matched is the line of out holding want, "" when none does.
func matched(out, want string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, want) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// regexpQuote quotes s for grep -E.
func regexpQuote(s string) string {
	r := strings.NewReplacer("[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`, ".", `\.`)
	return r.Replace(s)
}

// anonymousZooKeeper is a ZooKeeper session of the test process with no
// credentials at all (the harness's own, Cluster.ZooKeeper, reads as
// ZooKeeperReader), through the servers' published ports.
func anonymousZooKeeper(ctx context.Context, c addon.Cluster) (*zk.Conn, error) {
	var servers []string
	for _, h := range c.Topology().On(topology.ZooKeeper) {
		servers = append(servers, c.Addr(h, config.PortZooKeeper))
	}
	conn, events, err := zk.Connect(servers, 5*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		return nil, err
	}
	if err := addon.AwaitSession(ctx, conn, events, nil, 10*time.Second, servers); err != nil {
		return nil, err
	}
	return conn, nil
}
