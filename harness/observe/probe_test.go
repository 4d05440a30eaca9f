package observe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// probeServe answers GETs of each path (with its query) from bodies, 404 otherwise,
// on a loopback port, and returns its host:port.
func probeServe(t *testing.T, bodies map[string]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// probeJMX is what a NameNode's /jmx says for the two beans the probe reads.
func probeJMX(state, fsState string, live int) map[string]string {
	return map[string]string{
		"/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus": `{"beans":[{"name":"Hadoop:service=NameNode,name=NameNodeStatus","State":"` + state + `","NNRole":"NameNode"}]}`,
		"/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState": `{"beans":[{"name":"Hadoop:service=NameNode,name=FSNamesystemState","FSState":"` + fsState +
			`","NumLiveDataNodes":` + strconv.Itoa(live) + `,"NumDeadDataNodes":0}]}`,
	}
}

// probeRMInfo is what a ResourceManager's /ws/v1/cluster/info says.
func probeRMInfo(haState string) map[string]string {
	return map[string]string{
		"/ws/v1/cluster/info": `{"clusterInfo":{"id":1700000000000,"state":"STARTED","haState":"` + haState +
			`","haZooKeeperConnectionState":"CONNECTED","resourceManagerVersion":"3.4.1"}}`,
	}
}

func probeCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestProbeNameNodeReadsStateSafeModeAndLiveDataNodesFromJMX(t *testing.T) {
	for _, tc := range []struct {
		state, fsState string
		live           int
		want           HAState
	}{
		{"active", "Operational", 3, HAState{State: StateActive, Raw: "active", LiveDataNodes: 3}},
		{"standby", "safeMode", 1, HAState{State: StateStandby, Raw: "standby", SafeMode: true, LiveDataNodes: 1}},
		{"observer", "Operational", 0, HAState{State: "observer", Raw: "observer"}},
	} {
		t.Run(tc.state, func(t *testing.T) {
			st, err := ProbeNameNode(probeCtx(t), probeServe(t, probeJMX(tc.state, tc.fsState, tc.live)))
			require.NoError(t, err)
			assert.Equal(t, tc.want, st)
		})
	}
}

func TestProbeResourceManagerNormalisesHAState(t *testing.T) {
	for _, tc := range []struct{ haState, want string }{
		{"ACTIVE", StateActive},
		{"STANDBY", StateStandby},
		{"INITIALIZING", "initializing"},
	} {
		t.Run(tc.haState, func(t *testing.T) {
			st, err := ProbeResourceManager(probeCtx(t), probeServe(t, probeRMInfo(tc.haState)))
			require.NoError(t, err)
			assert.Equal(t, HAState{State: tc.want, Raw: tc.haState}, st)
		})
	}
}

func TestProbeResourceManagerWithoutHAStateIsUnknown(t *testing.T) {
	st, err := ProbeResourceManager(probeCtx(t), probeServe(t, probeRMInfo("")))
	require.Error(t, err)
	assert.Equal(t, HAState{State: StateUnknown}, st)
}

func TestProbeOfAnHTTPErrorIsUnknown(t *testing.T) {
	addr := probeServe(t, nil) // every path 404
	st, err := ProbeNameNode(probeCtx(t), addr)
	require.ErrorContains(t, err, "HTTP 404")
	assert.Equal(t, HAState{State: StateUnknown}, st)
	st, err = ProbeResourceManager(probeCtx(t), addr)
	require.ErrorContains(t, err, "HTTP 404")
	assert.Equal(t, HAState{State: StateUnknown}, st)
}

func TestProbeOfARefusedConnectionIsDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now: connection refused
	for name, probe := range map[string]func(context.Context, string) (HAState, error){
		"namenode": ProbeNameNode, "resourcemanager": ProbeResourceManager,
	} {
		t.Run(name, func(t *testing.T) {
			st, err := probe(probeCtx(t), addr)
			require.Error(t, err)
			assert.Equal(t, HAState{State: StateDown}, st)
		})
	}
}

func TestProbeOfADaemonThatDoesNotAnswerIsUnknown(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // a frozen JVM: the connection is accepted, no answer comes
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: no handler outlives the test
	addr := strings.TrimPrefix(srv.URL, "http://")
	for name, probe := range map[string]func(context.Context, string) (HAState, error){
		"namenode": ProbeNameNode, "resourcemanager": ProbeResourceManager,
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			st, err := probe(ctx, addr)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, HAState{State: StateUnknown}, st)
		})
	}
}
