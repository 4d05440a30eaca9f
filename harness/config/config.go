// Package config renders the configuration of a haharness cluster from a
// topology: core-site.xml, hdfs-site.xml, yarn-site.xml, mapred-site.xml,
// capacity-scheduler.xml, workers, zoo.cfg, log4j.properties and
// hadoop-env.sh. Output is deterministic (keys sorted) and pure, so it is
// tested against golden files without Docker.
//
// The values follow the reference guide's configuration, ported to Hadoop 3,
// with timeouts shortened so failover tests run fast (see Timing). Callers
// override any key of any file with Overrides.
//
// Layering: imports only harness/topology.
package config

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness/topology"
)

// Paths inside a host container (the image contract, images/CONTRACT.md).
const (
	ConfDir        = "/opt/hadoop/etc/hadoop"
	HadoopHome     = "/opt/hadoop"
	LogDir         = "/var/log/hadoop"
	DataRoot       = "/home/hadoop"
	NameDir        = DataRoot + "/namenode/data"
	DataDir        = DataRoot + "/datanode/data"
	JournalDir     = DataRoot + "/journalnode/data"
	ZooKeeperDir   = DataRoot + "/zookeeper/data"
	TmpDir         = DataRoot + "/tmp"
	SSHPrivateKey  = "/root/.ssh/id_rsa"
	ExamplesJar    = HadoopHome + "/share/hadoop/mapreduce/hadoop-mapreduce-examples.jar"
	applicationCP  = ConfDir + "," + HadoopHome + "/share/hadoop/hdfs," + HadoopHome + "/share/hadoop/lib/*"
	proxyProvider  = "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider"
	zkStoreClass   = "org.apache.hadoop.yarn.server.resourcemanager.recovery.ZKRMStateStore"
	zkClientPort   = 2181
	nnRPCPort      = 8020
	nnHTTPPort     = 9870
	journalRPCPort = 8485
)

// Ports used by the daemons (Hadoop 3 defaults).
const (
	PortNameNodeRPC  = nnRPCPort
	PortNameNodeHTTP = nnHTTPPort
	PortDataNodeHTTP = 9864
	PortDataNodeData = 9866 // data transfer (dfs.datanode.address)
	PortDataNodeIPC  = 9867
	PortJournalRPC   = journalRPCPort
	PortJournalHTTP  = 8480
	PortZKFC         = 8019
	PortRMWeb        = 8088
	PortRMClient     = 8032 // yarn.resourcemanager.address
	PortRMAdmin      = 8033
	PortNMWeb        = 8042
	PortZooKeeper    = zkClientPort
	PortSSH          = 22 // sshd of every host (sshfence)

	PortZooKeeperQuorum   = 2888 // followers to the leader (zoo.cfg server.N)
	PortZooKeeperElection = 3888 // leader election (zoo.cfg server.N)
)

// ZooKeeperPorts are ZooKeeper's client, quorum and election ports: what
// a fault cuts to take a host out of the ensemble and its clients' reach.
func ZooKeeperPorts() []int {
	return []int{PortZooKeeper, PortZooKeeperQuorum, PortZooKeeperElection}
}

// ClientPorts are the ports of role r that a client outside the cluster
// network uses (RPC, data transfer, HTTP): the ports a host publishes.
func ClientPorts(r topology.Role) []int {
	switch r {
	case topology.ZooKeeper:
		return []int{PortZooKeeper}
	case topology.JournalNode:
		return []int{PortJournalRPC, PortJournalHTTP}
	case topology.NameNode:
		return []int{PortNameNodeRPC, PortNameNodeHTTP}
	case topology.ZKFC:
		return []int{PortZKFC}
	case topology.DataNode:
		return []int{PortDataNodeData, PortDataNodeIPC, PortDataNodeHTTP}
	case topology.ResourceManager:
		return []int{PortRMClient, PortRMAdmin, PortRMWeb}
	case topology.NodeManager:
		return []int{PortNMWeb}
	}
	return nil
}

// SSHFenceTimeoutSec bounds the default fence's ssh (connect included).
const SSHFenceTimeoutSec = 15

// SSHFenceCommand is the default fence: sshfence's kill, as a shell
// fence with a deadline. Hadoop gives a shell fence the old active's
// address as $target_host and $target_port, expanded here, before ssh.
var SSHFenceCommand = fmt.Sprintf("shell(timeout -k 2 %d ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=5 -i %s "+
	"$target_host \"fuser -v -k -n tcp $target_port\")", SSHFenceTimeoutSec, SSHPrivateKey)

// Fencing selects dfs.ha.fencing.methods.
type Fencing string

const (
	// FenceSSHThenShell is the default: what the guide's sshfence does — ssh
	// to the old active's host and kill what listens on its RPC port with
	// fuser — but as a shell fence with a deadline (SSHFenceTimeoutSec),
	// then shell(/bin/true) when that fails (a dead host), so failover
	// still happens; the JournalNodes' epochs are what really stops a
	// second writer. Hadoop's own sshfence (JSch 0.1.55) was seen blocked
	// forever on its ssh channel after the remote command had finished,
	// holding the election with no active NameNode.
	FenceSSHThenShell Fencing = "sshfence+shell"
	// FenceSSH is the guide's setting alone, Hadoop's sshfence: failover
	// waits until the old active's host answers ssh, so it never completes
	// while that host is down (and can block as FenceSSHThenShell says).
	FenceSSH Fencing = "sshfence"
	// FenceShell is shell(/bin/true) alone.
	FenceShell Fencing = "shell"
)

// Overrides maps a file name (core-site.xml, zoo.cfg...) to keys and values
// that replace or add to the rendered ones. An empty value removes the key.
type Overrides map[string]map[string]string

// Options are the inputs of Render besides the topology.
type Options struct {
	Fencing   Fencing
	Overrides Overrides
	// Addons are the add-ons' parts of the configuration, for the add-ons
	// the topology runs.
	Addons []Addon
}

// Addon is an add-on's part of the configuration (addon.Module.Config
// and its roles' heaps), rendered beside Hadoop's files.
type Addon struct {
	// Name is the add-on's, for errors.
	Name string
	// Files maps a file name to its properties: XML for a .xml name, Java
	// properties otherwise. Overrides may name them. A file Hadoop's
	// rendering has too (core-site.xml, hdfs-site.xml, zoo.cfg,
	// hadoop-env.sh...) gets these keys added or replaced, its others kept;
	// a key ending in + appends its value, after a space, to the key's
	// (HDFS_ZKFC_OPTS+: one more JVM option).
	Files map[string]map[string]string
	// Env are more hadoop-env.sh entries (the daemons' heap options).
	Env map[string]string
}

// Files is a rendered configuration directory: file name to contents.
type Files map[string][]byte

// Names returns the file names in order.
func (f Files) Names() []string { return slices.Sorted(maps.Keys(f)) }

// renderedFiles lists the files Render produces; Overrides must name one
// of them or of an add-on's (Options.Addons).
var renderedFiles = []string{
	"core-site.xml", "hdfs-site.xml", "yarn-site.xml", "mapred-site.xml",
	"capacity-scheduler.xml", "zoo.cfg", "log4j.properties", "hadoop-env.sh", "workers",
}

// Overridable lists the files Overrides may name: Hadoop's but workers,
// then the add-ons'.
func Overridable(addons []Addon) []string {
	out := slices.DeleteFunc(slices.Clone(renderedFiles), func(s string) bool { return s == "workers" })
	for _, a := range addons {
		for _, f := range slices.Sorted(maps.Keys(a.Files)) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

func (o Options) overridable() []string { return Overridable(o.Addons) }

// Validate checks options before anything is created.
func (o Options) Validate() error {
	switch o.Fencing {
	case "", FenceSSHThenShell, FenceSSH, FenceShell:
	default:
		return fmt.Errorf("unknown fencing %q: use %q, %q or %q", o.Fencing, FenceSSHThenShell, FenceSSH, FenceShell)
	}
	for name := range o.Overrides {
		if !slices.Contains(o.overridable(), name) {
			return fmt.Errorf("override of unknown config file %q: overridable files are %v (an add-on's files with the add-on on)",
				name, o.overridable())
		}
	}
	return nil
}

// Render produces the configuration shared by every host of t. Every host
// gets the same directory; a ZooKeeper server's myid is MyID.
func Render(t topology.Topology, o Options) (Files, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	t = t.WithDefaults()
	props := map[string]map[string]string{
		"core-site.xml":          coreSite(t),
		"hdfs-site.xml":          hdfsSite(t, o.Fencing),
		"yarn-site.xml":          yarnSite(t),
		"mapred-site.xml":        mapredSite(),
		"capacity-scheduler.xml": capacityScheduler(),
		"zoo.cfg":                zooCfg(t),
		"log4j.properties":       log4j(),
		"hadoop-env.sh":          hadoopEnv(t),
	}
	for _, a := range o.Addons {
		for file, kv := range a.Files {
			if props[file] == nil {
				props[file] = map[string]string{}
			}
			// One of Hadoop's files (or another add-on's): keys added or
			// replaced; a key ending in + appends its value to the key's.
			for k, v := range kv {
				if base, ok := strings.CutSuffix(k, "+"); ok {
					props[file][base] = strings.TrimSpace(props[file][base] + " " + v)
				} else {
					props[file][k] = v
				}
			}
		}
		maps.Copy(props["hadoop-env.sh"], a.Env)
	}
	for file, kv := range o.Overrides {
		if props[file] == nil {
			return nil, fmt.Errorf("override of %s: no add-on the cluster runs renders it: turn the add-on on or drop the override", file)
		}
		for k, v := range kv {
			if v == "" {
				delete(props[file], k)
			} else {
				props[file][k] = v
			}
		}
	}
	out := Files{}
	for file, kv := range props {
		switch {
		case strings.HasSuffix(file, ".xml"):
			out[file] = renderXML(kv)
		case strings.HasSuffix(file, ".yaml"):
			out[file] = renderYAML(kv)
		case file == "hadoop-env.sh":
			out[file] = renderEnv(kv)
		default:
			out[file] = renderProperties(kv)
		}
	}
	out["workers"] = []byte(strings.Join(t.On(topology.DataNode), "\n") + "\n")
	return out, nil
}

// MyID returns the contents of ZooKeeper's myid file for host h.
func MyID(t topology.Topology, h string) []byte {
	return []byte(fmt.Sprintf("%d\n", t.ZooKeeperID(h)))
}

func hostPorts(hosts []string, port int) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = fmt.Sprintf("%s:%d", h, port)
	}
	return out
}

func coreSite(t topology.Topology) map[string]string {
	return map[string]string{
		"fs.defaultFS":                                         "hdfs://" + t.Nameservice,
		"hadoop.tmp.dir":                                       TmpDir,
		"ha.zookeeper.quorum":                                  ZooKeeperQuorum(t),
		"ha.zookeeper.session-timeout.ms":                      fmt.Sprint(Timing.ZKSessionTimeoutMS),
		"ha.health-monitor.rpc-timeout.ms":                     fmt.Sprint(Timing.HealthRPCTimeoutMS),
		"ha.health-monitor.check-interval.ms":                  "1000",
		"ha.failover-controller.graceful-fence.rpc-timeout.ms": "3000",
		"ha.failover-controller.cli-check.rpc-timeout.ms":      "5000",
		"ha.failover-controller.new-active.rpc-timeout.ms":     "20000",
		"ipc.client.connect.timeout":                           "2000",
		"ipc.client.connect.max.retries":                       "2",
		"ipc.client.connect.retry.interval":                    "500",
		"ipc.client.connect.max.retries.on.timeouts":           "2",
		"hadoop.proxyuser.root.hosts":                          "*",
		"hadoop.proxyuser.root.groups":                         "*",
	}
}

func hdfsSite(t topology.Topology, f Fencing) map[string]string {
	ns := t.Nameservice
	nns := t.On(topology.NameNode)
	ids := make([]string, len(nns))
	p := map[string]string{
		"dfs.replication":                          fmt.Sprint(min(3, len(t.On(topology.DataNode)))),
		"dfs.namenode.name.dir":                    NameDir,
		"dfs.datanode.data.dir":                    DataDir,
		"dfs.journalnode.edits.dir":                JournalDir,
		"dfs.nameservices":                         ns,
		"dfs.namenode.shared.edits.dir":            "qjournal://" + strings.Join(hostPorts(t.On(topology.JournalNode), journalRPCPort), ";") + "/" + ns,
		"dfs.client.failover.proxy.provider." + ns: proxyProvider,
		"dfs.ha.automatic-failover.enabled":        "true",
		"dfs.ha.fencing.ssh.private-key-files":     SSHPrivateKey,
		"dfs.ha.fencing.ssh.connect-timeout":       "5000",
		// Before quitting the election a ZKFC fetches its unresponsive NameNode's
		// thread dump, waiting up to this long (Hadoop's default 20000 adds 20 s
		// to every frozen-NameNode failover).
		"dfs.ha.zkfc.nn.http.timeout.ms":                            "2000",
		"dfs.ha.tail-edits.period":                                  "2s",
		"dfs.ha.log-roll.period":                                    "30s",
		"dfs.heartbeat.interval":                                    "1",
		"dfs.namenode.heartbeat.recheck-interval":                   "10000",
		"dfs.namenode.safemode.extension":                           "1000",
		"dfs.namenode.resource.du.reserved":                         "10485760",
		"dfs.client.failover.sleep.base.millis":                     "200",
		"dfs.client.failover.sleep.max.millis":                      "2000",
		"dfs.client.failover.max.attempts":                          "30",
		"dfs.qjournal.write-txns.timeout.ms":                        fmt.Sprint(Timing.JournalWriteTimeoutMS),
		"dfs.namenode.handler.count":                                "10",
		"dfs.datanode.handler.count":                                "5",
		"dfs.permissions.superusergroup":                            "root",
		"dfs.client.block.write.replace-datanode-on-failure.policy": "NEVER",
	}
	for i, h := range nns {
		id := fmt.Sprintf("nn%d", i+1)
		ids[i] = id
		p[fmt.Sprintf("dfs.namenode.rpc-address.%s.%s", ns, id)] = fmt.Sprintf("%s:%d", h, nnRPCPort)
		p[fmt.Sprintf("dfs.namenode.http-address.%s.%s", ns, id)] = fmt.Sprintf("%s:%d", h, nnHTTPPort)
	}
	p["dfs.ha.namenodes."+ns] = strings.Join(ids, ",")
	switch f {
	case FenceSSH:
		p["dfs.ha.fencing.methods"] = "sshfence"
	case FenceShell:
		p["dfs.ha.fencing.methods"] = "shell(/bin/true)"
	default:
		p["dfs.ha.fencing.methods"] = SSHFenceCommand + "\nshell(/bin/true)"
	}
	return p
}

func yarnSite(t topology.Topology) map[string]string {
	rms := t.On(topology.ResourceManager)
	ids := make([]string, len(rms))
	p := map[string]string{
		"yarn.nodemanager.aux-services":       "mapreduce_shuffle",
		"yarn.log-aggregation-enable":         "true",
		"yarn.log-aggregation.retain-seconds": "86400",
		"yarn.resourcemanager.ha.enabled":     "true",
		"yarn.resourcemanager.cluster-id":     t.YARNClusterID,
		"hadoop.zk.address":                   strings.Join(hostPorts(t.On(topology.ZooKeeper), zkClientPort), ","),
		// The guide's key: Hadoop 3.5's embedded elector reads it, not hadoop.zk.address.
		"yarn.resourcemanager.zk-address":                                               strings.Join(hostPorts(t.On(topology.ZooKeeper), zkClientPort), ","),
		"hadoop.zk.timeout-ms":                                                          fmt.Sprint(Timing.ZKSessionTimeoutMS),
		"yarn.resourcemanager.recovery.enabled":                                         "true",
		"yarn.resourcemanager.store.class":                                              zkStoreClass,
		"yarn.resourcemanager.work-preserving-recovery.enabled":                         "true",
		"yarn.resourcemanager.connect.retry-interval.ms":                                "1000",
		"yarn.client.failover-sleep-base-ms":                                            "500",
		"yarn.client.failover-sleep-max-ms":                                             "2000",
		"yarn.nm.liveness-monitor.expiry-interval-ms":                                   "30000",
		"yarn.nodemanager.resource.memory-mb":                                           "3072",
		"yarn.nodemanager.resource.cpu-vcores":                                          "4",
		"yarn.scheduler.minimum-allocation-mb":                                          "128",
		"yarn.scheduler.maximum-allocation-mb":                                          "2048",
		"yarn.nodemanager.vmem-check-enabled":                                           "false",
		"yarn.nodemanager.pmem-check-enabled":                                           "false",
		"yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage": "99",
		"yarn.nodemanager.env-whitelist":                                                "JAVA_HOME,HADOOP_COMMON_HOME,HADOOP_HDFS_HOME,HADOOP_CONF_DIR,CLASSPATH_PREPEND_DISTCACHE,HADOOP_YARN_HOME,HADOOP_HOME,PATH,LANG,TZ,HADOOP_MAPRED_HOME",
		"yarn.application.classpath":                                                    applicationCP,
		"yarn.nodemanager.address":                                                      "${yarn.nodemanager.hostname}:8041",
	}
	for i, h := range rms {
		id := fmt.Sprintf("rm%d", i+1)
		ids[i] = id
		p["yarn.resourcemanager.hostname."+id] = h
		p["yarn.resourcemanager.webapp.address."+id] = fmt.Sprintf("%s:%d", h, PortRMWeb)
	}
	p["yarn.resourcemanager.ha.rm-ids"] = strings.Join(ids, ",")
	return p
}

func mapredSite() map[string]string {
	env := "HADOOP_MAPRED_HOME=" + HadoopHome
	return map[string]string{
		"mapreduce.framework.name":           "yarn",
		"mapreduce.application.classpath":    applicationCP,
		"yarn.app.mapreduce.am.env":          env,
		"mapreduce.map.env":                  env,
		"mapreduce.reduce.env":               env,
		"yarn.app.mapreduce.am.resource.mb":  "512",
		"yarn.app.mapreduce.am.command-opts": "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
		"mapreduce.map.memory.mb":            "384",
		"mapreduce.map.java.opts":            "-Xmx288m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
		"mapreduce.reduce.memory.mb":         "384",
		"mapreduce.reduce.java.opts":         "-Xmx288m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
	}
}

func capacityScheduler() map[string]string {
	return map[string]string{
		"yarn.scheduler.capacity.root.queues":                          "default",
		"yarn.scheduler.capacity.root.default.capacity":                "100",
		"yarn.scheduler.capacity.root.default.maximum-capacity":        "100",
		"yarn.scheduler.capacity.maximum-am-resource-percent":          "0.5",
		"yarn.scheduler.capacity.resource-calculator":                  "org.apache.hadoop.yarn.util.resource.DefaultResourceCalculator",
		"yarn.scheduler.capacity.root.default.acl_submit_applications": "*",
	}
}

func zooCfg(t topology.Topology) map[string]string {
	p := map[string]string{
		"tickTime":                  "1000",
		"initLimit":                 "10",
		"syncLimit":                 "5",
		"dataDir":                   ZooKeeperDir,
		"clientPort":                fmt.Sprint(zkClientPort),
		"4lw.commands.whitelist":    "srvr,mntr,ruok,stat,dump,cons",
		"admin.enableServer":        "false",
		"maxSessionTimeout":         "20000",
		"quorumListenOnAllIPs":      "true",
		"autopurge.purgeInterval":   "1",
		"autopurge.snapRetainCount": "3",
	}
	for i, h := range t.On(topology.ZooKeeper) {
		p[fmt.Sprintf("server.%d", i+1)] = fmt.Sprintf("%s:%d:%d", h, PortZooKeeperQuorum, PortZooKeeperElection)
	}
	return p
}

// AuditLogName is the NameNodes' HDFS audit log file in LogDir. Its lines
// start with the time in ISO 8601 with milliseconds and zone.
const AuditLogName = "hdfs-audit.log"

func log4j() map[string]string {
	return map[string]string{
		"hadoop.root.logger":                              "INFO,console",
		"hadoop.log.dir":                                  ".",
		"hadoop.log.file":                                 "hadoop.log",
		"log4j.rootLogger":                                "${hadoop.root.logger}",
		"log4j.threshold":                                 "ALL",
		"log4j.appender.NullAppender":                     "org.apache.log4j.varia.NullAppender",
		"log4j.appender.console":                          "org.apache.log4j.ConsoleAppender",
		"log4j.appender.console.target":                   "System.err",
		"log4j.appender.console.layout":                   "org.apache.log4j.PatternLayout",
		"log4j.appender.console.layout.ConversionPattern": "%d{ISO8601} %p %c{2}: %m%n",
		"log4j.appender.RFA":                              "org.apache.log4j.RollingFileAppender",
		"log4j.appender.RFA.File":                         "${hadoop.log.dir}/${hadoop.log.file}",
		"log4j.appender.RFA.MaxFileSize":                  "64MB",
		"log4j.appender.RFA.MaxBackupIndex":               "2",
		"log4j.appender.RFA.layout":                       "org.apache.log4j.PatternLayout",
		"log4j.appender.RFA.layout.ConversionPattern":     "%d{ISO8601} %p %c: %m%n",
		// The NameNodes' audit log: which NameNode served each client
		// operation, and when (invariant.KindServed, NoSplitBrainWrites).
		"hdfs.audit.logger": "INFO,NullAppender",
		"log4j.logger.org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit":     "${hdfs.audit.logger}",
		"log4j.additivity.org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit": "false",
		"log4j.appender.RFAAUDIT":                                       "org.apache.log4j.RollingFileAppender",
		"log4j.appender.RFAAUDIT.File":                                  "${hadoop.log.dir}/" + AuditLogName,
		"log4j.appender.RFAAUDIT.MaxFileSize":                           "64MB",
		"log4j.appender.RFAAUDIT.MaxBackupIndex":                        "2",
		"log4j.appender.RFAAUDIT.layout":                                "org.apache.log4j.PatternLayout",
		"log4j.appender.RFAAUDIT.layout.ConversionPattern":              "%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ} %m%n",
		"log4j.logger.org.apache.hadoop.util.NativeCodeLoader":          "ERROR",
		"log4j.logger.org.apache.hadoop.conf.Configuration.deprecation": "WARN",
	}
}

// Heap sizes per daemon, in MiB. EstimateMemoryMiB uses them.
var heapMiB = map[topology.Role]int{
	topology.ZooKeeper:       128,
	topology.JournalNode:     128,
	topology.NameNode:        384,
	topology.ZKFC:            96,
	topology.DataNode:        192,
	topology.ResourceManager: 384,
	topology.NodeManager:     256,
}

// jvmOverheadMiB is what a JVM uses beyond its heap (metaspace, code cache,
// threads), measured roughly on this harness's daemons.
const jvmOverheadMiB = 120

// jobMiB is what one MapReduce job of the e2e suite takes on YARN (an AM and
// two tasks).
const jobMiB = 1280

// EstimateMemoryMiB is the memory the cluster t needs to start and run one
// small MapReduce job. addonMiB is the heap of each add-on role's daemon
// and clientMiB the heaps of the add-ons' client JVMs.
func EstimateMemoryMiB(t topology.Topology, addonMiB map[topology.Role]int, clientMiB int) int {
	total := jobMiB
	if clientMiB > 0 {
		total += clientMiB + jvmOverheadMiB
	}
	for _, d := range t.Daemons() {
		total += heapMiB[d.Role] + addonMiB[d.Role] + jvmOverheadMiB
	}
	return total
}

func hadoopEnv(t topology.Topology) map[string]string {
	common := "-Djava.net.preferIPv4Stack=true -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:+ExitOnOutOfMemoryError"
	opts := func(r topology.Role) string { return fmt.Sprintf("-Xmx%dm", heapMiB[r]) }
	env := map[string]string{
		"JAVA_HOME":          "${JAVA_HOME:-/usr/lib/jvm/default-java-17}",
		"HADOOP_OPTS":        common,
		"HADOOP_CLIENT_OPTS": "-Xmx256m",
		// Only the NameNodes write the audit log (see log4j()).
		"HDFS_NAMENODE_OPTS":        opts(topology.NameNode) + " -Dhdfs.audit.logger=INFO,RFAAUDIT",
		"HDFS_DATANODE_OPTS":        opts(topology.DataNode),
		"HDFS_JOURNALNODE_OPTS":     opts(topology.JournalNode),
		"HDFS_ZKFC_OPTS":            opts(topology.ZKFC),
		"YARN_RESOURCEMANAGER_OPTS": opts(topology.ResourceManager),
		"YARN_NODEMANAGER_OPTS":     opts(topology.NodeManager),
		"ZOOKEEPER_SERVER_OPTS":     opts(topology.ZooKeeper) + " -Dzookeeper.jmx.log4j.disable=true",
		"HADOOP_LOG_DIR":            LogDir,
	}
	return env
}

type property struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

func renderXML(kv map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Rendered by haharness; overrides go through harness.WithConfig. -->\n<configuration>\n")
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		out, _ := xml.MarshalIndent(struct {
			XMLName xml.Name `xml:"property"`
			property
		}{property: property{Name: k, Value: kv[k]}}, "  ", "  ")
		b.Write(out)
		b.WriteByte('\n')
	}
	b.WriteString("</configuration>\n")
	return b.Bytes()
}

func renderProperties(kv map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString("# Rendered by haharness.\n")
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		fmt.Fprintf(&b, "%s=%s\n", k, kv[k])
	}
	return b.Bytes()
}

// renderYAML writes kv as flat YAML, one `key: 'value'` line each (a
// single-quoted scalar: any value is a string, a ' doubled), as a system
// whose configuration is a YAML file of keys takes it.
func renderYAML(kv map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString("# Rendered by haharness.\n")
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		fmt.Fprintf(&b, "%s: '%s'\n", k, strings.ReplaceAll(kv[k], "'", "''"))
	}
	return b.Bytes()
}

func renderEnv(kv map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString("# Rendered by haharness. Sourced by the launcher before each command.\n")
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		fmt.Fprintf(&b, "export %s=\"%s\"\n", k, kv[k])
	}
	return b.Bytes()
}

// ZooKeeperQuorum is the ensemble as clients name it: host:2181,... in
// topology order (ha.zookeeper.quorum; the add-ons' quorum settings).
func ZooKeeperQuorum(t topology.Topology) string {
	return strings.Join(hostPorts(t.On(topology.ZooKeeper), zkClientPort), ",")
}

// ParseXML reads a Hadoop configuration file (as Render writes them) into
// its properties; a property listed twice is an error.
func ParseXML(b []byte) (map[string]string, error) {
	var c struct {
		Properties []property `xml:"property"`
	}
	if err := xml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parse configuration XML: %w", err)
	}
	out := map[string]string{}
	for _, p := range c.Properties {
		if _, dup := out[p.Name]; dup {
			return nil, fmt.Errorf("parse configuration XML: property %s appears twice", p.Name)
		}
		out[p.Name] = p.Value
	}
	return out, nil
}
