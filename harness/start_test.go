package harness

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/docker"
	"github.com/haharness/haharness/harness/topology"
)

// These inputs must be rejected before anything touches the engine: the
// tests point the engine at a binary that does not exist, so any attempt to
// create something would fail with ErrEngine instead of the expected error.
func TestStartRejectsBadInputBeforeCreatingAnything(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no docker CLI reachable
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
			if err == nil || c != nil {
				t.Fatalf("Start succeeded: %v", c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name the problem %q", err, tc.want)
			}
			if tc.want != "docker engine unreachable" && errors.Is(err, docker.ErrEngine) {
				t.Fatalf("reached the engine before rejecting the input: %v", err)
			}
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
	if got := config.EstimateMemoryMiB(bigTopology(120)); got < 48*1024 {
		t.Fatalf("estimate %d MiB for 120 hosts is implausibly small", got)
	}
}
