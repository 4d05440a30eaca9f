package hbase

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
)

// Place puts two HMasters on the first host and the last and a
// RegionServer beside every DataNode, on a copy, once (was
// topology.TestAddons's HBase part).
func TestPlace(t *testing.T) {
	custom := topology.Guide()
	custom.Roles[HMaster] = []string{"hadoop002", "hadoop003"}
	single := topology.Topology{Hosts: []string{"h1"}, Roles: map[topology.Role][]string{topology.DataNode: {"h1"}}}
	addontest.Placement(t, Module(), []addontest.PlaceCase{
		{Name: "the guide's", Topo: topology.Guide(),
			On: map[topology.Role][]string{HMaster: {"hadoop001", "hadoop003"}, RegionServer: {"hadoop001", "hadoop002", "hadoop003"}}},
		{Name: "five hosts", Topo: addontest.WithHosts(5),
			On: map[topology.Role][]string{HMaster: {"hadoop001", "hadoop005"}, RegionServer: {"hadoop001", "hadoop002", "hadoop003", "hadoop004", "hadoop005"}}},
		{Name: "placed already", Topo: custom, On: map[topology.Role][]string{HMaster: {"hadoop002", "hadoop003"}, RegionServer: nil}},
		{Name: "one host", Topo: single, On: map[topology.Role][]string{HMaster: {"h1"}, RegionServer: {"h1"}}},
		{Name: "no hosts", Topo: topology.Topology{}, On: map[topology.Role][]string{HMaster: nil, RegionServer: nil}},
	})
}

// Validate is the module's rule for a topology that runs HBase, and the
// catalogue makes HBase's roles known (was topology.TestAddons's HBase
// part).
func TestValidate(t *testing.T) {
	oneMaster := Place(topology.Guide())
	oneMaster.Roles[HMaster] = []string{"hadoop001"}
	mastersOnly := topology.Guide()
	mastersOnly.Roles[HMaster] = []string{"hadoop001", "hadoop003"}
	addontest.Validate(t, Module(), []addontest.ValidateCase{
		{Name: "placed on the guide's", Topo: Place(topology.Guide())},
		{Name: "placed on five hosts", Topo: Place(addontest.WithHosts(5))},
		{Name: "without HBase", Topo: topology.Guide()},
		{Name: "one hmaster", Topo: oneMaster, Want: []string{"HBase HA needs at least 2 hmasters (an active and a backup); got 1"}},
		{Name: "no regionserver", Topo: mastersOnly, Want: []string{"HBase needs at least 1 regionserver; got 0"}},
	})
	assert.ErrorContains(t, Place(topology.Guide()).Validate(), `unknown role "hmaster"`, "HBase's roles are known through the module only")
}

// hbase-site.xml points HBase at the HA nameservice and the cluster's
// ZooKeeper ensemble (was config's rendering of the HBase files).
func TestConfig(t *testing.T) {
	g := Place(topology.Guide())
	files := addontest.Config(t, Module(), g, Log4j2File, SiteFile)
	site := files[SiteFile]
	assert.Equal(t, config.ZooKeeperQuorum(g), site["hbase.zookeeper.quorum"])
	addontest.Properties(t, site, [][2]string{
		{"hbase.rootdir", "hdfs://mycluster/hbase"},
		{"hbase.cluster.distributed", "true"},
		{"hbase.zookeeper.quorum", "hadoop001:2181,hadoop002:2181,hadoop003:2181"},
		{"zookeeper.znode.parent", "/hbase"},
		{"zookeeper.session.timeout", "10000"},
		{"hbase.master.port", "16000"},
		{"hbase.master.info.port", "16010"},
		{"hbase.regionserver.port", "16020"},
		{"hbase.regionserver.info.port", "16030"},
		{"hbase.tmp.dir", config.DataRoot + "/hbase/tmp"},
		{"hbase.wal.provider", "filesystem"},
		{"hbase.master.wait.on.regionservers.maxtostart", "3"},
	})

	five := Module().Config(Place(addontest.WithHosts(5)))[SiteFile]
	assert.Equal(t, "5", five["hbase.master.wait.on.regionservers.maxtostart"], "the master waits for every RegionServer")
	other := Place(topology.Guide())
	other.Nameservice = "other"
	assert.Equal(t, "hdfs://other/hbase", Module().Config(other)[SiteFile]["hbase.rootdir"])

	assert.Equal(t, "${sys:hadoop.log.dir}/${sys:hadoop.log.file}", files[Log4j2File]["appender.RFA.fileName"],
		"HBase logs where Hadoop's daemons do")
}

// The module's files render beside Hadoop's, hbase-site.xml as XML, and
// users may override their keys.
func TestConfigRenders(t *testing.T) {
	files, a := addontest.Render(t, Module(), config.Overrides{SiteFile: {"hbase.rpc.timeout": "5000", "hbase.master.handler.count": ""}})
	site := parseXML(t, files[SiteFile])
	assert.Equal(t, "hdfs://mycluster/hbase", site["hbase.rootdir"])
	assert.Equal(t, "5000", site["hbase.rpc.timeout"], "an override replaces a key")
	assert.NotContains(t, site, "hbase.master.handler.count", "an empty override removes a key")
	assert.Len(t, site, len(a.Files[SiteFile])-1)
	assert.Contains(t, string(files[Log4j2File]), "\nrootLogger=${sys:hbase.root.logger:-INFO,console}\n")
}

// parseXML reads a Hadoop configuration file into its properties.
func parseXML(t *testing.T, b []byte) map[string]string {
	t.Helper()
	props, err := config.ParseXML(b)
	require.NoError(t, err, "%s", b)
	return props
}

// The module's parts the core reads: roles in start order with their
// daemons, the paths a reset keeps, what it contributes.
func TestModule(t *testing.T) {
	m := Module()
	cat := addontest.ModuleShape(t, m, Name, "Start", "Check", "Status", "Lanes", "Workload", "Scenarios")
	require.Len(t, m.Roles, 2)
	master, rs := m.Roles[0], m.Roles[1]
	assert.Equal(t, HMaster, master.Role, "the masters start first")
	assert.Equal(t, []int{PortMasterRPC, PortMasterWeb}, master.Ports)
	assert.Equal(t, PortMasterWeb, master.WebPort)
	assert.NotNil(t, master.Probe, "an HMaster has an HA state")
	assert.Equal(t, "HMaster", master.Class)
	assert.Equal(t, RegionServer, rs.Role)
	assert.Equal(t, []int{PortRegionServerRPC, PortRegionServerWeb}, rs.Ports)
	assert.Nil(t, rs.Probe, "a RegionServer has no HA state")
	assert.Equal(t, "HRegionServer", rs.Class)
	for _, r := range m.Roles {
		assert.Equal(t, "hbase", r.Launcher, r.Role)
		assert.True(t, strings.HasPrefix(r.HeapEnv, "HBASE_") && strings.HasSuffix(r.HeapEnv, "_OPTS"), r.HeapEnv)
	}
	assert.Equal(t, []string{RootDir}, m.Keep, "a reset keeps HBase's root")
	assert.Nil(t, m.HostFiles)
	assert.Positive(t, m.ClientMiB)
	assert.Equal(t, 30*time.Second, FailoverBound())

	r, ok := cat.Role(RegionServer)
	require.True(t, ok)
	assert.Equal(t, "HRegionServer", r.Class)
}

// The image layer carries the default release's jars and the client.
func TestImage(t *testing.T) {
	l := addontest.Image(t, Module(), DefaultVersion, "lib")
	assert.Contains(t, string(l.Files["java/HBaseWorkload.java"]), "class HBaseWorkload")
	assert.NotNil(t, l.Stage)
	assert.Contains(t, l.Install, "/opt/hbase/lib/")
}
