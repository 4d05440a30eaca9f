package spark

import (
	"fmt"

	"github.com/haharness/haharness/harness/topology"
)

// defaults is spark-defaults.conf: every job runs on YARN with its jars
// from the archive on HDFS, logs its events for the History Server, gets
// the memory of HeapMiB and ExecutorInstances executors, and marks its
// JVMs with -Dproc_ as the daemons are (the harness's faults find them by
// it).
func defaults(t topology.Topology) map[string]string {
	fs := "hdfs://" + t.Nameservice
	heap := fmt.Sprintf("%dm", HeapMiB)
	return map[string]string{
		"spark.master":                     "yarn",
		"spark.submit.deployMode":          "cluster",
		"spark.yarn.archive":               fs + ArchiveHDFS,
		"spark.eventLog.enabled":           "true",
		"spark.eventLog.dir":               fs + EventLogDir,
		"spark.history.fs.logDirectory":    fs + EventLogDir,
		"spark.history.fs.update.interval": "2s",
		"spark.history.ui.port":            fmt.Sprint(PortHistoryWeb),
		"spark.driver.memory":              heap,
		"spark.yarn.am.memory":             heap,
		"spark.executor.memory":            heap,
		"spark.executor.instances":         fmt.Sprint(ExecutorInstances),
		"spark.executor.cores":             "1",
		"spark.yarn.maxAppAttempts":        fmt.Sprint(MaxAttempts),
		"spark.yarn.report.interval":       "1s",
		"spark.sql.shuffle.partitions":     "4",
		"spark.ui.showConsoleProgress":     "false",
		// In cluster deploy mode the driver runs in the AM's JVM: marked
		// as both. spark.yarn.am.extraJavaOptions is the AM of client mode.
		"spark.driver.extraJavaOptions":   "-Dproc_" + string(Driver) + " -Dproc_" + string(AM),
		"spark.yarn.am.extraJavaOptions":  "-Dproc_" + string(AM),
		"spark.executor.extraJavaOptions": "-Dproc_" + string(Executor),
	}
}

// log4j2 is spark-log4j2.properties: the History Server logs to the file
// the launcher names, as Hadoop's daemons do; spark-submit and a
// client-mode driver log to stderr.
func log4j2() map[string]string {
	pattern := "%d{ISO8601} %p %c: %m%n"
	return map[string]string{
		"status":                          "warn",
		"name":                            "haharness",
		"appender.console.type":           "Console",
		"appender.console.name":           "console",
		"appender.console.target":         "SYSTEM_ERR",
		"appender.console.layout.type":    "PatternLayout",
		"appender.console.layout.pattern": pattern,
		"appender.RFA.type":               "RollingFile",
		"appender.RFA.name":               "RFA",
		"appender.RFA.fileName":           "${sys:hadoop.log.dir}/${sys:hadoop.log.file}",
		"appender.RFA.filePattern":        "${sys:hadoop.log.dir}/${sys:hadoop.log.file}.%i",
		"appender.RFA.layout.type":        "PatternLayout",
		"appender.RFA.layout.pattern":     pattern,
		"appender.RFA.policies.type":      "Policies",
		"appender.RFA.policies.size.type": "SizeBasedTriggeringPolicy",
		"appender.RFA.policies.size.size": "64MB",
		"appender.RFA.strategy.type":      "DefaultRolloverStrategy",
		"appender.RFA.strategy.max":       "2",
		"rootLogger":                      "${sys:hadoop.root.logger:-INFO,console}",
		"logger.hadoop.name":              "org.apache.hadoop",
		"logger.hadoop.level":             "WARN",
		"logger.jetty.name":               "org.sparkproject.jetty",
		"logger.jetty.level":              "WARN",
	}
}
