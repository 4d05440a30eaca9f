package kerberos

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/colinmarc/hdfs/v2"
	krb "github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/observe"
)

// Krb5Conf is the realm's krb5.conf for a client in the test process: the
// KDC at the port its host publishes (Addr). A client inside the cluster
// network (a user's own container) takes Krb5ConfInside.
func Krb5Conf(c addon.Cluster) ([]byte, error) {
	kdc := c.Topology().On(KDC)
	if len(kdc) == 0 {
		return nil, fmt.Errorf("the cluster is not secured: start it with the %s add-on (harness.WithAddons(%q), haharness up --%s)", Name, Name, Name)
	}
	host, port, err := net.SplitHostPort(c.Addr(kdc[0], PortKDC))
	if err != nil {
		return nil, fmt.Errorf("the KDC's published port: %w", err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("the KDC's published port %q: %w", port, err)
	}
	return krb5Conf(host, p), nil
}

// Krb5ConfInside is the krb5.conf every host has (the KDC by its host
// name), for a container on the cluster's network.
func Krb5ConfInside() []byte { return krb5Conf(KDCHost, PortKDC) }

// Client returns a Kerberos client of principal (a user, "alice", or a
// service, "nn/hadoop001") logged in to the cluster's KDC from the test
// process with its keytab (Keytab).
func Client(c addon.Cluster, principal string) (*krb.Client, error) {
	b, err := Krb5Conf(c)
	if err != nil {
		return nil, err
	}
	cfg, err := krbconfig.NewFromString(string(b))
	if err != nil {
		return nil, fmt.Errorf("krb5.conf: %w", err)
	}
	raw, err := Keytab(principal)
	if err != nil {
		return nil, err
	}
	kt := keytab.New()
	if err := kt.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("keytab of %s: %w", principal, err)
	}
	cl := krb.NewWithKeytab(principal, Realm, kt, cfg, krb.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		return nil, fmt.Errorf("log in as %s@%s: %w", principal, Realm, err)
	}
	return cl, nil
}

// webAuth authenticates the harness's requests to host's web UIs with
// SPNEGO, as hdfs, for the service principal HTTP/host.
func webAuth(c addon.Cluster, host string) observe.Authenticator {
	return func(req *http.Request) error {
		cl, err := hdfsLogin(c)
		if err != nil {
			return err
		}
		return spnego.SetSPNEGOHeader(cl, req, ServiceHTTP+"/"+host)
	}
}

// hdfsLogins are the logged-in clients of hdfs the harness's HDFS clients
// share, one per realm's krb5.conf (a cluster's KDC at its published
// port): a new HDFS client (a writer's after a failover) needs no new
// login, and finds its service tickets cached, as a running Hadoop client
// does while the KDC is down.
var hdfsLogins sync.Map // krb5.conf → *krb.Client

// hdfsClient makes the harness's HDFS clients log in as hdfs, the HDFS
// superuser, and protect RPC and data transfer as the cluster does.
func hdfsClient(c addon.Cluster, o *hdfs.ClientOptions) error {
	cl, err := hdfsLogin(c)
	if err != nil {
		return err
	}
	o.User = ""
	o.KerberosClient = cl
	o.KerberosServicePrincipleName = ServiceNameNode + "/_HOST"
	if p := configKey(c, "hdfs-site.xml", "dfs.data.transfer.protection"); p != "?" {
		o.DataTransferProtection = p
	}
	return nil
}

// hdfsLogin is the cluster's shared login of hdfs (hdfsLogins).
func hdfsLogin(c addon.Cluster) (*krb.Client, error) {
	conf, err := Krb5Conf(c)
	if err != nil {
		return nil, err
	}
	if cl, ok := hdfsLogins.Load(string(conf)); ok {
		return cl.(*krb.Client), nil
	}
	fresh, err := Client(c, UserHDFS)
	if err != nil {
		return nil, err
	}
	cl, loaded := hdfsLogins.LoadOrStore(string(conf), fresh)
	if loaded {
		fresh.Destroy()
	}
	return cl.(*krb.Client), nil
}
