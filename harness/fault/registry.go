package fault

import (
	"math/rand/v2"

	"github.com/haharness/haharness/harness/config"
)

// Registry returns the fault kinds, one Kind each, in the order catalogues
// list them. It builds them anew on each call: there is no registration
// and nothing to mutate. Scenario files (their schema, validation and
// items), the CLI's fault commands and the soak's nemesis all read it.
func Registry() []Kind {
	return []Kind{
		{
			Name: KindKillDaemon, Doc: "signal one daemon's JVM (KILL or TERM); heal starts it again",
			Params: []Param{
				target("the daemon(s): HOST/ROLE or a named selector such as active-namenode"),
				{Name: "signal", Type: TypeSignal, Enum: []string{"KILL", "TERM"}, Default: "KILL",
					Doc: "`signal` for a daemon's JVM: KILL or TERM (a HOST selector is always killed)"},
			},
			Command: &Command{Name: "kill", Args: "[--signal KILL|TERM] SELECTOR", Help: "kill a daemon's JVM, or a whole host (power loss)",
				Positional: []string{"target"}, Missing: "SELECTOR (e.g. active-namenode, hadoop001/namenode, hadoop001)",
				Flags: []string{"signal"}, Targets: DaemonTargets},
			Nemesis: []Aim{
				aim("kill-daemon active-namenode", TakesActiveNameNode, ActiveNameNode),
				aim("kill-daemon standby-namenode", TakesStandbyNameNode, StandbyNameNode),
				aim("kill-daemon journalnode-minority", TakesQuorumMember, JournalNodeMinority),
				aim("kill-daemon zookeeper-leader", TakesQuorumMember, ZooKeeperLeader),
				aim("kill-daemon active-resourcemanager", TakesActiveResourceManager, ActiveResourceManager),
			},
			Build: func(v Values) Fault { return KillDaemon{Target: v.Selector("target"), Signal: v.Text("signal")} },
			ValuesOf: valuesOf(func(f KillDaemon) Values {
				return Values{"target": f.Target, "signal": f.Signal}
			}),
		},
		{
			Name: KindKillHost, Doc: "kill every process of a host at once (power loss); heal starts it and its daemons",
			Params:   []Param{target("the host(s): HOST or a selector whose daemons' hosts are meant")},
			Command:  &Command{Name: "kill", Targets: HostTargets, Hint: "stop a host gracefully with `haharness stop-host SELECTOR`"},
			Nemesis:  []Aim{aim("kill-host active-namenode", TakesActiveNameNode|TakesQuorumMember, ActiveNameNode)},
			Build:    func(v Values) Fault { return KillHost{Target: v.Selector("target")} },
			ValuesOf: valuesOf(func(f KillHost) Values { return Values{"target": f.Target} }),
		},
		{
			Name: KindStopHost, Doc: "shut a host down gracefully (SIGTERM to everything); heal starts it and its daemons",
			Params: []Param{target("the host(s): HOST or a selector whose daemons' hosts are meant")},
			Command: &Command{Name: "stop-host", Args: "SELECTOR", Help: "shut a host down gracefully (docker stop)",
				Positional: []string{"target"}, Missing: "SELECTOR (e.g. hadoop001 or active-namenode)"},
			Nemesis:  []Aim{aim("stop-host standby-namenode", TakesQuorumMember|TakesStandbyNameNode, StandbyNameNode)},
			Build:    func(v Values) Fault { return StopHost{Target: v.Selector("target")} },
			ValuesOf: valuesOf(func(f StopHost) Values { return Values{"target": f.Target} }),
		},
		{
			Name: KindFreezeDaemon, Doc: "stop one daemon's JVM (SIGSTOP), like a very long GC pause; heal resumes it",
			Params:      []Param{target("the daemon(s): HOST/ROLE or a named selector such as active-namenode")},
			Unfenceable: true,
			Command: &Command{Name: "freeze", Args: "SELECTOR", Help: "freeze a daemon's JVM (SIGSTOP) or a whole host (docker pause)",
				Positional: []string{"target"}, Missing: "SELECTOR (e.g. active-namenode, hadoop001/namenode, hadoop001)", Targets: DaemonTargets},
			Nemesis: []Aim{
				aim("freeze-daemon active-namenode", TakesActiveNameNode, ActiveNameNode),
				aim("freeze-daemon active-resourcemanager", TakesActiveResourceManager, ActiveResourceManager),
			},
			Build:    func(v Values) Fault { return FreezeDaemon{Target: v.Selector("target")} },
			ValuesOf: valuesOf(func(f FreezeDaemon) Values { return Values{"target": f.Target} }),
		},
		{
			Name: KindFreezeHost, Doc: "freeze every process of a host (cgroup freezer); heal thaws it",
			Params:      []Param{target("the host(s): HOST or a selector whose daemons' hosts are meant")},
			Unfenceable: true,
			Command:     &Command{Name: "freeze", Targets: HostTargets},
			Nemesis:     []Aim{aim("freeze-host active-namenode", TakesActiveNameNode|TakesQuorumMember, ActiveNameNode)},
			Build:       func(v Values) Fault { return FreezeHost{Target: v.Selector("target")} },
			ValuesOf:    valuesOf(func(f FreezeHost) Values { return Values{"target": f.Target} }),
		},
		{
			Name: KindPartition, Doc: "cut groups of hosts apart, both ways (iptables); heal removes the rules",
			Params: []Param{
				{Name: "groups", Type: TypeGroups, Required: true, Doc: "the groups of hosts, each a list of selectors"},
				ports("cut only these TCP `ports`, e.g. 2181,2888,3888 (default: all traffic)"),
			},
			Unfenceable: true,
			Command: &Command{Name: "partition", Args: "[--ports P,P...] GROUP GROUP...", Help: "cut groups of hosts apart (GROUP: comma-separated selectors)",
				Positional: []string{"groups"}, Missing: "GROUPs: at least two, e.g. hadoop001 hadoop002,hadoop003", Flags: []string{"ports"}},
			Build: func(v Values) Fault { return Partition{Groups: v.Groups("groups"), Ports: v.Ports("ports")} },
			ValuesOf: valuesOf(func(f Partition) Values {
				return Values{"groups": f.Groups, "ports": f.Ports}
			}),
		},
		{
			Name: KindDrop, Doc: "drop packets from one set of hosts at another (one direction); heal removes the rules",
			Params: []Param{
				{Name: "from", Type: TypeSelector, Required: true, Doc: "the senders"},
				{Name: "to", Type: TypeSelector, Required: true, Doc: "the receivers, which drop what the senders send"},
				ports("drop only these TCP `ports` (default: all traffic)"),
			},
			Unfenceable: true,
			Command: &Command{Name: "drop", Args: "[--ports P,P...] FROM TO", Help: "drop packets from FROM at TO (one direction)",
				Positional: []string{"from", "to"}, Missing: "FROM and TO selectors", Flags: []string{"ports"}},
			Nemesis: []Aim{{Label: "drop active-namenode->standby-namenode", Weight: 1,
				Values: Values{"from": ActiveNameNode, "to": StandbyNameNode}}},
			Build: func(v Values) Fault {
				return Drop{From: v.Selector("from"), To: v.Selector("to"), Ports: v.Ports("ports")}
			},
			ValuesOf: valuesOf(func(f Drop) Values {
				return Values{"from": f.From, "to": f.To, "ports": f.Ports}
			}),
		},
		{
			Name: KindIsolate, Doc: "cut a selector's host(s) from every other host, both ways; heal removes the rules",
			Params: []Param{
				target("the host(s) to cut off: HOST or a selector whose daemons' hosts are meant"),
				ports("cut only these TCP ports (default: all traffic)"),
			},
			Unfenceable: true,
			Command: &Command{Name: "isolate", Args: "SELECTOR", Help: "cut a host from every other host",
				Positional: []string{"target"}, Missing: "SELECTOR (e.g. hadoop001 or active-namenode)"},
			Nemesis: []Aim{
				aim("isolate active-namenode", TakesActiveNameNode|TakesQuorumMember, ActiveNameNode),
				{Label: "isolate active-namenode from zookeeper", Formerly: []string{"partition active-namenode from zookeeper"},
					Weight: 1, Takes: TakesActiveNameNode | TakesQuorumMember,
					Values: Values{"target": ActiveNameNode, "ports": config.ZooKeeperPorts()}},
			},
			Build: func(v Values) Fault { return Isolate{Target: v.Selector("target"), Ports: v.Ports("ports")} },
			ValuesOf: valuesOf(func(f Isolate) Values {
				return Values{"target": f.Target, "ports": f.Ports}
			}),
		},
		{
			Name: KindDegrade, Doc: "add delay, jitter and loss to what a host sends (tc netem); heal removes them",
			Params: []Param{
				target("the host(s): HOST or a selector whose daemons' hosts are meant"),
				{Name: "delay", Type: TypeDuration, Doc: "added delay per packet, e.g. 100ms"},
				{Name: "jitter", Type: TypeDuration, Doc: "delay jitter, e.g. 20ms"},
				{Name: "loss", Type: TypePercent, Doc: "share of packets dropped, in `percent` (0..100)"},
			},
			NeedsOneOf:  []string{"delay", "jitter", "loss"},
			Unfenceable: true,
			Command: &Command{Name: "degrade", Args: "SELECTOR [--delay 100ms] [--jitter 20ms] [--loss 1.5]",
				Help: "add delay, jitter and loss to what a host sends", Positional: []string{"target"},
				Missing: "SELECTOR (e.g. hadoop001 or active-namenode)", Flags: []string{"delay", "jitter", "loss"}},
			// Loss only: delay needs netem, which some kernels lack (ErrNoNetem).
			Nemesis: []Aim{{Label: "degrade active-namenode", Weight: 1, Values: Values{"target": ActiveNameNode},
				Vary: func(r *rand.Rand, v Values) { v["loss"] = float64(5 + r.IntN(16)) }}},
			Build: func(v Values) Fault {
				return Degrade{Target: v.Selector("target"), Delay: v.Duration("delay"), Jitter: v.Duration("jitter"), LossPercent: v.Percent("loss")}
			},
			ValuesOf: valuesOf(func(f Degrade) Values {
				return Values{"target": f.Target, "delay": f.Delay, "jitter": f.Jitter, "loss": f.LossPercent}
			}),
		},
		{
			Name: KindSkewClock, Doc: "shift the wall clock of a host's daemons ahead or behind (an LD_PRELOAD clock library); heal sets it true again",
			Params: []Param{
				target("the host(s): HOST or a selector whose daemons' hosts are meant"),
				{Name: "ahead", Type: TypeDuration, Doc: "how far the clock runs ahead, in whole seconds, e.g. 10m"},
				{Name: "behind", Type: TypeDuration, Doc: "how far the clock runs behind, in whole seconds, e.g. 10m"},
			},
			NeedsOneOf: []string{"ahead", "behind"},
			Command: &Command{Name: "skew-clock", Args: "SELECTOR --ahead 10m|--behind 10m",
				Help: "shift the wall clock of a host's daemons", Positional: []string{"target"},
				Missing: "SELECTOR (e.g. hadoop001 or active-namenode)", Flags: []string{"ahead", "behind"}},
			Build: func(v Values) Fault {
				return SkewClock{Target: v.Selector("target"), Ahead: v.Duration("ahead"), Behind: v.Duration("behind")}
			},
			ValuesOf: valuesOf(func(f SkewClock) Values {
				return Values{"target": f.Target, "ahead": f.Ahead, "behind": f.Behind}
			}),
		},
	}
}

// target is the required target parameter.
func target(doc string) Param {
	return Param{Name: "target", Type: TypeSelector, Required: true, Doc: doc}
}

// ports is the optional ports parameter of the network kinds.
func ports(doc string) Param {
	return Param{Name: "ports", Type: TypePorts, Doc: doc}
}

// aim is an Aim of weight 1 at one target.
func aim(label string, takes Takes, at Selector) Aim {
	return Aim{Label: label, Weight: 1, Takes: takes, Values: Values{"target": at}}
}
