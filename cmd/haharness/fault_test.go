package main

import (
	"io"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// buildFault parses a fault command line as its command does and builds
// the fault for the guide's cluster, with no cluster or engine.
func buildFault(t *testing.T, args ...string) (fault.Fault, error) {
	t.Helper()
	i := slices.IndexFunc(faultCmds(), func(fc faultCmd) bool { return fc.name == args[0] })
	require.GreaterOrEqual(t, i, 0, "no fault command %s", args[0])
	fc := faultCmds()[i]
	fs := newFlags(&env{stdout: io.Discard, stderr: io.Discard}, fc.name)
	nameFlag(fs)
	flags := fc.flags(fs)
	pos, err := parse(fs, args[1:])
	require.NoError(t, err)
	min, max := fc.arity()
	require.NoError(t, wantArgs(fs, pos, min, max, fc.Missing))
	return fc.fault(topology.Guide(), fs, flags, pos)
}

// The fault commands build what they built when each was written by hand.
func TestFaultCommandsBuildTheirFaults(t *testing.T) {
	for _, c := range []struct {
		args []string
		want fault.Fault
	}{
		{[]string{"kill", "active-namenode"}, fault.KillDaemon{Target: fault.ActiveNameNode, Signal: "KILL"}},
		{[]string{"kill", "--signal", "sigterm", "hadoop001/zkfc"}, fault.KillDaemon{Target: "hadoop001/zkfc", Signal: "TERM"}},
		{[]string{"kill", "hadoop002"}, fault.KillHost{Target: "hadoop002"}},
		{[]string{"kill", "--signal", "KILL", "hadoop002"}, fault.KillHost{Target: "hadoop002"}},
		{[]string{"stop-host", "standby-namenode"}, fault.StopHost{Target: fault.StandbyNameNode}},
		{[]string{"freeze", "hadoop003/nodemanager"}, fault.FreezeDaemon{Target: "hadoop003/nodemanager"}},
		{[]string{"freeze", "hadoop003"}, fault.FreezeHost{Target: "hadoop003"}},
		{[]string{"partition", "hadoop001", "hadoop002, hadoop003", "--ports", "2181,2888"},
			fault.Partition{Groups: [][]fault.Selector{{"hadoop001"}, {"hadoop002", "hadoop003"}}, Ports: []int{2181, 2888}}},
		{[]string{"partition", "hadoop001", "hadoop002"}, fault.Partition{Groups: [][]fault.Selector{{"hadoop001"}, {"hadoop002"}}}},
		{[]string{"drop", "--ports", "8020", "active-namenode", "standby-namenode"},
			fault.Drop{From: fault.ActiveNameNode, To: fault.StandbyNameNode, Ports: []int{8020}}},
		{[]string{"isolate", "hadoop001"}, fault.Isolate{Target: "hadoop001"}},
		{[]string{"degrade", "hadoop003", "--delay", "100ms", "--jitter", "20ms", "--loss", "1.5"},
			fault.Degrade{Target: "hadoop003", Delay: 100 * time.Millisecond, Jitter: 20 * time.Millisecond, LossPercent: 1.5}},
		{[]string{"degrade", "--loss", "20", "hadoop003"}, fault.Degrade{Target: "hadoop003", LossPercent: 20}},
	} {
		got, err := buildFault(t, c.args...)
		if assert.NoError(t, err, "%v", c.args) {
			assert.Equal(t, c.want, got, "%v", c.args)
		}
	}
}

func TestKillHostRefusesASignal(t *testing.T) {
	_, err := buildFault(t, "kill", "--signal", "TERM", "hadoop001")
	assert.EqualError(t, err, "kill hadoop001: --signal TERM applies to daemons; stop a host gracefully with `haharness stop-host hadoop001`")
	_, err = buildFault(t, "kill", "hadoop009/namenode")
	assert.ErrorContains(t, err, "unknown target")
}

// Every fault kind with a command is reachable from the CLI, and the
// commands are the ones the CLI had.
func TestFaultCommandsCoverTheRegistry(t *testing.T) {
	var names []string
	kinds := map[string]bool{}
	for _, fc := range faultCmds() {
		names = append(names, fc.name)
		assert.NotEmpty(t, fc.Help, fc.name)
		for _, k := range fc.kinds {
			kinds[k.Name] = true
		}
	}
	assert.Equal(t, []string{"kill", "stop-host", "freeze", "partition", "drop", "isolate", "degrade", "skew-clock"}, names)
	for _, k := range fault.Registry() {
		assert.Equal(t, k.Command != nil, kinds[k.Name], k.Name)
	}
	for _, n := range []string{"kill", "start-host", "resume", "heal", "reset"} {
		_, ok := lookup(n)
		assert.True(t, ok, n)
	}
}
