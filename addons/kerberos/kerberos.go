// Package kerberos is the Kerberos add-on: the guide's HA cluster with
// security on, as production runs Hadoop. A KDC of the cluster's own (role
// kdc, on a host of its own named kdc: Apache Kerby's KDC, the one Hadoop's
// MiniKdc runs, as a daemon of the cluster, image/Kdc.java) serves the realm
// HAHARNESS.TEST; every daemon logs in from its host's keytab as
// SERVICE/HOST (nn, jn, dn, rm, nm, HTTP, zookeeper); RPC needs Kerberos
// and service authorization (hadoop.rpc.protection authentication, or
// integrity or privacy through --set), HDFS hands out block access tokens,
// the DataNodes' data transfer is SASL-protected, ZooKeeper authenticates
// its clients with SASL and the ZKFCs' lock and the ResourceManagers' state
// store carry SASL ACLs; the daemons run as hdfs and yarn. Start a cluster
// with it with harness.WithAddons("kerberos") or `haharness up --with
// kerberos`.
//
// The keys are derived from passwords that are derived from the
// principals' names (Password): the KDC derives its keys at every start,
// the harness renders the same keys into the hosts' keytabs (Keytab), so a
// KDC started again, a warm start and the test process all agree with
// nothing stored. It is a test realm: its secrets are public.
package kerberos

import (
	"context"
	"embed"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// Name is the add-on's name (WithAddons, --with, cluster.addons).
const Name = "kerberos"

// KDC is the KDC's role, and KDCHost the host the add-on adds for it.
const (
	KDC     topology.Role = "kdc"
	KDCHost               = "kdc"
)

// PortKDC is the KDC's port (TCP; Kerberos's own).
const PortKDC = 88

// Files are the add-on's scenario files (files/*.yaml).
//
//go:embed files/*.yaml
var Files embed.FS

// Module is the Kerberos add-on.
func Module() addon.Module {
	return addon.Module{
		Name: Name, Title: "Kerberos", Variant: true,
		Summary: "the cluster secured: a KDC of its own, every daemon logging in from its keytab, SASL on RPC, data transfer and ZooKeeper, SASL ACLs on the HA znodes, daemons as hdfs and yarn",
		Roles: []addon.Role{{Role: KDC, Launcher: "kdc", Sub: "server", Class: "Kdc",
			Ports: []int{PortKDC}, HeapMiB: 192, HeapEnv: "KDC_SERVER_OPTS"}},
		Place:    Place,
		Validate: validate,
		Config: func(topology.Topology) map[string]map[string]string {
			return hadoopKeys()
		},
		HostFiles:     hostFiles,
		Image:         image(),
		StartFirst:    startFirst,
		HDFSClient:    hdfsClient,
		WebAuth:       webAuth,
		ZooKeeperAuth: func() (string, []byte) { return "digest", zooKeeperReaderAuth() },
		Status:        readStatus,
		Check:         check,
		Commands:      commands(),
		Selectors:     selectors(),
		Workload:      workload(),
		Scenarios:     Files,
		// The KDC outage and the two failovers secured; the other
		// files run in make test-long.
		SmokeScenario: "kerberos-kill-active-namenode",
	}
}

// Place returns t with the KDC on a host of its own, kdc, unless t places
// it already. A copy: t is not changed.
func Place(t topology.Topology) topology.Topology {
	if len(t.On(KDC)) > 0 || len(t.Hosts) == 0 {
		return t
	}
	t = t.Clone()
	if !slices.Contains(t.Hosts, KDCHost) {
		t.Hosts = append(t.Hosts, KDCHost)
	}
	t.Roles[KDC] = []string{KDCHost}
	return t
}

func validate(t topology.Topology) []string {
	if n := len(t.On(KDC)); n != 1 {
		return []string{fmt.Sprintf("Kerberos wants exactly 1 %s host; got %d", KDC, n)}
	}
	return nil
}

// startFirst starts the KDC and waits until it answers, and gives the
// daemons' users their data directories (a warm start restores them as
// root's), before any of Hadoop's daemons starts.
func startFirst(ctx context.Context, c addon.Cluster) error {
	t := c.Topology()
	kdc := t.On(KDC)[0]
	fns := []func(context.Context) error{func(ctx context.Context) error {
		if err := c.StartDaemons(ctx, KDC, kdc); err != nil {
			return err
		}
		return poll.Until(ctx, "kdc on "+kdc+" answering", 0, func(ctx context.Context) (bool, string, error) {
			if err := c.Alive(ctx, KDC, kdc); err != nil {
				return false, "", poll.Permanent(err)
			}
			up, state := kdcAnswers(ctx, c)
			return up, state, nil
		})
	}}
	for _, h := range t.Hosts {
		if h == kdc {
			continue
		}
		fns = append(fns, func(ctx context.Context) error {
			_, err := addon.MustShell(ctx, c, h, "cd /home/hadoop && for d in namenode datanode journalnode; do [ -d $d ] && chown -R "+
				UserHDFS+":hadoop $d; done; true")
			return err
		})
	}
	return addon.Parallel(ctx, fns...)
}

// kdcAnswers reports whether the KDC accepts a connection on its port.
func kdcAnswers(ctx context.Context, c addon.Cluster) (bool, string) {
	kdc := c.Topology().On(KDC)
	if len(kdc) == 0 {
		return false, "no kdc placed"
	}
	conn, err := c.DialContext(ctx, "tcp", net.JoinHostPort(kdc[0], fmt.Sprint(PortKDC)))
	if err != nil {
		return false, "not answering: " + strings.TrimSpace(err.Error())
	}
	conn.Close()
	return true, "answering"
}
