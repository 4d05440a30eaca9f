package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
)

// HAProbeTimeout bounds the probe of ProbeHA: a frozen daemon does not
// answer, and a sampler must not stall on it.
const HAProbeTimeout = 800 * time.Millisecond

// classifyTimeout bounds the engine calls that tell why a daemon did not answer.
const classifyTimeout = 2 * time.Second

// ProbeHA probes the HA state of daemon d, a NameNode or ResourceManager,
// with observe.ProbeNameNode or observe.ProbeResourceManager at its
// published HTTP port, for at most HAProbeTimeout. When the daemon does not
// answer and nothing says it is gone (connection refused), the engine is
// asked why: observe.StateFrozen when its host is paused or its JVM stopped,
// observe.StateDown when the host is not running or the JVM is gone,
// observe.StateUnknown when the JVM runs but did not answer or the engine
// cannot tell. The error is the probe's, nil when the daemon answered.
func (c *Cluster) ProbeHA(ctx context.Context, d topology.Daemon) (observe.HAState, error) {
	var probe func(context.Context, string) (observe.HAState, error)
	var port int
	switch d.Role {
	case topology.NameNode:
		probe, port = observe.ProbeNameNode, config.PortNameNodeHTTP
	case topology.ResourceManager:
		probe, port = observe.ProbeResourceManager, config.PortRMWeb
	default:
		a, ok := addonRole(d.Role)
		if !ok || a.Probe == nil {
			return observe.HAState{State: observe.StateUnknown}, fmt.Errorf("probe %s: no HA state", d)
		}
		probe, port = a.Probe, a.WebPort
	}
	pctx, cancel := context.WithTimeout(ctx, HAProbeTimeout)
	st, err := probe(pctx, c.Addr(d.Host, port))
	cancel()
	if err != nil && st.State == observe.StateUnknown {
		st.State = c.whyNoAnswer(ctx, d)
	}
	return st, err
}

// whyNoAnswer asks the engine why daemon d did not answer a probe.
func (c *Cluster) whyNoAnswer(ctx context.Context, d topology.Daemon) string {
	ctx, cancel := context.WithTimeout(ctx, classifyTimeout)
	defer cancel()
	switch hs, err := c.HostState(ctx, d.Host); {
	case err != nil:
		return observe.StateUnknown
	case hs == "paused":
		return observe.StateFrozen
	case hs != "running":
		return observe.StateDown
	}
	ps, err := c.Processes(ctx, d.Host)
	if err != nil {
		return observe.StateUnknown
	}
	for _, p := range ps {
		if p.Role == d.Role {
			if p.Frozen {
				return observe.StateFrozen
			}
			return observe.StateUnknown
		}
	}
	return observe.StateDown
}
