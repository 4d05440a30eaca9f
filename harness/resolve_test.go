package harness

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/topology"
)

func TestSnapshotOfStatus(t *testing.T) {
	st := readyStatus()
	st.Hosts = map[string]string{"hadoop001": "paused", "hadoop002": "running", "hadoop003": "running"}
	st.NameNodes[0].JMX, st.NameNodes[1].JMX, st.NameNodeLock = ha.Down, ha.Active, "nn2"
	st.ResourceManagers[1].REST = ha.Down
	st.ZooKeeper[0].Mode = "no-quorum"
	snap := snapshot(topology.Guide(), st)
	assert.Equal(t, fault.Snapshot{
		Topology:            topology.Guide(),
		Hosts:               st.Hosts,
		NameNodes:           map[string]string{"nn1": ha.Down, "nn2": ha.Active},
		NameNodeLock:        "nn2",
		ResourceManagers:    map[string]string{"rm1": ha.Active, "rm2": ha.Down}, // normalised: REST said ACTIVE
		ResourceManagerLock: "rm1",
		ZooKeeper:           map[string]string{"hadoop001": "no-quorum", "hadoop002": "leader", "hadoop003": "follower"},
	}, snap)

	for sel, want := range map[fault.Selector]topology.Daemon{
		fault.ActiveNameNode:        {Host: "hadoop002", Role: topology.NameNode},
		fault.ActiveResourceManager: {Host: "hadoop002", Role: topology.ResourceManager},
		fault.ZooKeeperLeader:       {Host: "hadoop002", Role: topology.ZooKeeper},
		fault.JournalNodeMinority:   {Host: "hadoop003", Role: topology.JournalNode}, // hadoop001 is paused
	} {
		ds, err := fault.Resolve(sel, snap)
		require.NoError(t, err, sel)
		assert.Equal(t, []topology.Daemon{want}, ds, sel)
	}
	_, err := fault.Resolve(fault.StandbyResourceManager, snap)
	assert.EqualError(t, err, `resolve standby-resourcemanager: no standby resourcemanager: none is standby (rm1=active rm2=down lock="rm1")`)

	// A status that read nothing (every daemon down) resolves nothing named.
	_, err = fault.Resolve(fault.ActiveNameNode, snapshot(topology.Guide(), Status{}))
	assert.ErrorContains(t, err, "nn1=unknown nn2=unknown")
}

func TestResolveReadsStateOnlyWhenNeeded(t *testing.T) {
	f := guideEngine(t, map[string]string{"hadoop002": "exited"})
	c, err := attach(context.Background(), f, "x", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	f.calls = nil
	for sel, want := range map[fault.Selector][]topology.Daemon{
		"hadoop002":          {{Host: "hadoop002"}},
		"hadoop002/namenode": {{Host: "hadoop002", Role: topology.NameNode}},
		fault.AllHosts:       {{Host: "hadoop001"}, {Host: "hadoop002"}, {Host: "hadoop003"}},
	} {
		ds, err := c.Resolve(context.Background(), sel)
		require.NoError(t, err, sel)
		assert.Equal(t, want, ds, sel)
	}
	_, err = c.Resolve(context.Background(), "hadoop009")
	assert.ErrorContains(t, err, `unknown target "hadoop009"`)
	assert.Empty(t, f.calls, "no engine call for selectors that need no state")

	f.err = errors.New("engine unreachable")
	_, err = c.Resolve(context.Background(), fault.ActiveNameNode)
	assert.ErrorContains(t, err, "resolve active-namenode: ")
	assert.ErrorContains(t, err, "engine unreachable")
	assert.Equal(t, []string{"list containers [io.haharness.cluster=x]"}, f.calls, "one status read")
}
