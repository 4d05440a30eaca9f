package flink

import (
	"fmt"
	"strings"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
)

// The files of FLINK_CONF_DIR (ConfDir), relative to the configuration
// directory: config.yaml, the log4j2 file the client ships to the YARN
// containers (and the HistoryServer logs with), and the client's own.
const (
	ConfigFile = "flink/config.yaml"
	Log4jFile  = "flink/log4j.properties"
	Log4jCLI   = "flink/log4j-cli.properties"
)

// javaOpens is env.java.opts.all: the JDK 17 module openings flink-dist's
// default config.yaml sets (Flink's own scripts pass them to every JVM).
var javaOpens = []string{
	"--add-exports=java.base/sun.net.util=ALL-UNNAMED", "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
	"--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED", "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
	"--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED", "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
	"--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED", "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
	"--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
	"--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
	"--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
	"--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
	"--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
}

// Settings is config.yaml: every job is an application cluster on YARN
// with lib/ from HDFS, ZooKeeper HA (under /flink/<application id>) with
// its data, checkpoints (every CheckpointInterval, exactly once, retained)
// and the finished jobs' archives on the nameservice, a fixed-delay restart
// of failed tasks, ProcessMiB for the JobManager and each TaskManager, and
// its JVMs marked with -Dproc_ as the daemons are (the harness's faults find
// them by it).
func Settings(t topology.Topology) map[string]string {
	fs := "hdfs://" + t.Nameservice
	mem := fmt.Sprintf("%dm", ProcessMiB)
	return map[string]string{
		"env.java.opts.all":         strings.Join(javaOpens, " "),
		"env.java.opts.jobmanager":  "-Dproc_" + string(JobManager),
		"env.java.opts.taskmanager": "-Dproc_" + string(TaskManager),

		"jobmanager.memory.process.size":  mem,
		"taskmanager.memory.process.size": mem,
		"taskmanager.numberOfTaskSlots":   "1",
		"parallelism.default":             fmt.Sprint(Parallelism),

		"high-availability.type":                             "zookeeper",
		"high-availability.storageDir":                       fs + HADir,
		"high-availability.zookeeper.quorum":                 config.ZooKeeperQuorum(t),
		"high-availability.zookeeper.path.root":              "/flink",
		"high-availability.zookeeper.client.session-timeout": fmt.Sprint(ZKSessionTimeout.Milliseconds()),
		"zookeeper.sasl.disable":                             "true",

		"yarn.application-attempts": fmt.Sprint(MaxAttempts),
		"yarn.provided.lib.dirs":    fs + LibHDFS,
		"yarn.application.name":     "haharness-flink",

		"state.backend.type":                                        "hashmap",
		"execution.checkpointing.interval":                          fmt.Sprintf("%ds", int(CheckpointInterval.Seconds())),
		"execution.checkpointing.mode":                              "EXACTLY_ONCE",
		"execution.checkpointing.dir":                               fs + CheckpointDir,
		"execution.checkpointing.num-retained":                      "3",
		"execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",

		"restart-strategy.type":                 "fixed-delay",
		"restart-strategy.fixed-delay.attempts": "100",
		"restart-strategy.fixed-delay.delay":    "2s",

		"rest.port":      fmt.Sprint(PortREST),
		"rest.bind-port": fmt.Sprintf("%d-%d", PortREST, PortREST+18),

		"jobmanager.archive.fs.dir":                 fs + ArchiveDir,
		"historyserver.archive.fs.dir":              fs + ArchiveDir,
		"historyserver.archive.fs.refresh-interval": "2s",
		"historyserver.web.address":                 "0.0.0.0",
		"historyserver.web.port":                    fmt.Sprint(PortHistoryWeb),
	}
}

// log4j2 is the log4j2 file of the YARN containers and the HistoryServer:
// the file ${sys:log.file} names (the container's log directory, YARN
// aggregates it; the HistoryServer's log beside the daemons').
func log4j2() map[string]string {
	return map[string]string{
		"monitorInterval":                  "30",
		"rootLogger.level":                 "INFO",
		"rootLogger.appenderRef.file.ref":  "MainAppender",
		"logger.hadoop.name":               "org.apache.hadoop",
		"logger.hadoop.level":              "WARN",
		"logger.pekko.name":                "org.apache.pekko",
		"logger.pekko.level":               "WARN",
		"logger.zookeeper.name":            "org.apache.flink.shaded.zookeeper3",
		"logger.zookeeper.level":           "WARN",
		"logger.curator.name":              "org.apache.flink.shaded.curator5",
		"logger.curator.level":             "WARN",
		"appender.main.name":               "MainAppender",
		"appender.main.type":               "RollingFile",
		"appender.main.append":             "true",
		"appender.main.fileName":           "${sys:log.file}",
		"appender.main.filePattern":        "${sys:log.file}.%i",
		"appender.main.layout.type":        "PatternLayout",
		"appender.main.layout.pattern":     "%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
		"appender.main.policies.type":      "Policies",
		"appender.main.policies.size.type": "SizeBasedTriggeringPolicy",
		"appender.main.policies.size.size": "64MB",
		"appender.main.strategy.type":      "DefaultRolloverStrategy",
		"appender.main.strategy.max":       "2",
	}
}

// log4j2CLI is the client's: warnings and what the client says of the
// deployment (the application id, the JobManager's address) to stderr.
func log4j2CLI() map[string]string {
	return map[string]string{
		"rootLogger.level":                   "INFO",
		"rootLogger.appenderRef.console.ref": "ConsoleAppender",
		"appender.console.name":              "ConsoleAppender",
		"appender.console.type":              "CONSOLE",
		"appender.console.target":            "SYSTEM_ERR",
		"appender.console.layout.type":       "PatternLayout",
		"appender.console.layout.pattern":    "%d{HH:mm:ss,SSS} %-5p %-40c{1} - %m%n",
		"logger.hadoop.name":                 "org.apache.hadoop",
		"logger.hadoop.level":                "WARN",
		"logger.zk.name":                     "org.apache.flink.shaded.zookeeper3",
		"logger.zk.level":                    "WARN",
		"logger.curator.name":                "org.apache.flink.shaded.curator5",
		"logger.curator.level":               "WARN",
		"logger.conf.name":                   "org.apache.flink.configuration.GlobalConfiguration",
		"logger.conf.level":                  "WARN",
		"logger.cli.name":                    "org.apache.flink.client.cli.CliFrontend",
		"logger.cli.level":                   "WARN",
	}
}

// confFiles are FLINK_CONF_DIR's files (Module.Config: the core writes a
// .yaml file as flat YAML, and users may override its keys as any
// other's: WithConfig, --set flink/config.yaml:KEY=VALUE).
func confFiles(t topology.Topology) map[string]map[string]string {
	return map[string]map[string]string{ConfigFile: Settings(t), Log4jFile: log4j2(), Log4jCLI: log4j2CLI()}
}
