package flink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
)

// JobOverview is one Flink job as GET /jobs/overview tells it (the
// JobManager's REST API, or the HistoryServer's archive).
type JobOverview struct {
	ID    string `json:"jid"`
	Name  string `json:"name"`
	State string `json:"state"`
	// Start and End are milliseconds since the epoch (End -1 while it runs).
	Start int64 `json:"start-time"`
	End   int64 `json:"end-time"`
	Tasks struct {
		Running int `json:"running"`
		Total   int `json:"total"`
	} `json:"tasks"`
}

// AllRunning reports whether the job runs with every task running (a job
// RUNNING right after a restart may still be deploying its tasks).
func (j JobOverview) AllRunning() bool {
	return j.State == "RUNNING" && j.Tasks.Total > 0 && j.Tasks.Running == j.Tasks.Total
}

// Checkpoints is a job's checkpoint statistics (GET /jobs/JID/checkpoints).
type Checkpoints struct {
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
	Restored  int `json:"restored"`
	// Latest is the latest completed checkpoint's id (0: none yet),
	// LatestAt when it was acknowledged, LatestPath its directory.
	Latest     int64     `json:"latest"`
	LatestAt   time.Time `json:"latestAt,omitzero"`
	LatestPath string    `json:"latestPath,omitempty"`
	// RestoredID is the checkpoint the job was last restored from (0:
	// never restored), RestoredAt when.
	RestoredID int64     `json:"restoredId,omitempty"`
	RestoredAt time.Time `json:"restoredAt,omitzero"`
}

// ParseJobs parses GET /jobs/overview.
func ParseJobs(b []byte) ([]JobOverview, error) {
	var v struct {
		Jobs []JobOverview `json:"jobs"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("flink /jobs/overview: %w", err)
	}
	return v.Jobs, nil
}

// ParseCheckpoints parses GET /jobs/JID/checkpoints.
func ParseCheckpoints(b []byte) (Checkpoints, error) {
	var v struct {
		Counts struct {
			Completed int `json:"completed"`
			Failed    int `json:"failed"`
			Restored  int `json:"restored"`
		} `json:"counts"`
		Latest struct {
			Completed *struct {
				ID   int64  `json:"id"`
				Ack  int64  `json:"latest_ack_timestamp"`
				Path string `json:"external_path"`
			} `json:"completed"`
			Restored *struct {
				ID int64 `json:"id"`
				At int64 `json:"restore_timestamp"`
			} `json:"restored"`
		} `json:"latest"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return Checkpoints{}, fmt.Errorf("flink checkpoints: %w", err)
	}
	c := Checkpoints{Completed: v.Counts.Completed, Failed: v.Counts.Failed, Restored: v.Counts.Restored}
	if l := v.Latest.Completed; l != nil {
		c.Latest, c.LatestPath = l.ID, l.Path
		if l.Ack > 0 {
			c.LatestAt = time.UnixMilli(l.Ack)
		}
	}
	if r := v.Latest.Restored; r != nil {
		c.RestoredID = r.ID
		if r.At > 0 {
			c.RestoredAt = time.UnixMilli(r.At)
		}
	}
	return c, nil
}

// restClient follows no redirect: the RM proxy redirects a finished
// application's requests to addresses the test process cannot reach.
var restClient = &http.Client{Timeout: 3 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// errNoJobManager is a JobManager that does not answer (between AM
// attempts, before it is up, once the application ended).
var errNoJobManager = errors.New("no JobManager answers")

func get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := restClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("GET %s: HTTP %d: %w", url, resp.StatusCode, errNoJobManager)
	}
	return b, nil
}

// activeRM is the web address (from the test process) of c's active
// ResourceManager.
func activeRM(ctx context.Context, c addon.Cluster) (string, error) {
	var errs []error
	for _, h := range c.Topology().On(topology.ResourceManager) {
		addr := c.Addr(h, config.PortRMWeb)
		ok, err := observe.IsActive(ctx, addr)
		if ok {
			return addr, nil
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", h, err))
		}
	}
	return "", fmt.Errorf("no active resourcemanager: %w", errors.Join(errs...))
}

// JobManagerREST is a running application's JobManager REST API, reached
// through the active ResourceManager's web proxy (which follows the
// application's current AM attempt): the only way from the test process,
// which cannot reach the containers' addresses.
type JobManagerREST struct {
	c     addon.Cluster
	AppID string
}

func (r JobManagerREST) get(ctx context.Context, path string) ([]byte, error) {
	rm, err := activeRM(ctx, r.c)
	if err != nil {
		return nil, err
	}
	return get(ctx, "http://"+rm+"/proxy/"+r.AppID+path)
}

// Jobs reads the application's jobs.
func (r JobManagerREST) Jobs(ctx context.Context) ([]JobOverview, error) {
	b, err := r.get(ctx, "/jobs/overview")
	if err != nil {
		return nil, err
	}
	return ParseJobs(b)
}

// Checkpoints reads job jid's checkpoint statistics.
func (r JobManagerREST) Checkpoints(ctx context.Context, jid string) (Checkpoints, error) {
	b, err := r.get(ctx, "/jobs/"+jid+"/checkpoints")
	if err != nil {
		return Checkpoints{}, err
	}
	return ParseCheckpoints(b)
}

// archived reads the HistoryServer's archive of job jid: its overview and
// its checkpoints (ok false while it has not fetched the archive yet).
func archived(ctx context.Context, c addon.Cluster, jid string) (JobOverview, Checkpoints, bool, error) {
	base := "http://" + c.Addr(c.Topology().On(History)[0], PortHistoryWeb)
	b, err := get(ctx, base+"/jobs/overview")
	if err != nil {
		return JobOverview{}, Checkpoints{}, false, err
	}
	jobs, err := ParseJobs(b)
	if err != nil {
		return JobOverview{}, Checkpoints{}, false, err
	}
	for _, j := range jobs {
		if j.ID == jid {
			var cp Checkpoints
			if b, err := get(ctx, base+"/jobs/"+jid+"/checkpoints"); err == nil {
				cp, _ = ParseCheckpoints(b)
			}
			return j, cp, true, nil
		}
	}
	return JobOverview{}, Checkpoints{}, false, nil
}

// ExpectedJobID is the Flink job id of application appID's job: in
// application mode with HA, Flink fixes it from the cluster id (the
// application id on YARN): the Java hashCode of the id, sign-extended, as
// the upper 64 bits, 0 as the lower (ApplicationDispatcherBootstrap).
func ExpectedJobID(appID string) string {
	var h int32
	for _, r := range appID {
		h = 31*h + int32(r)
	}
	return fmt.Sprintf("%016x%016x", uint64(int64(h)), 0)
}
