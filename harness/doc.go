// Package harness is the haharness facade: Start brings up a real Apache
// Hadoop HA cluster in Docker — by default the reference guide's three hosts
// hadoop001..003 — runs the guide's init sequence with every step checked,
// and returns a *Cluster to observe it, run commands on it, inject faults
// into it, stop and restart it, and remove it.
//
// # Shape of a running cluster
//
// Each host is one container on the cluster's own bridge network, with the
// guide's host name, a static address, and every host's address written to
// /etc/hosts, so a killed host is "down", never "unknown host". Its PID 1 is
// tini running sshd (for sshfence); the daemons are started by the harness
// with an engine exec of `hdfs --daemon start namenode` and so on, each its
// own JVM marked -Dproc_<daemon>. So one daemon can be killed or frozen
// (SIGKILL, SIGSTOP) while its neighbours — a NameNode's ZKFC, say — go on,
// and a whole host can be killed, stopped or frozen (the engine's kill,
// stop, pause) with all its daemons. Networks take a free /24 in
// 172.29.0.0/16 and names are prefixed hh-NAME-, so clusters with different
// names run side by side.
//
// # Engines and addresses
//
// The engine is found as testcontainers-go finds it (DOCKER_HOST, the Docker
// context, ~/.testcontainers.properties, the default, rootless and Podman
// sockets) and driven through the Engine API (package docker). The test
// process never dials a container address: on Docker Desktop, Colima,
// Podman machines and remote engines they are not routable. Every host
// publishes its daemons' client ports at ephemeral host ports (127.0.0.1 for
// a local engine); Addr, DialContext, the HDFS and ZooKeeper clients, every
// probe and WebUIs go through them. Containers of your own reach the hosts
// by name on Network().
//
// # Init sequence (the guide's §5)
//
// ZooKeeper ensemble with a leader → all JournalNodes listening (formatting
// needs every one) → `hdfs namenode -format -nonInteractive` on nn1 → start
// nn1 → `hdfs namenode -bootstrapStandby -nonInteractive` on the other
// NameNodes → `hdfs zkfc -formatZK -nonInteractive` once → the other
// NameNodes, every ZKFC and DataNode (until one NameNode is active) → both
// ResourceManagers and every NodeManager → HA ready (Status.Ready). Each step
// is logged with its duration (Steps). A failed step returns an error naming
// it with the daemon's last log lines, and everything created is removed.
// Stop and Restart are the guide's §7: no format, data and HA state kept.
//
// # Cleanup
//
// Every container and network carries labels naming its cluster and the
// process that created it. Destroy removes a cluster; harnesstest registers
// it with t.Cleanup. GC removes clusters whose creating process is gone (a
// test killed with SIGKILL); the e2e suite's TestMain and `haharness gc` run
// it. WithDetached clusters (the CLI's `up`) are kept until `haharness down`.
//
// Layering: harness imports topology, config, docker, observe, fault, images
// and internal/poll; only harnesstest and tests import testing.
package harness
