// Package hbase is the Apache HBase add-on: two HMasters (an active and a
// backup, elected through /hbase/master on the cluster's ZooKeeper
// ensemble), a RegionServer on every DataNode host, hbase.rootdir on
// hdfs://mycluster through the HA proxy provider. Start a cluster with it
// with harness.WithAddons("hbase") or `haharness up --with hbase`.
//
// The module (Module) is everything the core needs: roles and placement,
// hbase-site.xml, the image layer (HBase's jars from Maven Central and the
// harness's Java client, image/), the start (the first master, then the
// backups once it is active), its Status section, the selectors
// active-hmaster, backup-hmaster and regionserver-with-meta, the history
// lanes, and the workload of scenario files (puts read back, workload.go).
// Client runs HBase's own Java client on a cluster host.
package hbase

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"time"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/poll"
)

// Name is the add-on's name (WithAddons, --with, cluster.addons).
const Name = "hbase"

// The roles of HBase.
const (
	HMaster      topology.Role = "hmaster"
	RegionServer topology.Role = "regionserver"
)

// Ports (HBase's defaults).
const (
	PortMasterRPC       = 16000
	PortMasterWeb       = 16010
	PortRegionServerRPC = 16020
	PortRegionServerWeb = 16030
)

// Paths and files: the daemons read SiteFile beside core-site.xml and
// hdfs-site.xml (so hbase.rootdir's hdfs://mycluster resolves through the
// HA proxy provider), and log with log4j2 (HBase 2.5+) from Log4j2File to
// config.LogDir/hadoop-root-<role>-<host>.log like every daemon.
const (
	SiteFile   = "hbase-site.xml"
	Log4j2File = "hbase-log4j2.properties"
	RootDir    = "/hbase"
	ZNode      = "/hbase"
	TmpDir     = config.DataRoot + "/hbase/tmp"
)

// SessionTimeoutMS is zookeeper.session.timeout of the HBase daemons: how
// long a killed RegionServer or active HMaster keeps its znode, so how long
// before the master reassigns its regions or the backup master takes over.
// HBase's default is 90000.
const SessionTimeoutMS = 10000

// FailoverBound is the longest an HMaster failover may take: the session
// timeout, then the backup's start as active.
func FailoverBound() time.Duration { return SessionTimeoutMS*time.Millisecond + 20*time.Second }

// CheckTable is the table the start's check writes to.
const CheckTable = "haharness_check"

// DefaultVersion is the HBase release the image carries: the newest 2.6
// on Maven Central (its -hadoop3 build).
const DefaultVersion = "2.6.4"

// clientMiB is the heap of the HBase client JVM (Client) on a host.
const clientMiB = 256

// Files are the add-on's scenario files (files/*.yaml).
//
//go:embed files/*.yaml
var Files embed.FS

// Module is the HBase add-on.
func Module() addon.Module {
	return addon.Module{
		Name: Name, Title: "HBase",
		Summary: "Apache HBase in HA: two HMasters, a RegionServer per DataNode host, its root on hdfs://mycluster",
		Roles: []addon.Role{
			{Role: HMaster, Launcher: "hbase", Sub: "master", Class: "HMaster", Ports: []int{PortMasterRPC, PortMasterWeb},
				WebPort: PortMasterWeb, HeapMiB: 256, HeapEnv: "HBASE_MASTER_OPTS", HA: true, Probe: ProbeMaster},
			{Role: RegionServer, Launcher: "hbase", Sub: "regionserver", Class: "HRegionServer",
				Ports: []int{PortRegionServerRPC, PortRegionServerWeb}, WebPort: PortRegionServerWeb, HeapMiB: 512, HeapEnv: "HBASE_REGIONSERVER_OPTS"},
		},
		Place:    Place,
		Validate: validate,
		Config: func(t topology.Topology) map[string]map[string]string {
			return map[string]map[string]string{SiteFile: site(t), Log4j2File: log4j2()}
		},
		ClientMiB: clientMiB,
		Image:     image(DefaultVersion),
		Start:     start,
		Check: func(ctx context.Context, c addon.Cluster) error {
			h, err := NewClient(c, "")
			if err != nil {
				return err
			}
			return h.Check(ctx, CheckTable)
		},
		Status: readStatus,
		// HBase's root directory is the running HBase's own state, not a
		// test's data: deleting it under the RegionServers kills them.
		Keep:      []string{RootDir},
		Selectors: selectors(),
		Lanes:     lanes,
		Workload:  workload(),
		Scenarios: Files,
	}
}

// Place returns t with HBase placed unless t places an HBase role already:
// two HMasters, on the first host and the last (the hosts without a
// ResourceManager and without nn2 in the guide's preset), and a
// RegionServer on every DataNode host. A copy: t is not changed.
func Place(t topology.Topology) topology.Topology {
	if len(t.On(HMaster)) > 0 || len(t.On(RegionServer)) > 0 || len(t.Hosts) == 0 {
		return t
	}
	t = t.Clone()
	masters := []string{t.Hosts[0]}
	if len(t.Hosts) > 1 {
		masters = append(masters, t.Hosts[len(t.Hosts)-1])
	}
	t.Roles[HMaster] = masters
	t.Roles[RegionServer] = slices.Clone(t.Roles[topology.DataNode])
	return t
}

func validate(t topology.Topology) []string {
	var bad []string
	if m := len(t.On(HMaster)); m < 2 {
		bad = append(bad, fmt.Sprintf("HBase HA needs at least 2 hmasters (an active and a backup); got %d", m))
	}
	if len(t.On(RegionServer)) < 1 {
		bad = append(bad, "HBase needs at least 1 regionserver; got 0")
	}
	return bad
}

// start starts the first HMaster and the RegionServers, waits until that
// master is active, then starts the backups, so the first master leads as
// nn1 and rm1 do.
func start(ctx context.Context, c addon.Cluster) error {
	t := c.Topology()
	masters := t.On(HMaster)
	err := addon.Parallel(ctx,
		func(ctx context.Context) error { return c.StartDaemons(ctx, HMaster, masters[0]) },
		func(ctx context.Context) error { return c.StartDaemons(ctx, RegionServer, t.On(RegionServer)...) })
	if err != nil {
		return err
	}
	err = poll.Until(ctx, "hmaster on "+masters[0]+" active", 0, func(ctx context.Context) (bool, string, error) {
		st, err := ReadMaster(ctx, c.Addr(masters[0], PortMasterWeb))
		if aerr := c.Alive(ctx, HMaster, masters[0]); aerr != nil {
			return false, "", poll.Permanent(aerr)
		}
		if err != nil {
			return false, "not answering", nil
		}
		return st.Active, fmt.Sprintf("active=%v", st.Active), nil
	})
	if err != nil {
		return err
	}
	return c.StartDaemons(ctx, HMaster, masters[1:]...)
}

// ProbeMaster classifies an HMaster as observe's probes do a NameNode:
// active when its JMX claims it (tag.isActiveMaster), else standby (a
// backup, or a master still starting); down or unknown when it does not
// answer.
func ProbeMaster(ctx context.Context, httpAddr string) (observe.HAState, error) {
	st, err := ReadMaster(ctx, httpAddr)
	if err != nil {
		return observe.NoAnswer(err)
	}
	if st.Active {
		return observe.HAState{State: observe.StateActive, Raw: "active"}, nil
	}
	return observe.HAState{State: observe.StateStandby, Raw: "backup"}, nil
}
