// Package harness is the haharness facade: Start brings up a real Apache
// Hadoop HA cluster in Docker — by default the reference guide's three hosts
// hadoop001..003 — runs the guide's init sequence with every step checked,
// and returns a *Cluster to observe it, run commands on it, inject faults
// into it, stop and restart it, and remove it.
//
// # The API by job
//
// The methods of *Cluster fall into five groups, each also an interface of
// the same name that a consumer can take (a test's helper that only injects
// takes Faults), or narrow further where it is used:
//
// Identity — what the cluster is, without asking the engine: Name,
// Topology, Image, Config (the rendered files), Container (a host's
// container name) and IP (a host's address on the cluster network).
//
// Clients — how a test reaches the cluster: HDFS (a client of
// hdfs://NAMESERVICE, through every NameNode, the active first, skipping for
// NameNodeQuarantine one whose connection timed out), HDFSOn (pinned to one
// NameNode), ZooKeeper, Addr (a host port as this process reaches it),
// DialContext (the dialer behind every client the harness makes), WebUIs,
// and Network for containers of your own. The add-ons (WithAddons,
// addons.go) are modules of addons/, each with its own clients, which
// take the *Cluster.
//
// Views — reading state, never changing it: Status and the waits on it
// (WaitReady, WaitNameNodeActive, WaitZooKeeperQuorum), Applications
// (YARN's, with the attempts of those running), ProbeHA (one
// daemon, a failed probe classified as down, frozen or unknown), HostStates
// and HostState (engine states), Processes (the jps view), Logs,
// AuditRecords (what a NameNode served), Events and Steps (the history and
// the init steps), MemoryMiB and CPUSeconds, and DumpArtifacts (logs, configs, a ZooKeeper
// dump, status, jps and events written to a directory, to debug a failed
// run).
//
// Operations — what an operator does that is not a fault: Exec and Shell on
// a host, StartDaemon and StopDaemon, Stop and Restart of the whole cluster,
// and Destroy.
//
// Faults — the fault lifecycle: Resolve (a selector to daemons, against
// the state now), Inject (returns an *Injection, the one fault in effect,
// which Injection.Heal undoes), Active (the faults in effect), HostAction
// (an engine action on a host), Heal and HealAll (back to HA ready whatever
// was done, by whom), Reset (Heal, then the wanted NameNode and
// ResourceManager active and HDFS emptied: a clean start for the next test
// on a shared cluster), and FaultResidue (what faults left inside a host).
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
// The engine is found as testcontainers-go finds it (DOCKER_HOST,
// ~/.testcontainers.properties, the default and rootless Docker sockets)
// and driven through the Engine API (package docker). The test
// process never dials a container address: on Docker Desktop, Colima,
// Podman machines and remote engines they are not routable. Every host
// publishes its daemons' client ports at ephemeral host ports (127.0.0.1 for
// a local engine); Addr, DialContext, the HDFS and ZooKeeper clients, every
// probe and WebUIs go through them; a host started again announces its
// address first (docker.AnnounceCommand), or Podman's published ports would
// forward to its old MAC address. Containers of your own reach the hosts by
// name on Network().
//
// # Init sequence (the guide's §5)
//
// The guide's steps, each checked, each waiting only for what it needs, so
// independent ones run at once: the ZooKeeper ensemble with a leader →
// `hdfs zkfc -formatZK -nonInteractive` once → the first ResourceManager
// and every NodeManager, the others once it is active; beside it, all
// JournalNodes listening (formatting needs every one) → `hdfs namenode
// -format -nonInteractive` on nn1 → the DataNodes, and nn1 → `hdfs namenode
// -bootstrapStandby -nonInteractive` on the other NameNodes; then the other
// NameNodes and every ZKFC (until one NameNode is active) → HA ready
// (Status.Ready). Each step is logged with its duration (Steps). A failed
// step returns an error naming it with the daemon's last log lines, and
// everything created is removed. Stop and Restart are the guide's §7: no
// format, data and HA state kept, every daemon started as soon as what it
// needs answers.
//
// # Warm starts
//
// The first start of a configuration (image, topology, every rendered file:
// SnapshotKey) keeps what the format steps wrote — nn1's and the standbys'
// name directories, the JournalNodes' and ZooKeeper's data with the HA
// znode — as a snapshot image (SnapshotRepo:KEY, built in the background
// while the start goes on). Every later start of it creates its hosts from
// that image, restores each host's part and starts every daemon as the
// guide's second start does: no format, no bootstrapStandby, no formatZK.
// The cluster is otherwise new (its own containers, network, DataNode
// storage, logs). WithFreshInit (or HAHARNESS_FRESH=1) runs the whole
// sequence and saves nothing; ListSnapshots and GCSnapshots list and remove
// snapshots (`haharness ls --snapshots`, `haharness gc --snapshots`).
//
// # Cleanup
//
// Every container and network carries labels naming its cluster, the
// process that owns it and the process that created it. Destroy removes a
// cluster; harnesstest registers it with t.Cleanup, and removes a test
// binary's clusters just before go test's -timeout ends it. GC removes
// clusters whose owner is gone (a test killed with SIGKILL), and detached
// ones whose creator died before Start completed (every host gets a marker
// file when it does); the first Start of each process, the e2e suite's
// TestMain and `haharness gc` run it. WithDetached clusters (the CLI's
// `up`) are otherwise kept until `haharness down`.
//
// # Heal
//
// Heal is the one way back to HA ready, for the API and the CLI alike:
// each round it undoes this handle's injections, unpauses and starts hosts,
// clears what faults leave inside a host whoever injected them
// (fault.Clear: frozen JVMs, the HH-FAULT and HH-DEGRADE chains, netem),
// starts every daemon that is not running (HealRestartLimit times at most),
// kills a second active the election lock does not name after
// StaleActiveGrace, and checks Status.Ready, until ctx ends. An injection
// whose own undo failed stays Active and is retried.
//
// Layering: harness imports topology, config, docker, observe, fault, images
// and internal/poll; only harnesstest and tests import testing.
package harness
