package kerberos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/haharness/haharness/harness/topology"
)

// Realm is the cluster's realm. Each cluster has a KDC of its own on its
// own network, so every cluster can use the one name.
const Realm = "HAHARNESS.TEST"

// The services' principals, as Hadoop's secure-mode docs name them: one
// per service and host (SERVICE/HOST@REALM; _HOST in the configuration
// becomes the daemon's host name).
const (
	ServiceNameNode        = "nn"
	ServiceJournalNode     = "jn"
	ServiceDataNode        = "dn"
	ServiceResourceManager = "rm"
	ServiceNodeManager     = "nm"
	ServiceHTTP            = "HTTP"
	ServiceZooKeeper       = "zookeeper"
)

// The users' principals: hdfs (the HDFS superuser, the one the harness's
// own commands on the hosts run as), yarn, and two users of tests: alice,
// an ordinary user, and mallory, whom the service ACLs refuse.
const (
	UserHDFS    = "hdfs"
	UserYARN    = "yarn"
	UserAlice   = "alice"
	UserMallory = "mallory"
)

// Users are the users' principals, every host's keytab of users holds.
var Users = []string{UserHDFS, UserYARN, UserAlice, UserMallory}

// services are the principals' services each role needs on its host.
var services = map[topology.Role][]string{
	topology.NameNode:        {ServiceNameNode, ServiceHTTP},
	topology.ZKFC:            {ServiceNameNode},
	topology.JournalNode:     {ServiceJournalNode, ServiceHTTP},
	topology.DataNode:        {ServiceDataNode, ServiceHTTP},
	topology.ResourceManager: {ServiceResourceManager, ServiceHTTP},
	topology.NodeManager:     {ServiceNodeManager, ServiceHTTP},
	topology.ZooKeeper:       {ServiceZooKeeper},
}

// Principal is SERVICE/HOST@REALM, or USER@REALM for host "".
func Principal(service, host string) string {
	if host == "" {
		return service + "@" + Realm
	}
	return service + "/" + host + "@" + Realm
}

// HostPrincipals are the service principals of host h's daemons in t,
// sorted, without the realm (nn/hadoop001).
func HostPrincipals(t topology.Topology, h string) []string {
	var out []string
	for _, r := range t.RolesOf(h) {
		for _, s := range services[r] {
			out = append(out, s+"/"+h)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AllPrincipals are every principal the KDC serves for t: the hosts'
// services and the users, without the realm.
func AllPrincipals(t topology.Topology) []string {
	out := slices.Clone(Users)
	for _, h := range t.Hosts {
		out = append(out, HostPrincipals(t, h)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Password is the password of principal p (without the realm): derived
// from its name, so the KDC (which derives its keys from it at every
// start) and the keytabs the harness writes agree without either being
// stored anywhere. A test realm's secret, never a production one.
func Password(p string) string {
	sum := sha256.Sum256([]byte("haharness kerberos test realm " + Realm + "\x00" + p))
	return hex.EncodeToString(sum[:16])
}

// Enctypes are the encryption types of every key: AES, which JDK 17
// accepts (it refuses DES and RC4) and the Go Kerberos library has.
var Enctypes = []int32{18, 17} // aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96

// EnctypeNames are Enctypes as krb5.conf and the KDC name them.
const EnctypeNames = "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96"

// kvno is the version number of every key: the KDC's first.
const kvno = 1

// keytabEpoch is every keytab entry's timestamp, so a keytab is the same
// bytes every time it is rendered (Java and MIT's tools ignore it).
var keytabEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Keytab is a keytab holding the keys of principals (without the realm).
func Keytab(principals ...string) ([]byte, error) {
	kt := keytab.New()
	for _, p := range principals {
		for _, e := range Enctypes {
			if err := kt.AddEntry(p, Realm, Password(p), keytabEpoch, kvno, e); err != nil {
				return nil, fmt.Errorf("keytab entry of %s: %w", p, err)
			}
		}
	}
	return kt.Marshal()
}

// TGS is the ticket-granting service's principal. Its key too is derived
// from a password, so a TGT stays good across a restart of the KDC.
const TGS = "krbtgt/" + Realm

// principalsFile is the KDC's list of principals and passwords.
func principalsFile(t topology.Topology) []byte {
	var b bytes.Buffer
	b.WriteString("# Rendered by haharness: the KDC's principals and their passwords (a test realm's).\n")
	for _, p := range append([]string{TGS}, AllPrincipals(t)...) {
		fmt.Fprintf(&b, "%s %s\n", p, Password(p))
	}
	return b.Bytes()
}

// shortName is the Hadoop user a principal maps to (auth_to_local).
func shortName(principal string) string {
	service, _, _ := strings.Cut(strings.TrimSuffix(principal, "@"+Realm), "/")
	switch service {
	case ServiceNameNode, ServiceJournalNode, ServiceDataNode:
		return UserHDFS
	case ServiceResourceManager, ServiceNodeManager:
		return UserYARN
	}
	return service
}

// principalName is a principal's components as gokrb5 takes them.
func principalName(components []string) types.PrincipalName {
	return types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, strings.Join(components, "/"))
}
