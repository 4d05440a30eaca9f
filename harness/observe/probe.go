package observe

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/haharness/haharness/harness/ha"
)

// The normalised HA states a probe reports: the ha package's, which are
// also the words of the History's state events (scenarios/invariant). A
// daemon may also report another state of its own, lower-cased
// ("observer", "initializing"...).
const (
	StateActive  = ha.Active
	StateStandby = ha.Standby
	StateDown    = ha.Down    // nothing listens: connection refused
	StateFrozen  = ha.Frozen  // the process is stopped; only a caller that asks the engine can tell
	StateUnknown = ha.Unknown // the probe timed out or failed otherwise
)

// HAState is one probe of a NameNode's or ResourceManager's HA state.
type HAState struct {
	// State is the normalised state: StateActive, StateStandby, another
	// state the daemon reports (lower-cased), or, when the probe failed,
	// StateDown or StateUnknown.
	State string `json:"state"`
	// Raw is the daemon's own word: a NameNode's JMX State ("active"), a
	// ResourceManager's haState ("ACTIVE"); "" when the probe failed.
	Raw string `json:"raw,omitempty"`
	// SafeMode and LiveDataNodes are a NameNode's (see NameNodeStatus).
	SafeMode      bool `json:"safeMode,omitempty"`
	LiveDataNodes int  `json:"liveDataNodes,omitempty"`
}

// ProbeNameNode probes the HA state of the NameNode whose HTTP server is at
// httpAddr (host:9870) over JMX. When it does not answer, the error says
// why and State is StateDown (connection refused) or StateUnknown.
func ProbeNameNode(ctx context.Context, httpAddr string) (HAState, error) {
	st, err := NameNode(ctx, httpAddr)
	if err != nil {
		return failed(err)
	}
	return HAState{State: ha.Normalise(st.State), Raw: st.State, SafeMode: st.SafeMode, LiveDataNodes: st.LiveDataNodes}, nil
}

// ProbeResourceManager probes the HA state of the ResourceManager whose web
// server is at httpAddr (host:8088) over /ws/v1/cluster/info: haState
// ACTIVE becomes StateActive, STANDBY StateStandby. When it does not answer,
// or answers without an haState, the error says why and State is StateDown
// (connection refused) or StateUnknown.
func ProbeResourceManager(ctx context.Context, httpAddr string) (HAState, error) {
	st, err := ResourceManager(ctx, httpAddr)
	if err == nil && st.HAState == "" {
		err = fmt.Errorf("resourcemanager %s: no haState in cluster info", httpAddr)
	}
	if err != nil {
		return failed(err)
	}
	return HAState{State: ha.Normalise(st.HAState), Raw: st.HAState}, nil
}

// failed is the state of a probe that got no answer: down when nothing
// listens, unknown otherwise (a timeout, an HTTP error, a bad body).
func failed(err error) (HAState, error) {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return HAState{State: StateDown}, err
	}
	return HAState{State: StateUnknown}, err
}
