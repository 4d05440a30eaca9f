// Package observe reads the HA state of a running cluster from the outside,
// the way an operator would: NameNode and ResourceManager state over their
// HTTP endpoints (JMX, /ws/v1/cluster/info), the ZooKeeper election znodes
// (decoded ActiveNodeInfo / ActiveRMInfo), and each ZooKeeper server's mode
// (the srvr four-letter word). Probes take plain addresses, so the package
// needs no engine; the harness passes the published addresses of the ports.
//
// Layering: imports no project package except internal/poll and harness/ha
// (the HA states a probe reports).
package observe

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// httpClient never follows redirects: a standby ResourceManager's 307 is an answer.
var httpClient = &http.Client{
	Timeout:       3 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     authTransport{base: http.DefaultTransport},
}

// Authenticator adds credentials to a request for a daemon's web UI (a
// secured cluster's SPNEGO token).
type Authenticator func(req *http.Request) error

// authenticators maps a web UI's address as this process dials it (a
// published port, 127.0.0.1:32957) to its Authenticator.
var authenticators sync.Map

// Authenticate makes every probe of this package to addr go through fn
// first; a nil fn removes addr's. Published ports are ephemeral, so an
// address names one host's web UI while its container runs.
func Authenticate(addr string, fn Authenticator) {
	if fn == nil {
		authenticators.Delete(addr)
		return
	}
	authenticators.Store(addr, fn)
}

// authTransport runs the Authenticator of a request's address, if any.
type authTransport struct{ base http.RoundTripper }

func (t authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if fn, ok := authenticators.Load(req.URL.Host); ok {
		req = req.Clone(req.Context())
		if err := fn.(Authenticator)(req); err != nil {
			return nil, fmt.Errorf("authenticate to %s: %w", req.URL.Host, err)
		}
	}
	return t.base.RoundTrip(req)
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: decode: %w", url, err)
	}
	return nil
}

type jmx struct {
	Beans []map[string]any `json:"beans"`
}

func jmxBean(ctx context.Context, httpAddr, query string) (map[string]any, error) {
	var j jmx
	if err := getJSON(ctx, "http://"+httpAddr+"/jmx?qry="+query, &j); err != nil {
		return nil, err
	}
	if len(j.Beans) == 0 {
		return nil, fmt.Errorf("jmx %s on %s: no such bean", query, httpAddr)
	}
	return j.Beans[0], nil
}

// NameNodeStatus is what a NameNode's JMX says about it.
type NameNodeStatus struct {
	// State is active, standby, observer or initializing.
	State string `json:"state"`
	// SafeMode is true while the namespace is in safe mode.
	SafeMode bool `json:"safeMode"`
	// LiveDataNodes is the number of DataNodes this NameNode sees live.
	LiveDataNodes int `json:"liveDataNodes"`
}

// NameNode reads a NameNode's state from its JMX servlet at httpAddr (host:9870).
func NameNode(ctx context.Context, httpAddr string) (NameNodeStatus, error) {
	var s NameNodeStatus
	b, err := jmxBean(ctx, httpAddr, "Hadoop:service=NameNode,name=NameNodeStatus")
	if err != nil {
		return s, err
	}
	s.State, _ = b["State"].(string)
	b, err = jmxBean(ctx, httpAddr, "Hadoop:service=NameNode,name=FSNamesystemState")
	if err != nil {
		return s, err
	}
	s.SafeMode = b["FSState"] == "safeMode"
	if n, ok := b["NumLiveDataNodes"].(float64); ok {
		s.LiveDataNodes = int(n)
	}
	return s, nil
}

// IsActive asks the /isActive servlet of a NameNode or ResourceManager:
// 200 means active, 405 means not.
func IsActive(ctx context.Context, httpAddr string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+httpAddr+"/isActive", nil)
	if err != nil {
		return false, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusMethodNotAllowed:
		return false, nil
	}
	return false, fmt.Errorf("GET %s/isActive: HTTP %d", httpAddr, resp.StatusCode)
}

// ResourceManagerStatus is what /ws/v1/cluster/info says.
type ResourceManagerStatus struct {
	// HAState is ACTIVE, STANDBY, INITIALIZING or STOPPED.
	HAState string `json:"haState"`
	// ZKState is the elector's ZooKeeper connection state.
	ZKState string `json:"haZooKeeperConnectionState"`
	// State is the service state (STARTED...).
	State string `json:"state"`
}

// ResourceManager reads a ResourceManager's /ws/v1/cluster/info at httpAddr (host:8088).
func ResourceManager(ctx context.Context, httpAddr string) (ResourceManagerStatus, error) {
	var v struct {
		ClusterInfo ResourceManagerStatus `json:"clusterInfo"`
	}
	err := getJSON(ctx, "http://"+httpAddr+"/ws/v1/cluster/info", &v)
	return v.ClusterInfo, err
}

// NodeReport is one NodeManager as the active ResourceManager sees it.
type NodeReport struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Host  string `json:"nodeHostName"`
}

// Nodes lists the NodeManagers known to the active ResourceManager at httpAddr.
func Nodes(ctx context.Context, httpAddr string) ([]NodeReport, error) {
	var v struct {
		Nodes struct {
			Node []NodeReport `json:"node"`
		} `json:"nodes"`
	}
	err := getJSON(ctx, "http://"+httpAddr+"/ws/v1/cluster/nodes", &v)
	return v.Nodes.Node, err
}

// App is one YARN application as the active ResourceManager reports it
// (/ws/v1/cluster/apps).
type App struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"applicationType"`
	State      string `json:"state"`
	FinalState string `json:"finalStatus"`
	// Diagnostics is YARN's word on how it went ("" when all is well).
	Diagnostics string `json:"diagnostics,omitempty"`
	// AMHost is the host of the current attempt's ApplicationMaster ("" before it runs).
	AMHost     string `json:"amHost,omitempty"`
	AMHTTPAddr string `json:"amHostHttpAddress,omitempty"`
	// Containers is the number of the application's running containers.
	Containers int `json:"runningContainers"`
	// Started and Finished are milliseconds since the epoch (0: not yet).
	Started  int64 `json:"startedTime"`
	Finished int64 `json:"finishedTime"`
	// Attempts are the application's attempts, oldest first (filled by
	// AppWithAttempts; Apps leaves them empty).
	Attempts []AppAttempt `json:"attempts,omitempty"`
}

// Done reports whether the application has ended (FINISHED, FAILED or KILLED).
func (a App) Done() bool { return a.State == "FINISHED" || a.State == "FAILED" || a.State == "KILLED" }

// AppAttempt is one attempt of an application (its ApplicationMaster).
type AppAttempt struct {
	// N is the attempt's number, from 1.
	N           int    `json:"id"`
	ID          string `json:"appAttemptId"`
	State       string `json:"appAttemptState"`
	Container   string `json:"containerId"`
	NodeHTTP    string `json:"nodeHttpAddress"`
	Started     int64  `json:"startTime"`
	Finished    int64  `json:"finishedTime"`
	Diagnostics string `json:"diagnosticsInfo,omitempty"`
}

// Host is the host of the attempt's AM container.
func (a AppAttempt) Host() string { h, _, _ := strings.Cut(a.NodeHTTP, ":"); return h }

// Apps lists the applications known to the active ResourceManager at
// httpAddr; states, if given, keeps those in these states (RUNNING,
// ACCEPTED...). A standby ResourceManager answers with a redirect to the
// active, an error here.
func Apps(ctx context.Context, httpAddr string, states ...string) ([]App, error) {
	var v struct {
		Apps struct {
			App []App `json:"app"`
		} `json:"apps"`
	}
	q := ""
	if len(states) > 0 {
		q = "?states=" + strings.Join(states, ",")
	}
	err := getJSON(ctx, "http://"+httpAddr+"/ws/v1/cluster/apps"+q, &v)
	for i := range v.Apps.App {
		v.Apps.App[i].AMHost, _, _ = strings.Cut(v.Apps.App[i].AMHTTPAddr, ":")
	}
	return v.Apps.App, err
}

// AppWithAttempts reads application id and its attempts from the active
// ResourceManager at httpAddr.
func AppWithAttempts(ctx context.Context, httpAddr, id string) (App, error) {
	var v struct {
		App App `json:"app"`
	}
	if err := getJSON(ctx, "http://"+httpAddr+"/ws/v1/cluster/apps/"+id, &v); err != nil {
		return App{}, err
	}
	a := v.App
	a.AMHost, _, _ = strings.Cut(a.AMHTTPAddr, ":")
	var at struct {
		AppAttempts struct {
			AppAttempt []AppAttempt `json:"appAttempt"`
		} `json:"appAttempts"`
	}
	if err := getJSON(ctx, "http://"+httpAddr+"/ws/v1/cluster/apps/"+id+"/appattempts", &at); err != nil {
		return a, err
	}
	a.Attempts = at.AppAttempts.AppAttempt
	return a, nil
}

// ZooKeeperMode asks a ZooKeeper server (host:2181) for its mode with the
// srvr command: leader, follower, standalone; an error when it serves no
// requests (no quorum).
func ZooKeeperMode(ctx context.Context, addr string) (string, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("srvr")); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(conn)
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if mode, ok := strings.CutPrefix(line, "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	if len(lines) > 0 {
		return "", fmt.Errorf("zookeeper %s: %s", addr, strings.Join(lines, " "))
	}
	return "", fmt.Errorf("zookeeper %s: no answer to srvr", addr)
}

// ErrNoLock is returned when no election lock znode exists (no active).
var ErrNoLock = errors.New("no election lock znode")

// NameNodeLock reads and decodes /hadoop-ha/<ns>/ActiveStandbyElectorLock.
func NameNodeLock(conn *zk.Conn, nameservice string) (ActiveNodeInfo, error) {
	b, _, err := conn.Get("/hadoop-ha/" + nameservice + "/ActiveStandbyElectorLock")
	if errors.Is(err, zk.ErrNoNode) {
		return ActiveNodeInfo{}, ErrNoLock
	}
	if err != nil {
		return ActiveNodeInfo{}, fmt.Errorf("read namenode lock: %w", err)
	}
	return DecodeActiveNodeInfo(b)
}

// ResourceManagerLock reads and decodes /yarn-leader-election/<id>/ActiveStandbyElectorLock.
func ResourceManagerLock(conn *zk.Conn, clusterID string) (ActiveRMInfo, error) {
	b, _, err := conn.Get("/yarn-leader-election/" + clusterID + "/ActiveStandbyElectorLock")
	if errors.Is(err, zk.ErrNoNode) {
		return ActiveRMInfo{}, ErrNoLock
	}
	if err != nil {
		return ActiveRMInfo{}, fmt.Errorf("read resourcemanager lock: %w", err)
	}
	return DecodeActiveRMInfo(b)
}

// DumpZooKeeper returns every znode under root with its data length and, for
// the election locks, the decoded owner: the artifact a failed test saves.
func DumpZooKeeper(conn *zk.Conn, root string) (string, error) {
	var b strings.Builder
	var walk func(p string, depth int) error
	walk = func(p string, depth int) error {
		data, st, err := conn.Get(p)
		if err != nil {
			return fmt.Errorf("get %s: %w", p, err)
		}
		fmt.Fprintf(&b, "%s%s (%d bytes, ephemeralOwner=%#x)", strings.Repeat("  ", depth), p, len(data), st.EphemeralOwner)
		if strings.HasSuffix(p, "ActiveStandbyElectorLock") || strings.HasSuffix(p, "ActiveBreadCrumb") {
			if info, err := DecodeActiveNodeInfo(data); err == nil {
				fmt.Fprintf(&b, " %+v", info)
			} else if rm, err := DecodeActiveRMInfo(data); err == nil {
				fmt.Fprintf(&b, " %+v", rm)
			}
		}
		b.WriteByte('\n')
		if depth > 6 {
			return nil
		}
		kids, _, err := conn.Children(p)
		if err != nil {
			return fmt.Errorf("children %s: %w", p, err)
		}
		for _, k := range kids {
			child := strings.TrimSuffix(p, "/") + "/" + k
			if err := walk(child, depth+1); err != nil {
				fmt.Fprintf(&b, "%s%s: %v\n", strings.Repeat("  ", depth+1), child, err)
			}
		}
		return nil
	}
	err := walk(root, 0)
	return b.String(), err
}
