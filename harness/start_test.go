package harness

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
)

// These inputs must be rejected before anything touches the engine: the
// engine is a fake that fails every call with ErrEngine and records it, so
// any attempt to create something fails with ErrEngine instead of the
// expected error, and shows in the record.
func TestStartRejectsBadInputBeforeCreatingAnything(t *testing.T) {
	fake := &fakeEngine{err: fmt.Errorf("%w: fake engine that is not there", docker.ErrEngine)}
	restore := connectEngine
	connectEngine = func(context.Context) (engine, error) { return fake, nil }
	t.Cleanup(func() { connectEngine = restore })
	noZK := topology.Guide()
	noZK.Roles[topology.ZooKeeper] = []string{"hadoop001", "hadoop002"}
	oneNN := topology.Guide()
	oneNN.Roles[topology.NameNode] = []string{"hadoop001"}
	oneNN.Roles[topology.ZKFC] = []string{"hadoop001"}
	oneRM := topology.Guide()
	oneRM.Roles[topology.ResourceManager] = []string{"hadoop002"}
	twoJN := topology.Guide()
	twoJN.Roles[topology.JournalNode] = []string{"hadoop001", "hadoop002"}
	dupHost := topology.Guide()
	dupHost.Hosts = append(dupHost.Hosts, "hadoop001")
	unknownHost := topology.Guide()
	unknownHost.Roles[topology.DataNode] = []string{"hadoop001", "hadoop004"}
	huge := bigTopology(120)
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"even zookeeper count", []Option{WithTopology(noZK)}, "odd number of servers"},
		{"two journalnodes", []Option{WithTopology(twoJN)}, "JournalNodes, at least 3"},
		{"single namenode", []Option{WithTopology(oneNN)}, "at least 2 NameNodes"},
		{"single resourcemanager", []Option{WithTopology(oneRM)}, "at least 2 ResourceManagers"},
		{"duplicate host", []Option{WithTopology(dupHost)}, "listed twice"},
		{"role on unknown host", []Option{WithTopology(unknownHost)}, "unknown host \"hadoop004\""},
		{"unknown hadoop version", []Option{WithHadoopVersion("2.6.0")}, "unknown Hadoop version \"2.6.0\""},
		{"bad fencing", []Option{WithFencing("ssh-please")}, "unknown fencing"},
		{"override of unknown file", []Option{WithConfig("site.xml", map[string]string{"a": "b"})}, "unknown config file"},
		{"bad name", []Option{WithName("Bad_Name")}, "cluster name"},
		{"not enough memory", []Option{WithTopology(huge)}, "not enough memory"},
		{"engine unreachable", nil, "docker engine unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Start(context.Background(), tc.opts...)
			require.Error(t, err, "Start succeeded")
			require.Nil(t, c)
			require.ErrorContains(t, err, tc.want, "the error names the problem")
			if tc.want != "docker engine unreachable" {
				require.NotErrorIs(t, err, docker.ErrEngine, "reached the engine before rejecting the input")
			}
			require.Empty(t, fake.created(), "nothing may be created")
		})
	}
}

// bigTopology is a valid topology of n hosts each running a DataNode and a NodeManager.
func bigTopology(n int) topology.Topology {
	t := topology.Guide()
	for i := 4; i <= n; i++ {
		h := "hadoop" + strings.Repeat("0", 3-len(itoa(i))) + itoa(i)
		t.Hosts = append(t.Hosts, h)
		t.Roles[topology.DataNode] = append(t.Roles[topology.DataNode], h)
		t.Roles[topology.NodeManager] = append(t.Roles[topology.NodeManager], h)
	}
	return t
}

func itoa(i int) string {
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestEstimateNeedsMoreThanThisMachineForHugeTopology(t *testing.T) {
	if got := config.EstimateMemoryMiB(bigTopology(120), nil, 0); got < 48*1024 {
		t.Fatalf("estimate %d MiB for 120 hosts is implausibly small", got)
	}
}
