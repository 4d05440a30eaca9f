package kerberos

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/addontest"
)

func TestModule(t *testing.T) {
	m := Module()
	addontest.ModuleShape(t, m, Name, "Place", "Validate", "Config", "HostFiles", "Status")
	assert.True(t, m.Variant, "Kerberos changes the whole cluster: not in --with all")
	assert.NotNil(t, m.StartFirst, "the KDC starts before Hadoop's daemons")
	assert.NotNil(t, m.HDFSClient, "the harness's HDFS clients log in")
	assert.NotNil(t, m.WebAuth, "the harness's probes speak SPNEGO")
	assert.NotNil(t, m.ZooKeeperAuth, "the harness's ZooKeeper sessions read the HA znodes")
	addontest.Image(t, m, KerbyVersion, "jars")
}

// Place adds a host of the KDC's own, on a copy, once.
func TestPlace(t *testing.T) {
	placed := topology.Guide()
	placed.Roles[KDC] = []string{"hadoop001"}
	addontest.Placement(t, Module(), []addontest.PlaceCase{
		{Name: "the guide's", Topo: topology.Guide(), On: map[topology.Role][]string{KDC: {KDCHost}}},
		{Name: "placed already", Topo: placed, On: map[topology.Role][]string{KDC: {"hadoop001"}}},
		{Name: "no hosts", Topo: topology.Topology{}, On: map[topology.Role][]string{KDC: nil}},
	})
	g := Place(topology.Guide())
	assert.Equal(t, []string{"hadoop001", "hadoop002", "hadoop003", KDCHost}, g.Hosts)
	assert.Equal(t, []topology.Role{KDC}, g.RolesOf(KDCHost), "the KDC's host runs nothing else")
	assert.Len(t, topology.Guide().Hosts, 3, "Place changed its argument")
}

func TestValidate(t *testing.T) {
	two := Place(topology.Guide())
	two.Roles[KDC] = []string{KDCHost, "hadoop001"}
	addontest.Validate(t, Module(), []addontest.ValidateCase{
		{Name: "placed on the guide's", Topo: Place(topology.Guide())},
		{Name: "without Kerberos", Topo: topology.Guide()},
		{Name: "two KDCs", Topo: two, Want: []string{"Kerberos wants exactly 1 kdc host; got 2"}},
	})
}

// Each host's keytab holds the principals of the services it runs, every
// key AES with the KDC's first version number, the same bytes each time.
func TestHostPrincipalsAndKeytabs(t *testing.T) {
	g := Place(topology.Guide())
	assert.Equal(t, []string{"HTTP/hadoop001", "dn/hadoop001", "jn/hadoop001", "nm/hadoop001", "nn/hadoop001", "zookeeper/hadoop001"},
		HostPrincipals(g, "hadoop001"), "no ResourceManager on hadoop001")
	assert.Equal(t, []string{"HTTP/hadoop003", "dn/hadoop003", "jn/hadoop003", "nm/hadoop003", "rm/hadoop003", "zookeeper/hadoop003"},
		HostPrincipals(g, "hadoop003"), "no NameNode on hadoop003")
	assert.Empty(t, HostPrincipals(g, KDCHost))

	files := hostFiles(g, "hadoop002")
	again := hostFiles(g, "hadoop002")
	assert.Equal(t, files[HostKeytabFile], again[HostKeytabFile], "a keytab renders the same bytes every time")
	kt := keytab.New()
	require.NoError(t, kt.Unmarshal(files[HostKeytabFile]))
	for _, p := range HostPrincipals(g, "hadoop002") {
		for _, e := range Enctypes {
			name := strings.Split(p, "/")
			key, kvno, err := kt.GetEncryptionKey(principalName(name), Realm, 0, e)
			require.NoError(t, err, "%s etype %d", p, e)
			assert.Equal(t, 1, kvno, p)
			assert.NotEmpty(t, key.KeyValue, p)
		}
	}
	users := keytab.New()
	require.NoError(t, users.Unmarshal(files[UsersKeytab]))
	for _, u := range Users {
		_, _, err := users.GetEncryptionKey(principalName([]string{u}), Realm, 0, 18)
		assert.NoError(t, err, u)
	}
	assert.NotEqual(t, Password("nn/hadoop001"), Password("nn/hadoop002"), "every principal has its own password")
}

// The ZooKeeper servers and clients log in as their host's principals; the
// KDC's host gets the realm's settings and every principal.
func TestJAASAndKDCFiles(t *testing.T) {
	g := Place(topology.Guide())
	h1 := hostFiles(g, "hadoop001")
	assert.Contains(t, string(h1[JAASZooKeeper]), `principal="zookeeper/hadoop001@HAHARNESS.TEST"`)
	assert.Contains(t, string(h1[JAASZooKeeper]), "Server {")
	assert.Contains(t, string(h1[JAASZKFC]), `principal="nn/hadoop001@HAHARNESS.TEST"`)
	assert.NotContains(t, slices.Collect(maps.Keys(h1)), JAASRM, "no ResourceManager on hadoop001")
	assert.Contains(t, string(h1[Krb5ConfFile]), "kdc = kdc:88")
	h3 := hostFiles(g, "hadoop003")
	assert.NotContains(t, slices.Collect(maps.Keys(h3)), JAASZKFC, "no ZKFC on hadoop003")
	assert.Contains(t, string(h3[JAASRM]), `principal="rm/hadoop003@HAHARNESS.TEST"`)
	k := hostFiles(g, KDCHost)
	for _, p := range AllPrincipals(g) {
		assert.Contains(t, string(k[PrincipalsFile]), "\n"+p+" "+Password(p)+"\n")
	}
	assert.Nil(t, hostFiles(topology.Guide(), "hadoop001"), "no files without the KDC placed")
}

// The add-on's keys land in Hadoop's own files beside Hadoop's keys, and
// a user may change the protection.
func TestHadoopKeys(t *testing.T) {
	files, _ := addontest.Render(t, Module(), config.Overrides{"core-site.xml": {"hadoop.rpc.protection": "privacy"}})
	core, err := config.ParseXML(files["core-site.xml"])
	require.NoError(t, err)
	addontest.Properties(t, core, [][2]string{
		{"hadoop.security.authentication", "kerberos"},
		{"hadoop.security.authorization", "true"},
		{"hadoop.rpc.protection", "privacy"},
		{"fs.defaultFS", "hdfs://mycluster"},
		{"ha.zookeeper.acl", "sasl:nn:cdrwa," + readerACL()},
		{"hadoop.zk.acl", "sasl:rm:cdrwa," + readerACL()},
	})
	// No world entry: the state store's root-node ACL would give it
	// create and delete (the bits flipped, not cleared).
	assert.NotContains(t, core["hadoop.zk.acl"], "world:")
	assert.Regexp(t, `^digest:haharness:[A-Za-z0-9+/]{27}=:r$`, readerACL(), "ZooKeeper's digest id: base64(sha1(user:password))")
	assert.Contains(t, core["hadoop.security.auth_to_local"], `RULE:[2:$1@$0](nn@HAHARNESS\.TEST)s/.*/hdfs/`)
	assert.Contains(t, core["hadoop.security.auth_to_local"], `RULE:[2:$1@$0](nm@HAHARNESS\.TEST)s/.*/yarn/`)
	hdfs, err := config.ParseXML(files["hdfs-site.xml"])
	require.NoError(t, err)
	addontest.Properties(t, hdfs, [][2]string{
		{"dfs.block.access.token.enable", "true"},
		{"dfs.namenode.kerberos.principal", "nn/_HOST@HAHARNESS.TEST"},
		{"dfs.data.transfer.protection", "authentication"},
		{"dfs.ha.automatic-failover.enabled", "true"},
	})
	env := string(files["hadoop-env.sh"])
	assert.Contains(t, env, `export HDFS_NAMENODE_USER="hdfs"`)
	assert.Contains(t, env, `export YARN_RESOURCEMANAGER_USER="yarn"`)
	assert.Regexp(t, `export HDFS_ZKFC_OPTS="-Xmx\d+m -Djava.security.auth.login.config=/opt/hadoop/etc/hadoop/kerberos/jaas-zkfc.conf"`, env)
	assert.Contains(t, string(files["zoo.cfg"]), "authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider")
	assert.Contains(t, string(files[KDCProperties]), "\nrealm=HAHARNESS.TEST\n")
	assert.Contains(t, string(files[KDCProperties]), "\nmax.ticket.lifetime.seconds=86400\n")
	policy, err := config.ParseXML(files[PolicyFile])
	require.NoError(t, err)
	assert.Equal(t, UserMallory, policy["security.client.protocol.acl.blocked"])
}
