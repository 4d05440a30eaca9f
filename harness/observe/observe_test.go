package observe

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The payloads below are trimmed copies of what Hadoop 3.5 daemons answer;
// the fields observe reads are kept, with enough of the others around them
// that decoding meets the real shape (numbers, nulls, nested objects).

const (
	nnStatusQuery  = "Hadoop:service=NameNode,name=NameNodeStatus"
	fsStateQuery   = "Hadoop:service=NameNode,name=FSNamesystemState"
	jmxEmptyResult = "{\n  \"beans\" : [ ]\n}"
)

func jmxNameNodeStatus(state string) string {
	return `{
  "beans" : [ {
    "name" : "Hadoop:service=NameNode,name=NameNodeStatus",
    "modelerType" : "org.apache.hadoop.hdfs.server.namenode.NameNode",
    "NNRole" : "NameNode",
    "HostAndPort" : "hadoop001:8020",
    "SecurityEnabled" : false,
    "LastHATransitionTime" : 1763899200123,
    "BytesWithFutureGenerationStamps" : 0,
    "SlowPeersReport" : "[]",
    "SlowDisksReport" : null,
    "State" : "` + state + `"
  } ]
}`
}

func jmxFSNamesystemState(fsState string, live int) string {
	return `{
  "beans" : [ {
    "name" : "Hadoop:service=NameNode,name=FSNamesystemState",
    "modelerType" : "org.apache.hadoop.hdfs.server.namenode.FSNamesystem",
    "BlocksTotal" : 12,
    "UnderReplicatedBlocks" : 0,
    "CapacityTotal" : 188900409344,
    "CapacityUsed" : 1228800,
    "CapacityRemaining" : 120004890624,
    "TotalLoad" : 6,
    "SnapshotStats" : "{\"SnapshottableDirectories\":0,\"Snapshots\":0}",
    "NumEncryptionZones" : 0,
    "FsLockQueueLength" : 0,
    "MaxObjects" : 0,
    "FilesTotal" : 25,
    "PendingReplicationBlocks" : 0,
    "PendingReconstructionBlocks" : 0,
    "ScheduledReplicationBlocks" : 0,
    "NumLiveDataNodes" : ` + jsonNumber(live) + `,
    "NumDeadDataNodes" : 0,
    "NumDecomLiveDataNodes" : 0,
    "NumDecomDeadDataNodes" : 0,
    "VolumeFailuresTotal" : 0,
    "EstimatedCapacityLostTotal" : 0,
    "NumDecommissioningDataNodes" : 0,
    "NumStaleDataNodes" : 0,
    "NumStaleStorages" : 0,
    "TopUserOpCounts" : "{\"timestamp\":\"2025-11-23T12:00:00+0000\",\"windows\":[]}",
    "TotalSyncCount" : 4,
    "TotalSyncTimes" : "3 ",
    "FSState" : "` + fsState + `",
    "NumInMaintenanceLiveDataNodes" : 0,
    "NumInMaintenanceDeadDataNodes" : 0,
    "NumEnteringMaintenanceDataNodes" : 0
  } ]
}`
}

func jsonNumber(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

const rmClusterInfoActive = `{"clusterInfo":{"id":1763899200123,"startedOn":1763899200123,"state":"STARTED",` +
	`"haState":"ACTIVE","rmStateStoreName":"org.apache.hadoop.yarn.server.resourcemanager.recovery.ZKRMStateStore",` +
	`"resourceManagerVersion":"3.5.0","resourceManagerBuildVersion":"3.5.0 from 0123abc by root source checksum 4c1f",` +
	`"resourceManagerVersionBuiltOn":"2025-11-01T10:00Z","hadoopVersion":"3.5.0",` +
	`"hadoopBuildVersion":"3.5.0 from 0123abc by root source checksum 9b2e","hadoopVersionBuiltOn":"2025-11-01T09:58Z",` +
	`"haZooKeeperConnectionState":"CONNECTED"}}`

const rmClusterInfoStandby = `{"clusterInfo":{"id":1763899200456,"startedOn":1763899200456,"state":"STARTED",` +
	`"haState":"STANDBY","rmStateStoreName":"org.apache.hadoop.yarn.server.resourcemanager.recovery.ZKRMStateStore",` +
	`"resourceManagerVersion":"3.5.0","hadoopVersion":"3.5.0","haZooKeeperConnectionState":"CONNECTED"}}`

const rmNodes = `{"nodes":{"node":[` +
	`{"rack":"/default-rack","state":"RUNNING","id":"hadoop001:45454","nodeHostName":"hadoop001",` +
	`"nodeHTTPAddress":"hadoop001:8042","lastHealthUpdate":1763899260000,"version":"3.5.0","healthReport":"",` +
	`"numContainers":0,"usedMemoryMB":0,"availMemoryMB":8192,"usedVirtualCores":0,"availableVirtualCores":8,` +
	`"numRunningOpportContainers":0,"usedMemoryOpportGB":0,"usedVirtualCoresOpport":0,"numQueuedContainers":0,` +
	`"resourceUtilization":{"nodePhysicalMemoryMB":1530,"nodeVirtualMemoryMB":1530,"nodeCPUUsage":0.02,` +
	`"aggregatedContainersPhysicalMemoryMB":0,"aggregatedContainersVirtualMemoryMB":0,"containersCPUUsage":0},` +
	`"usedResource":{"memory":0,"vCores":0},"availableResource":{"memory":8192,"vCores":8},"nodeAttributesInfo":{}},` +
	`{"rack":"/default-rack","state":"LOST","id":"hadoop002:45454","nodeHostName":"hadoop002",` +
	`"nodeHTTPAddress":"hadoop002:8042","lastHealthUpdate":1763899200000,"version":"3.5.0","healthReport":"",` +
	`"numContainers":0,"usedMemoryMB":0,"availMemoryMB":0,"usedVirtualCores":0,"availableVirtualCores":0}]}}`

const rmApps = `{"apps":{"app":[` +
	`{"id":"application_1763899200123_0001","user":"root","name":"word count","queue":"default",` +
	`"state":"FINISHED","finalStatus":"SUCCEEDED","progress":100.0,"trackingUI":"History",` +
	`"trackingUrl":"http://hadoop001:8088/proxy/application_1763899200123_0001/","diagnostics":"",` +
	`"clusterId":1763899200123,"applicationType":"MAPREDUCE","applicationTags":"","priority":0,` +
	`"startedTime":1763899300000,"launchTime":1763899301000,"finishedTime":1763899340000,"elapsedTime":40000,` +
	`"amHostHttpAddress":"hadoop002:8042","amRPCAddress":"hadoop002:39211","masterNodeId":"hadoop002:45454",` +
	`"allocatedMB":-1,"allocatedVCores":-1,"reservedMB":-1,"reservedVCores":-1,"runningContainers":-1,` +
	`"memorySeconds":81234,"vcoreSeconds":40,"logAggregationStatus":"DISABLED","unmanagedApplication":false,` +
	`"amNodeLabelExpression":"","timeouts":{"timeout":[{"type":"LIFETIME","expiryTime":"UNLIMITED","remainingTimeInSeconds":-1}]}},` +
	`{"id":"application_1763899200123_0002","user":"root","name":"pi","queue":"default",` +
	`"state":"RUNNING","finalStatus":"UNDEFINED","progress":5.0,"trackingUI":"ApplicationMaster",` +
	`"diagnostics":"","clusterId":1763899200123,"applicationType":"MAPREDUCE","priority":0}]}}`

// serve starts a loopback HTTP server whose answers come from routes, keyed
// by path, or by path+"?qry="+qry for the JMX servlet. An unknown route is 404.
func serve(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path
		if q := r.URL.Query().Get("qry"); q != "" {
			key += "?qry=" + q
		}
		h, ok := routes[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// reply answers with status and body, as Hadoop's servlets do, in JSON.
func reply(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func okJSON(body string) func(http.ResponseWriter, *http.Request) { return reply(http.StatusOK, body) }

// closedAddr returns a loopback address nothing listens on any more.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestNameNode(t *testing.T) {
	tests := []struct {
		name    string
		routes  map[string]func(http.ResponseWriter, *http.Request)
		want    NameNodeStatus
		wantErr string
	}{
		{
			name: "active, out of safe mode, three datanodes",
			routes: map[string]func(http.ResponseWriter, *http.Request){
				"/jmx?qry=" + nnStatusQuery: okJSON(jmxNameNodeStatus("active")),
				"/jmx?qry=" + fsStateQuery:  okJSON(jmxFSNamesystemState("Operational", 3)),
			},
			want: NameNodeStatus{State: "active", LiveDataNodes: 3},
		},
		{
			name: "standby in safe mode, no datanode yet",
			routes: map[string]func(http.ResponseWriter, *http.Request){
				"/jmx?qry=" + nnStatusQuery: okJSON(jmxNameNodeStatus("standby")),
				"/jmx?qry=" + fsStateQuery:  okJSON(jmxFSNamesystemState("safeMode", 0)),
			},
			want: NameNodeStatus{State: "standby", SafeMode: true},
		},
		{
			name: "missing and mistyped fields read as zero values",
			routes: map[string]func(http.ResponseWriter, *http.Request){
				"/jmx?qry=" + nnStatusQuery: okJSON(`{"beans":[{"name":"` + nnStatusQuery + `","State":null}]}`),
				"/jmx?qry=" + fsStateQuery:  okJSON(`{"beans":[{"name":"` + fsStateQuery + `","NumLiveDataNodes":"3"}]}`),
			},
			want: NameNodeStatus{},
		},
		{
			name: "no NameNodeStatus bean",
			routes: map[string]func(http.ResponseWriter, *http.Request){
				"/jmx?qry=" + nnStatusQuery: okJSON(jmxEmptyResult),
			},
			wantErr: "jmx " + nnStatusQuery + " on ADDR: no such bean",
		},
		{
			name: "no FSNamesystemState bean",
			routes: map[string]func(http.ResponseWriter, *http.Request){
				"/jmx?qry=" + nnStatusQuery: okJSON(jmxNameNodeStatus("active")),
				"/jmx?qry=" + fsStateQuery:  okJSON(jmxEmptyResult),
			},
			want:    NameNodeStatus{State: "active"},
			wantErr: "jmx " + fsStateQuery + " on ADDR: no such bean",
		},
		{
			name: "FSNamesystemState fails",
			routes: map[string]func(http.ResponseWriter, *http.Request){
				"/jmx?qry=" + nnStatusQuery: okJSON(jmxNameNodeStatus("active")),
				"/jmx?qry=" + fsStateQuery:  reply(http.StatusInternalServerError, `{"result":"ERROR"}`),
			},
			want:    NameNodeStatus{State: "active"},
			wantErr: "GET http://ADDR/jmx?qry=" + fsStateQuery + ": HTTP 500",
		},
		{
			name: "malformed JSON",
			routes: map[string]func(http.ResponseWriter, *http.Request){
				"/jmx?qry=" + nnStatusQuery: okJSON(`{"beans" : [ {"State" : "active"`),
			},
			wantErr: "GET http://ADDR/jmx?qry=" + nnStatusQuery + ": decode: unexpected end of JSON input",
		},
		{
			name: "beans is not a list",
			routes: map[string]func(http.ResponseWriter, *http.Request){
				"/jmx?qry=" + nnStatusQuery: okJSON(`{"beans":{"State":"active"}}`),
			},
			wantErr: "decode: json: cannot unmarshal object into Go struct field jmx.beans of type []map[string]interface {}",
		},
		{
			name:    "not a NameNode (404)",
			routes:  map[string]func(http.ResponseWriter, *http.Request){},
			wantErr: "GET http://ADDR/jmx?qry=" + nnStatusQuery + ": HTTP 404",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serve(t, tt.routes)
			got, err := NameNode(context.Background(), addr)
			assert.Equal(t, tt.want, got)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), strings.ReplaceAll(tt.wantErr, "ADDR", addr))
		})
	}
}

func TestJSONDecodeErrorsWrapTheJSONError(t *testing.T) {
	addr := serve(t, map[string]func(http.ResponseWriter, *http.Request){
		"/ws/v1/cluster/info": okJSON(`{"clusterInfo":{"haState":`),
		"/ws/v1/cluster/apps": okJSON(`{"apps":{"app":[{"id":42}]}}`),
	})
	_, err := ResourceManager(context.Background(), addr)
	var syntax *json.SyntaxError
	require.ErrorAs(t, err, &syntax)
	assert.ErrorContains(t, err, "decode: unexpected end of JSON input")

	_, err = Apps(context.Background(), addr)
	var typ *json.UnmarshalTypeError
	require.ErrorAs(t, err, &typ)
	assert.Equal(t, "apps.app.id", typ.Field)
}

// TestResponseBodyIsCapped: a body over 4 MiB is cut, so it does not decode.
func TestResponseBodyIsCapped(t *testing.T) {
	huge := `{"clusterInfo":{"haState":"ACTIVE","pad":"` + strings.Repeat("x", 4<<20) + `"}}`
	small := `{"clusterInfo":{"haState":"ACTIVE","pad":"` + strings.Repeat("x", 1<<20) + `"}}`
	addr := serve(t, map[string]func(http.ResponseWriter, *http.Request){"/ws/v1/cluster/info": okJSON(huge)})
	_, err := ResourceManager(context.Background(), addr)
	assert.ErrorContains(t, err, "decode: unexpected end of JSON input")

	addr = serve(t, map[string]func(http.ResponseWriter, *http.Request){"/ws/v1/cluster/info": okJSON(small)})
	got, err := ResourceManager(context.Background(), addr)
	require.NoError(t, err)
	assert.Equal(t, "ACTIVE", got.HAState)
}

func TestResourceManager(t *testing.T) {
	tests := []struct {
		name    string
		handler func(http.ResponseWriter, *http.Request)
		want    ResourceManagerStatus
		wantErr string
	}{
		{name: "active", handler: okJSON(rmClusterInfoActive), want: ResourceManagerStatus{HAState: "ACTIVE", ZKState: "CONNECTED", State: "STARTED"}},
		{name: "standby", handler: okJSON(rmClusterInfoStandby), want: ResourceManagerStatus{HAState: "STANDBY", ZKState: "CONNECTED", State: "STARTED"}},
		{name: "no clusterInfo", handler: okJSON(`{}`), want: ResourceManagerStatus{}},
		{name: "service unavailable", handler: reply(http.StatusServiceUnavailable, "<html><body>starting</body></html>"), wantErr: "GET http://ADDR/ws/v1/cluster/info: HTTP 503"},
		{name: "html instead of JSON", handler: okJSON("<html><body>Error 500</body></html>"), wantErr: "decode: invalid character '<' looking for beginning of value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serve(t, map[string]func(http.ResponseWriter, *http.Request){"/ws/v1/cluster/info": tt.handler})
			got, err := ResourceManager(context.Background(), addr)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), strings.ReplaceAll(tt.wantErr, "ADDR", addr))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNodes(t *testing.T) {
	addr := serve(t, map[string]func(http.ResponseWriter, *http.Request){"/ws/v1/cluster/nodes": okJSON(rmNodes)})
	got, err := Nodes(context.Background(), addr)
	require.NoError(t, err)
	assert.Equal(t, []NodeReport{
		{ID: "hadoop001:45454", State: "RUNNING", Host: "hadoop001"},
		{ID: "hadoop002:45454", State: "LOST", Host: "hadoop002"},
	}, got)
}

func TestApps(t *testing.T) {
	addr := serve(t, map[string]func(http.ResponseWriter, *http.Request){"/ws/v1/cluster/apps": okJSON(rmApps)})
	got, err := Apps(context.Background(), addr)
	require.NoError(t, err)
	assert.Equal(t, []App{
		{ID: "application_1763899200123_0001", Name: "word count", Type: "MAPREDUCE", State: "FINISHED", FinalState: "SUCCEEDED",
			AMHost: "hadoop002", AMHTTPAddr: "hadoop002:8042", Containers: -1, Started: 1763899300000, Finished: 1763899340000},
		{ID: "application_1763899200123_0002", Name: "pi", Type: "MAPREDUCE", State: "RUNNING", FinalState: "UNDEFINED"},
	}, got)
	assert.True(t, got[0].Done())
	assert.False(t, got[1].Done())
}

// AppWithAttempts reads an application and its attempts, and a state
// filter goes to the ResourceManager as its states parameter.
func TestAppWithAttempts(t *testing.T) {
	var query string
	addr := serve(t, map[string]func(http.ResponseWriter, *http.Request){
		"/ws/v1/cluster/apps": func(w http.ResponseWriter, r *http.Request) {
			query = r.URL.RawQuery
			okJSON(`{"apps":null}`)(w, r)
		},
		"/ws/v1/cluster/apps/application_1_0003": okJSON(`{"app":{"id":"application_1_0003","name":"n","applicationType":"MAPREDUCE",` +
			`"state":"RUNNING","finalStatus":"UNDEFINED","amHostHttpAddress":"hadoop003:8042","runningContainers":3}}`),
		"/ws/v1/cluster/apps/application_1_0003/appattempts": okJSON(`{"appAttempts":{"appAttempt":[` +
			`{"id":1,"startTime":10,"finishedTime":20,"containerId":"container_1_0003_01_000001","nodeHttpAddress":"hadoop002:8042",` +
			`"nodeId":"hadoop002:45454","appAttemptId":"appattempt_1_0003_000001","appAttemptState":"FAILED","diagnosticsInfo":"lost"},` +
			`{"id":2,"startTime":30,"finishedTime":0,"containerId":"container_1_0003_02_000001","nodeHttpAddress":"hadoop003:8042",` +
			`"appAttemptId":"appattempt_1_0003_000002","appAttemptState":"RUNNING"}]}}`),
	})
	_, err := Apps(context.Background(), addr, "RUNNING", "ACCEPTED")
	require.NoError(t, err)
	assert.Equal(t, "states=RUNNING,ACCEPTED", query)
	a, err := AppWithAttempts(context.Background(), addr, "application_1_0003")
	require.NoError(t, err)
	assert.Equal(t, "hadoop003", a.AMHost)
	assert.Equal(t, 3, a.Containers)
	require.Len(t, a.Attempts, 2)
	assert.Equal(t, AppAttempt{N: 1, ID: "appattempt_1_0003_000001", State: "FAILED", Container: "container_1_0003_01_000001",
		NodeHTTP: "hadoop002:8042", Started: 10, Finished: 20, Diagnostics: "lost"}, a.Attempts[0])
	assert.Equal(t, "hadoop002", a.Attempts[0].Host())
	assert.Equal(t, "hadoop003", a.Attempts[1].Host())
}

// TestEmptyListsDecodeToNothing: a ResourceManager with no node or no
// application answers {"nodes":null} / {"apps":null}, or an empty list.
func TestEmptyListsDecodeToNothing(t *testing.T) {
	for _, body := range []struct{ nodes, apps string }{
		{`{"nodes":null}`, `{"apps":null}`},
		{`{"nodes":{}}`, `{"apps":{}}`},
		{`{"nodes":{"node":[]}}`, `{"apps":{"app":[]}}`},
	} {
		addr := serve(t, map[string]func(http.ResponseWriter, *http.Request){
			"/ws/v1/cluster/nodes": okJSON(body.nodes),
			"/ws/v1/cluster/apps":  okJSON(body.apps),
		})
		nodes, err := Nodes(context.Background(), addr)
		require.NoError(t, err, body.nodes)
		assert.Empty(t, nodes, body.nodes)
		apps, err := Apps(context.Background(), addr)
		require.NoError(t, err, body.apps)
		assert.Empty(t, apps, body.apps)
	}
}

// TestStandbyRedirectIsNotFollowed: a standby ResourceManager answers the
// cluster REST API with a 307 to the active; observe reports the 307 rather
// than silently reading the active's answer.
func TestStandbyRedirectIsNotFollowed(t *testing.T) {
	activeHit := make(chan struct{}, 4)
	active := serve(t, map[string]func(http.ResponseWriter, *http.Request){
		"/ws/v1/cluster/nodes": func(w http.ResponseWriter, r *http.Request) {
			activeHit <- struct{}{}
			okJSON(rmNodes)(w, r)
		},
	})
	standby := serve(t, map[string]func(http.ResponseWriter, *http.Request){
		"/ws/v1/cluster/nodes": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+active+r.URL.Path, http.StatusTemporaryRedirect)
		},
	})
	nodes, err := Nodes(context.Background(), standby)
	assert.Empty(t, nodes)
	assert.EqualError(t, err, "GET http://"+standby+"/ws/v1/cluster/nodes: HTTP 307")
	assert.Empty(t, activeHit, "the redirect to the active was followed")
}

func TestIsActive(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		want    bool
		wantErr string
	}{
		{name: "active", status: http.StatusOK, want: true},
		{name: "standby", status: http.StatusMethodNotAllowed, want: false},
		{name: "redirect is an error", status: http.StatusTemporaryRedirect, wantErr: "/isActive: HTTP 307"},
		{name: "server error", status: http.StatusInternalServerError, wantErr: "/isActive: HTTP 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.status == http.StatusMethodNotAllowed {
				body = "This is standby RM. The redirect url is: http://hadoop002:8088/isActive"
			}
			addr := serve(t, map[string]func(http.ResponseWriter, *http.Request){"/isActive": reply(tt.status, body)})
			got, err := IsActive(context.Background(), addr)
			assert.Equal(t, tt.want, got)
			if tt.wantErr == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, "GET "+addr+tt.wantErr)
			}
		})
	}
}

// TestHTTPProbesFailFast: every HTTP probe returns an error, not a zero
// status, when the address is bad, nothing listens, or the context ends.
func TestHTTPProbesFailFast(t *testing.T) {
	probes := map[string]func(ctx context.Context, addr string) error{
		"NameNode":        func(ctx context.Context, a string) error { _, err := NameNode(ctx, a); return err },
		"IsActive":        func(ctx context.Context, a string) error { _, err := IsActive(ctx, a); return err },
		"ResourceManager": func(ctx context.Context, a string) error { _, err := ResourceManager(ctx, a); return err },
		"Nodes":           func(ctx context.Context, a string) error { _, err := Nodes(ctx, a); return err },
		"Apps":            func(ctx context.Context, a string) error { _, err := Apps(ctx, a); return err },
	}
	refused := closedAddr(t)
	for name, probe := range probes {
		t.Run(name, func(t *testing.T) {
			err := probe(context.Background(), "bad host:9870")
			assert.ErrorContains(t, err, "invalid character", "unparsable address")

			err = probe(context.Background(), refused)
			assert.ErrorContains(t, err, "connection refused", "nothing listens on %s", refused)

			hanging, _ := serveHanging(t)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			err = probe(ctx, hanging)
			assert.ErrorIs(t, err, context.DeadlineExceeded, "deadline while the server hangs")

			hanging, started := serveHanging(t)
			ctx, cancel = context.WithCancel(context.Background())
			go func() {
				<-started
				cancel()
			}()
			err = probe(ctx, hanging)
			assert.ErrorIs(t, err, context.Canceled, "cancel while the server hangs")
		})
	}
}

// serveHanging starts a server that answers no request until the client
// gives up; started receives once per request that has arrived.
func serveHanging(t *testing.T) (addr string, started <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{}, 16)
	hang := func(_ http.ResponseWriter, r *http.Request) {
		select {
		case ch <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}
	addr = serve(t, map[string]func(http.ResponseWriter, *http.Request){
		"/jmx?qry=" + nnStatusQuery: hang,
		"/isActive":                 hang,
		"/ws/v1/cluster/info":       hang,
		"/ws/v1/cluster/nodes":      hang,
		"/ws/v1/cluster/apps":       hang,
	})
	return addr, ch
}

// ZooKeeper 3.8's answers to srvr, as a leader, a follower, a standalone
// server, and a server that has lost its quorum or does not allow srvr.
const (
	srvrFollower = "Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC\n" +
		"Latency min/avg/max: 0/0.4812/14\n" +
		"Received: 1187\n" +
		"Sent: 1186\n" +
		"Connections: 3\n" +
		"Outstanding: 0\n" +
		"Zxid: 0x100000046\n" +
		"Mode: follower\n" +
		"Node count: 31\n"
	srvrLeader = "Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC\n" +
		"Latency min/avg/max: 0/0.3/9\n" +
		"Received: 2250\n" +
		"Sent: 2249\n" +
		"Connections: 4\n" +
		"Outstanding: 0\n" +
		"Zxid: 0x100000046\n" +
		"Mode: leader\n" +
		"Node count: 31\n" +
		"Proposal sizes last/min/max: 92/32/1188\n"
	srvrStandalone = "Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC\r\n" +
		"Latency min/avg/max: 0/0.0/0\r\n" +
		"Received: 1\r\n" +
		"Sent: 0\r\n" +
		"Connections: 1\r\n" +
		"Outstanding: 0\r\n" +
		"Zxid: 0x0\r\n" +
		"Mode: standalone\r\n" +
		"Node count: 5\r\n"
	srvrNotServing   = "This ZooKeeper instance is not currently serving requests\n"
	srvrNotWhitelist = "srvr is not executed because it is not in the whitelist.\n"
)

// fake4lw is a loopback ZooKeeper client port that answers every connection
// with answer after reading a four-letter word, then closes it (as
// ZooKeeper's NettyServerCnxn does). The words it read arrive on words.
type fake4lw struct {
	addr  string
	words chan string
}

func serve4lw(t *testing.T, answer string) fake4lw {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := fake4lw{addr: l.Addr().String(), words: make(chan string, 8)}
	done := make(chan struct{})
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			word := make([]byte, 4)
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(c, word); err == nil {
				f.words <- string(word)
				_, _ = io.WriteString(c, answer)
			}
			c.Close()
		}
	}()
	return f
}

func TestZooKeeperMode(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		want    string
		wantErr string
	}{
		{name: "follower", answer: srvrFollower, want: "follower"},
		{name: "leader", answer: srvrLeader, want: "leader"},
		{name: "standalone, CRLF lines", answer: srvrStandalone, want: "standalone"},
		{name: "no quorum", answer: srvrNotServing, wantErr: "zookeeper ADDR: This ZooKeeper instance is not currently serving requests"},
		{name: "srvr not allowed", answer: srvrNotWhitelist, wantErr: "zookeeper ADDR: srvr is not executed because it is not in the whitelist."},
		{
			name:    "no Mode line: every line is in the error",
			answer:  "Zookeeper version: 3.8.4\nNode count: 31\n",
			wantErr: "zookeeper ADDR: Zookeeper version: 3.8.4 Node count: 31",
		},
		{name: "closed without an answer", answer: "", wantErr: "zookeeper ADDR: no answer to srvr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve4lw(t, tt.answer)
			got, err := ZooKeeperMode(context.Background(), srv.addr)
			assert.Equal(t, "srvr", <-srv.words, "four-letter word sent")
			assert.Equal(t, tt.want, got)
			if tt.wantErr == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, strings.ReplaceAll(tt.wantErr, "ADDR", srv.addr))
			}
		})
	}
}

func TestZooKeeperModeDialErrors(t *testing.T) {
	addr := closedAddr(t)
	_, err := ZooKeeperMode(context.Background(), addr)
	assert.ErrorContains(t, err, "connection refused")

	srv := serve4lw(t, srvrLeader)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ZooKeeperMode(ctx, srv.addr)
	assert.ErrorIs(t, err, context.Canceled, "an ended context dials nothing")
	assert.Empty(t, srv.words, "an ended context dials nothing")
}

// TestZooKeeperModeSilentServer: a server that accepts and never answers
// (a frozen ZooKeeper) costs the probe its 2 s read deadline, not forever.
// The scanner's timeout is not in the error: it reads as no answer.
func TestZooKeeperModeSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- c
		}
	}()
	_, err = ZooKeeperMode(context.Background(), l.Addr().String())
	assert.EqualError(t, err, "zookeeper "+l.Addr().String()+": no answer to srvr")
	(<-accepted).Close()
}
