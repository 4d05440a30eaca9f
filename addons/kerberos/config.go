package kerberos

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

// Files of the add-on on the hosts, under the configuration directory
// (config.ConfDir): every host's krb5.conf, its keytab of services and
// the users' keytab, the JAAS files of ZooKeeper's server and clients,
// and on the KDC's host the KDC's settings and principals.
const (
	Dir            = "kerberos"
	Krb5ConfFile   = Dir + "/krb5.conf"
	HostKeytabFile = Dir + "/host.keytab"
	UsersKeytab    = Dir + "/users.keytab"
	KDCProperties  = Dir + "/kdc.properties"
	PrincipalsFile = Dir + "/principals"
	JAASZooKeeper  = Dir + "/jaas-zookeeper.conf"
	JAASZKFC       = Dir + "/jaas-zkfc.conf"
	JAASRM         = Dir + "/jaas-rm.conf"
	PolicyFile     = "hadoop-policy.xml"
)

// configDir is where the add-on's files are on a host.
const configDir = config.ConfDir

// confPath is a file of the add-on's on a host.
func confPath(f string) string { return configDir + "/" + f }

// Protection is hadoop.rpc.protection and dfs.data.transfer.protection:
// authentication (the default here), integrity or privacy; a user
// changes it with --set core-site.xml:hadoop.rpc.protection=privacy (and
// hdfs-site.xml:dfs.data.transfer.protection).
const Protection = "authentication"

// authToLocal maps the services' principals to the daemons' users (nn, jn
// and dn to hdfs; rm and nm to yarn), any other principal of the realm to
// its first component.
func authToLocal() string {
	var rules []string
	for _, s := range []string{ServiceNameNode, ServiceJournalNode, ServiceDataNode, ServiceResourceManager, ServiceNodeManager} {
		rules = append(rules, fmt.Sprintf("RULE:[2:$1@$0](%s@%s)s/.*/%s/", s, strings.ReplaceAll(Realm, ".", `\.`), shortName(s)))
	}
	return strings.Join(append(rules, "DEFAULT"), "\n")
}

// hadoopKeys are the add-on's keys of Hadoop's files: Kerberos
// authentication with service authorization on every RPC, block access
// tokens, every daemon's principal and keytab, SASL on the DataNodes' data
// transfer, ZooKeeper's SASL and the ACLs of the ZKFCs' and the
// ResourceManagers' znodes, and the daemons' users.
func hadoopKeys() map[string]map[string]string {
	files := hadoopFiles()
	files[KDCProperties] = kdcProperties()
	return files
}

func hadoopFiles() map[string]map[string]string {
	kt := confPath(HostKeytabFile)
	principal := func(service string) string { return service + "/_HOST@" + Realm }
	jvm := func(jaas string) string { return "-Djava.security.auth.login.config=" + confPath(jaas) }
	return map[string]map[string]string{
		"core-site.xml": {
			"hadoop.security.authentication": "kerberos",
			"hadoop.security.authorization":  "true",
			"hadoop.rpc.protection":          Protection,
			"hadoop.security.auth_to_local":  authToLocal(),
			// Every web UI behind SPNEGO (the harness's probes speak it:
			// Module.WebAuth), as HTTP/HOST from the host's keytab.
			"hadoop.http.filter.initializers":                     "org.apache.hadoop.security.AuthenticationFilterInitializer",
			"hadoop.http.authentication.type":                     "kerberos",
			"hadoop.http.authentication.simple.anonymous.allowed": "false",
			"hadoop.http.authentication.kerberos.principal":       principal(ServiceHTTP),
			"hadoop.http.authentication.kerberos.keytab":          kt,
			// The ZKFCs' lock and the ResourceManagers' state store and
			// election: their own principals may do anything, the
			// harness's reader (ZooKeeperReader, a digest: the test
			// process's ZooKeeper client speaks no SASL) may read, nobody
			// else anything. Not world:anyone:r: the state store derives
			// its root node's ACL by flipping the create and delete bits
			// of these, which gives an entry that lacks them (read only)
			// create and delete: anyone could write under ZKRMStateRoot.
			"ha.zookeeper.acl": "sasl:" + ServiceNameNode + ":cdrwa," + readerACL(),
			"hadoop.zk.acl":    "sasl:" + ServiceResourceManager + ":cdrwa," + readerACL(),
		},
		"hdfs-site.xml": {
			"dfs.block.access.token.enable":                      "true",
			"dfs.namenode.kerberos.principal":                    principal(ServiceNameNode),
			"dfs.namenode.keytab.file":                           kt,
			"dfs.namenode.kerberos.internal.spnego.principal":    principal(ServiceHTTP),
			"dfs.journalnode.kerberos.principal":                 principal(ServiceJournalNode),
			"dfs.journalnode.keytab.file":                        kt,
			"dfs.journalnode.kerberos.internal.spnego.principal": principal(ServiceHTTP),
			"dfs.datanode.kerberos.principal":                    principal(ServiceDataNode),
			"dfs.datanode.keytab.file":                           kt,
			"dfs.web.authentication.kerberos.principal":          principal(ServiceHTTP),
			"dfs.web.authentication.kerberos.keytab":             kt,
			// SASL on data transfer, DataNodes on their usual unprivileged
			// ports. Hadoop then wants the DataNodes' web UI on HTTPS only
			// (so no other process can take its port); this flag waives
			// that, keeping every web UI on plain HTTP (README).
			"dfs.data.transfer.protection":    Protection,
			"ignore.secure.ports.for.testing": "true",
			"dfs.permissions.superusergroup":  "hadoop",
			// The fence runs as the ZKFC's user, hdfs, with its key: the
			// shell fence's ssh finds it in hdfs's home, sshfence here.
			"dfs.ha.fencing.ssh.private-key-files": HDFSHome + "/.ssh/id_rsa",
		},
		"yarn-site.xml": {
			"yarn.resourcemanager.principal":                 principal(ServiceResourceManager),
			"yarn.resourcemanager.keytab":                    kt,
			"yarn.nodemanager.principal":                     principal(ServiceNodeManager),
			"yarn.nodemanager.keytab":                        kt,
			"yarn.resourcemanager.webapp.spnego-principal":   principal(ServiceHTTP),
			"yarn.resourcemanager.webapp.spnego-keytab-file": kt,
			"yarn.nodemanager.webapp.spnego-principal":       principal(ServiceHTTP),
			"yarn.nodemanager.webapp.spnego-keytab-file":     kt,
			// Aggregating a secured application's logs needs Hadoop's native
			// library (secure IO), which the image has not: the
			// NodeManagers would fail at the first application's end.
			"yarn.log-aggregation-enable": "false",
		},
		"zoo.cfg": {
			"authProvider.sasl":                 "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
			"kerberos.removeHostFromPrincipal":  "true",
			"kerberos.removeRealmFromPrincipal": "true",
		},
		"hadoop-env.sh": {
			// Every JVM of the launcher: this realm's krb5.conf.
			"HADOOP_OPTS+":               "-Djava.security.krb5.conf=" + confPath(Krb5ConfFile),
			"KRB5_CONFIG":                confPath(Krb5ConfFile),
			"ZOOKEEPER_SERVER_OPTS+":     jvm(JAASZooKeeper),
			"HDFS_ZKFC_OPTS+":            jvm(JAASZKFC),
			"YARN_RESOURCEMANAGER_OPTS+": jvm(JAASRM),
			// The daemons' own users, as a secured cluster runs them.
			"HDFS_NAMENODE_USER":        UserHDFS,
			"HDFS_JOURNALNODE_USER":     UserHDFS,
			"HDFS_DATANODE_USER":        UserHDFS,
			"HDFS_ZKFC_USER":            UserHDFS,
			"YARN_RESOURCEMANAGER_USER": UserYARN,
			"YARN_NODEMANAGER_USER":     UserYARN,
			// Root's commands on a host (the harness's own) run with a
			// ticket of hdfs, the HDFS superuser, from the users' keytab.
			"HAHARNESS_LOGIN": "$(" + LoginScript + ")",
		},
		// Service authorization: every protocol open to everyone of the
		// realm (Hadoop's default ACL), but the client protocols refuse
		// mallory, a user the KDC knows.
		PolicyFile: {
			"security.client.protocol.acl":                    "*",
			"security.client.protocol.acl.blocked":            UserMallory,
			"security.applicationclient.protocol.acl":         "*",
			"security.applicationclient.protocol.acl.blocked": UserMallory,
		},
	}
}

// LoginScript is the image's script that gives root a ticket of hdfs
// when it has none (hadoop-env.sh runs it before each command).
const LoginScript = "/opt/hadoop/libexec/kerberos-login"

// krb5Conf is every host's (and a user's container's) krb5.conf: the
// realm's KDC on its host, over TCP (the KDC's port is published as TCP),
// AES only, no DNS. kdc_timesync is off: MIT's tools would otherwise take
// the KDC's time from its reply and log in from a skewed host, where
// Java's Kerberos, the daemons', has no such correction and fails with
// "Clock skew too great"; off, kinit on a skewed host fails as they do.
func krb5Conf(kdcHost string, kdcPort int) []byte {
	return fmt.Appendf(nil, `# Rendered by haharness: the cluster's realm.
[libdefaults]
  default_realm = %[1]s
  dns_lookup_realm = false
  dns_lookup_kdc = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
  kdc_timeout = 3000
  max_retries = 1
  kdc_timesync = 0
  ticket_lifetime = 24h
  renew_lifetime = 7d
  forwardable = true
  default_tkt_enctypes = %[2]s
  default_tgs_enctypes = %[2]s
  permitted_enctypes = %[2]s

[realms]
  %[1]s = {
    kdc = %[3]s:%[4]d
  }
`, Realm, EnctypeNames, kdcHost, kdcPort)
}

// jaas is a JAAS file with one section logging principal in from the
// host's keytab.
func jaas(section, principal string) []byte {
	return fmt.Appendf(nil, `%s {
  com.sun.security.auth.module.Krb5LoginModule required
  useKeyTab=true
  keyTab="%s"
  storeKey=true
  useTicketCache=false
  principal="%s";
};
`, section, confPath(HostKeytabFile), principal)
}

// kdcProperties are the KDC's settings (image/Kdc.java reads them), a
// file of the configuration users and scenario files may override
// (--set kerberos/kdc.properties:max.ticket.lifetime.seconds=120: tickets
// that expire during a run).
func kdcProperties() map[string]string {
	return map[string]string{
		"realm":                          Realm,
		"port":                           fmt.Sprint(PortKDC),
		"principals":                     confPath(PrincipalsFile),
		"enctypes":                       EnctypeNames,
		"clockskew.seconds":              "300",
		"max.ticket.lifetime.seconds":    "86400",
		"max.renewable.lifetime.seconds": "604800",
	}
}

// hostFiles are host h's files: krb5.conf and the keytabs everywhere, the
// JAAS files of the ZooKeeper clients and servers it runs, and the KDC's
// files on its host.
func hostFiles(t topology.Topology, h string) map[string][]byte {
	kdc := t.On(KDC)
	if len(kdc) == 0 {
		return nil
	}
	files := map[string][]byte{Krb5ConfFile: krb5Conf(kdc[0], PortKDC)}
	if ps := HostPrincipals(t, h); len(ps) > 0 {
		files[HostKeytabFile] = mustKeytab(ps...)
	}
	files[UsersKeytab] = mustKeytab(Users...)
	if t.Has(h, topology.ZooKeeper) {
		files[JAASZooKeeper] = jaas("Server", Principal(ServiceZooKeeper, h))
	}
	if t.Has(h, topology.ZKFC) {
		files[JAASZKFC] = jaas("Client", Principal(ServiceNameNode, h))
	}
	if t.Has(h, topology.ResourceManager) {
		files[JAASRM] = jaas("Client", Principal(ServiceResourceManager, h))
	}
	if t.Has(h, KDC) {
		files[PrincipalsFile] = principalsFile(t)
	}
	return files
}

func mustKeytab(principals ...string) []byte {
	b, err := Keytab(principals...)
	if err != nil {
		panic(err) // AES keys from a password: cannot fail
	}
	return b
}

// ZooKeeperReader is the digest user the harness's ZooKeeper sessions
// authenticate as (Module.ZooKeeperAuth): it may read the HA znodes.
const ZooKeeperReader = "haharness"

// zooKeeperReaderAuth is ZooKeeperReader's digest credentials, user:password.
func zooKeeperReaderAuth() []byte {
	return []byte(ZooKeeperReader + ":" + Password("zookeeper digest "+ZooKeeperReader))
}

// readerACL is ZooKeeperReader's read-only ACL entry: ZooKeeper's digest
// scheme names a user by base64(sha1(user:password)).
func readerACL() string {
	sum := sha1.Sum(zooKeeperReaderAuth())
	return "digest:" + ZooKeeperReader + ":" + base64.StdEncoding.EncodeToString(sum[:]) + ":r"
}
