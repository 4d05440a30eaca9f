package observe

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ZooKeeper client protocol numbers the fake server needs (ZooDefs.OpCode,
// KeeperException.Code).
const (
	zkOpGetData      = 4
	zkOpPing         = 11
	zkOpGetChildren2 = 12
	zkOpClose        = -11

	zkErrUnimplemented = -6
	zkErrNoNode        = -101
	zkErrNoAuth        = -102
)

// fakeZnode is one znode of a fakeZK tree.
type fakeZnode struct {
	data           []byte
	ephemeralOwner int64
}

// fakeZK is a loopback ZooKeeper server speaking just enough of the client
// protocol for zk.Conn's Get and Children: the session handshake, getData,
// getChildren2, ping and closeSession. A znode's children are the znodes
// whose parent path it is; errs fails "getData PATH" or "getChildren PATH"
// with a KeeperException code.
type fakeZK struct {
	nodes map[string]fakeZnode
	errs  map[string]int32
}

// dial starts the server and returns a session on it, closed at cleanup.
func (f fakeZK) dial(t *testing.T) *zk.Conn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = f.serve(c)
			}()
		}
	}()
	conn, _, err := zk.Connect([]string{l.Addr().String()}, 6*time.Second, zk.WithLogger(quietLogger{}))
	require.NoError(t, err)
	t.Cleanup(func() {
		conn.Close()
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return conn
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// serve answers one client connection until it closes its session.
func (f fakeZK) serve(c net.Conn) error {
	if _, err := readFrame(c); err != nil { // ConnectRequest: any session will do
		return err
	}
	var w juteWriter
	w.i32(0).i32(6000).i64(0x100000a3c5e0001).buf(make([]byte, 16)) // ConnectResponse
	if err := w.send(c); err != nil {
		return err
	}
	for {
		req, err := readFrame(c)
		if err != nil {
			return err
		}
		if len(req) < 8 {
			return errors.New("short request")
		}
		xid, op := int32(binary.BigEndian.Uint32(req)), int32(binary.BigEndian.Uint32(req[4:]))
		p := juteString(req[8:])
		var w juteWriter
		switch op {
		case zkOpPing:
			w.i32(-2).i64(0x100000046).i32(0)
		case zkOpClose:
			w.i32(xid).i64(0x100000046).i32(0)
			_ = w.send(c)
			return nil
		case zkOpGetData, zkOpGetChildren2:
			what := "getData "
			if op == zkOpGetChildren2 {
				what = "getChildren "
			}
			n, ok := f.nodes[p]
			code, failed := f.errs[what+p]
			switch {
			case failed:
				w.i32(xid).i64(0x100000046).i32(code)
			case !ok:
				w.i32(xid).i64(0x100000046).i32(zkErrNoNode)
			case op == zkOpGetData:
				w.i32(xid).i64(0x100000046).i32(0).buf(n.data)
				f.stat(&w, p, n)
			default:
				kids := f.children(p)
				w.i32(xid).i64(0x100000046).i32(0).i32(int32(len(kids)))
				for _, k := range kids {
					w.buf([]byte(k))
				}
				f.stat(&w, p, n)
			}
		default:
			w.i32(xid).i64(0x100000046).i32(zkErrUnimplemented)
		}
		if err := w.send(c); err != nil {
			return err
		}
	}
}

func (f fakeZK) children(p string) []string {
	var kids []string
	for q := range f.nodes {
		if q != "/" && path.Dir(q) == p {
			kids = append(kids, path.Base(q))
		}
	}
	slices.Sort(kids)
	return kids
}

// stat writes the Stat of znode n at p.
func (f fakeZK) stat(w *juteWriter, p string, n fakeZnode) {
	w.i64(0x100000002).i64(0x100000002) // czxid, mzxid
	w.i64(1763899200123).i64(1763899200123)
	w.i32(0).i32(0).i32(0) // version, cversion, aversion
	w.i64(n.ephemeralOwner)
	w.i32(int32(len(n.data))).i32(int32(len(f.children(p))))
	w.i64(0x100000002) // pzxid
}

// readFrame reads one length-prefixed packet.
func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(n[:]))
	_, err := io.ReadFull(r, b)
	return b, err
}

// juteString decodes the jute string at the start of b ("" if there is none).
func juteString(b []byte) string {
	if len(b) < 4 {
		return ""
	}
	n := int(int32(binary.BigEndian.Uint32(b)))
	if n < 0 || n > len(b)-4 {
		return ""
	}
	return string(b[4 : 4+n])
}

// juteWriter builds a packet in ZooKeeper's jute encoding.
type juteWriter struct{ b []byte }

func (w *juteWriter) i32(v int32) *juteWriter {
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(v))
	return w
}

func (w *juteWriter) i64(v int64) *juteWriter {
	w.b = binary.BigEndian.AppendUint64(w.b, uint64(v))
	return w
}

func (w *juteWriter) buf(v []byte) *juteWriter {
	w.i32(int32(len(v)))
	w.b = append(w.b, v...)
	return w
}

func (w *juteWriter) send(c net.Conn) error {
	_, err := c.Write(binary.BigEndian.AppendUint32(nil, uint32(len(w.b))))
	if err == nil {
		_, err = c.Write(w.b)
	}
	return err
}

// rmLock is the YARN election lock data of rm1 in the guide's cluster.
var rmLock = EncodeActiveRMInfo(ActiveRMInfo{ClusterID: "yarn-cluster", RMID: "rm1"})

// haTree is the HA part of a healthy guide cluster's ZooKeeper: nn1 and rm1
// hold the locks, with their sessions as ephemeral owners.
func haTree() map[string]fakeZnode {
	return map[string]fakeZnode{
		"/":                                     {},
		"/zookeeper":                            {},
		"/zookeeper/quota":                      {},
		"/hadoop-ha":                            {},
		"/hadoop-ha/mycluster":                  {},
		"/hadoop-ha/mycluster/ActiveBreadCrumb": {data: guideLock},
		"/hadoop-ha/mycluster/ActiveStandbyElectorLock":               {data: guideLock, ephemeralOwner: 0x100000a3c5e0002},
		"/yarn-leader-election":                                       {},
		"/yarn-leader-election/yarn-cluster":                          {},
		"/yarn-leader-election/yarn-cluster/ActiveBreadCrumb":         {data: rmLock},
		"/yarn-leader-election/yarn-cluster/ActiveStandbyElectorLock": {data: rmLock, ephemeralOwner: 0x200000b1d7f0003},
	}
}

func TestElectionLocks(t *testing.T) {
	conn := fakeZK{nodes: haTree()}.dial(t)
	nn, err := NameNodeLock(conn, "mycluster")
	require.NoError(t, err)
	assert.Equal(t, guideInfo, nn)
	rm, err := ResourceManagerLock(conn, "yarn-cluster")
	require.NoError(t, err)
	assert.Equal(t, ActiveRMInfo{ClusterID: "yarn-cluster", RMID: "rm1"}, rm)

	_, err = NameNodeLock(conn, "othercluster")
	assert.ErrorIs(t, err, ErrNoLock, "no lock znode: no active NameNode")
	_, err = ResourceManagerLock(conn, "other-yarn")
	assert.ErrorIs(t, err, ErrNoLock, "no lock znode: no active ResourceManager")
}

func TestElectionLockErrors(t *testing.T) {
	tree := haTree()
	tree["/hadoop-ha/mycluster/ActiveStandbyElectorLock"] = fakeZnode{data: guideLock[:20]}
	tree["/yarn-leader-election/yarn-cluster/ActiveStandbyElectorLock"] = fakeZnode{data: []byte{0x0A, 0x7F, 'y'}}
	conn := fakeZK{
		nodes: tree,
		errs: map[string]int32{
			"getData /hadoop-ha/secured/ActiveStandbyElectorLock":            zkErrNoAuth,
			"getData /yarn-leader-election/secured/ActiveStandbyElectorLock": zkErrNoAuth,
		},
	}.dial(t)

	_, err := NameNodeLock(conn, "mycluster")
	assert.ErrorIs(t, err, ErrMalformedZnode, "truncated lock data")
	_, err = ResourceManagerLock(conn, "yarn-cluster")
	assert.ErrorIs(t, err, ErrMalformedZnode, "truncated lock data")

	_, err = NameNodeLock(conn, "secured")
	assert.ErrorIs(t, err, zk.ErrNoAuth)
	assert.NotErrorIs(t, err, ErrNoLock)
	assert.EqualError(t, err, "read namenode lock: zk: not authenticated")
	_, err = ResourceManagerLock(conn, "secured")
	assert.ErrorIs(t, err, zk.ErrNoAuth)
	assert.EqualError(t, err, "read resourcemanager lock: zk: not authenticated")

	_, err = NameNodeLock(conn, "")
	assert.ErrorIs(t, err, zk.ErrInvalidPath, "empty nameservice")
	assert.NotErrorIs(t, err, ErrNoLock)
}

func TestDumpZooKeeper(t *testing.T) {
	tree := haTree()
	tree["/hadoop-ha/broken"] = fakeZnode{}
	tree["/hadoop-ha/broken/ActiveStandbyElectorLock"] = fakeZnode{data: []byte{0xFF}}
	conn := fakeZK{nodes: tree}.dial(t)

	got, err := DumpZooKeeper(conn, "/")
	require.NoError(t, err)
	assert.Equal(t, `/ (0 bytes, ephemeralOwner=0x0)
  /hadoop-ha (0 bytes, ephemeralOwner=0x0)
    /hadoop-ha/broken (0 bytes, ephemeralOwner=0x0)
      /hadoop-ha/broken/ActiveStandbyElectorLock (1 bytes, ephemeralOwner=0x0)
    /hadoop-ha/mycluster (0 bytes, ephemeralOwner=0x0)
      /hadoop-ha/mycluster/ActiveBreadCrumb (33 bytes, ephemeralOwner=0x0) {Nameservice:mycluster NameNodeID:nn1 Hostname:hadoop001 Port:8020 ZKFCPort:8019}
      /hadoop-ha/mycluster/ActiveStandbyElectorLock (33 bytes, ephemeralOwner=0x100000a3c5e0002) {Nameservice:mycluster NameNodeID:nn1 Hostname:hadoop001 Port:8020 ZKFCPort:8019}
  /yarn-leader-election (0 bytes, ephemeralOwner=0x0)
    /yarn-leader-election/yarn-cluster (0 bytes, ephemeralOwner=0x0)
      /yarn-leader-election/yarn-cluster/ActiveBreadCrumb (19 bytes, ephemeralOwner=0x0) {ClusterID:yarn-cluster RMID:rm1}
      /yarn-leader-election/yarn-cluster/ActiveStandbyElectorLock (19 bytes, ephemeralOwner=0x200000b1d7f0003) {ClusterID:yarn-cluster RMID:rm1}
  /zookeeper (0 bytes, ephemeralOwner=0x0)
    /zookeeper/quota (0 bytes, ephemeralOwner=0x0)
`, got)

	sub, err := DumpZooKeeper(conn, "/yarn-leader-election/yarn-cluster")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(sub, "/yarn-leader-election/yarn-cluster (0 bytes"), sub)
	assert.Contains(t, sub, "\n  /yarn-leader-election/yarn-cluster/ActiveStandbyElectorLock (19 bytes", "children one level in")
}

// TestDumpZooKeeperStopsBelowDepthSix: znodes deeper than six levels under
// the root are listed down to depth seven, not further.
func TestDumpZooKeeperStopsBelowDepthSix(t *testing.T) {
	tree := map[string]fakeZnode{"/": {}}
	p := ""
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		p += "/" + name
		tree[p] = fakeZnode{}
	}
	got, err := DumpZooKeeper(fakeZK{nodes: tree}.dial(t), "/")
	require.NoError(t, err)
	assert.Contains(t, got, "\n"+strings.Repeat("  ", 7)+"/a/b/c/d/e/f/g (0 bytes")
	assert.NotContains(t, got, "/a/b/c/d/e/f/g/h")
}

func TestDumpZooKeeperErrors(t *testing.T) {
	conn := fakeZK{
		nodes: haTree(),
		errs: map[string]int32{
			"getData /hadoop-ha/mycluster/ActiveBreadCrumb": zkErrNoAuth,
			"getChildren /yarn-leader-election":             zkErrNoAuth,
			"getChildren /zookeeper":                        zkErrNoAuth,
		},
	}.dial(t)

	got, err := DumpZooKeeper(conn, "/")
	require.NoError(t, err, "errors below the root are listed, not returned")
	for _, want := range []string{
		"\n      /hadoop-ha/mycluster/ActiveBreadCrumb: get /hadoop-ha/mycluster/ActiveBreadCrumb: zk: not authenticated\n",
		"\n      /hadoop-ha/mycluster/ActiveStandbyElectorLock (33 bytes",
		"\n  /yarn-leader-election: children /yarn-leader-election: zk: not authenticated\n",
		"\n  /zookeeper: children /zookeeper: zk: not authenticated\n",
	} {
		assert.Contains(t, got, want)
	}

	got, err = DumpZooKeeper(conn, "/missing")
	assert.ErrorIs(t, err, zk.ErrNoNode)
	assert.EqualError(t, err, "get /missing: zk: node does not exist")
	assert.Empty(t, got)

	got, err = DumpZooKeeper(conn, "/zookeeper")
	assert.EqualError(t, err, "children /zookeeper: zk: not authenticated")
	assert.Equal(t, "/zookeeper (0 bytes, ephemeralOwner=0x0)\n", got, "the root's line comes before its children fail")
}
