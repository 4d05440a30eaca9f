package fault

import (
	"math/rand/v2"
	"strings"
	"time"
)

// The fault kinds' names, each its Kind's Name and its Fault.Kind().
const (
	KindKillDaemon   = "kill-daemon"
	KindFreezeDaemon = "freeze-daemon"
	KindKillHost     = "kill-host"
	KindStopHost     = "stop-host"
	KindFreezeHost   = "freeze-host"
	KindPartition    = "partition"
	KindDrop         = "drop"
	KindIsolate      = "isolate"
	KindDegrade      = "degrade"
	KindSkewClock    = "skew-clock"
)

// Kind is one fault kind as the registry (Registry) describes it: its
// name, its parameters, its CLI command, how the soak's nemesis aims it,
// and how to build the Fault from parameter values and read them back.
// The scenario-file schema (scenarios/spec's schema.json), its
// validation, the CLI's command table and the nemesis are all read from
// these, so a kind is added by adding its Kind and its implementation.
type Kind struct {
	// Name is the kebab-case name: scenario files' `fault:`, Fault.Kind().
	Name string
	// Doc says in one line what the fault does.
	Doc string
	// Params are the parameters, in the order they are documented.
	Params []Param
	// NeedsOneOf names parameters of which at least one must be given
	// (degrade: a delay, a jitter or a loss).
	NeedsOneOf []string
	// Unfenceable: the fault can keep an old active from being fenced or
	// from learning it was superseded (its host cut off or losing packets,
	// its JVM or host frozen); the soak excuses stale active claims then.
	Unfenceable bool
	// Command is the kind's CLI subcommand; nil for none.
	Command *Command
	// Nemesis are the ways the soak's nemesis aims the kind; none: never
	// drawn.
	Nemesis []Aim
	// Build makes the fault from parameter values. Values the kind does
	// not take are ignored; a value left out is the parameter's zero value.
	Build func(Values) Fault
	// ValuesOf reads a fault of this kind back into parameter values; it
	// reports false for a Fault of another type.
	ValuesOf func(Fault) (Values, bool)
}

// Param is one parameter of a kind, named as scenario files name it.
type Param struct {
	Name string
	Type ParamType
	// Required parameters must be given (scenario files, CLI arguments).
	Required bool
	// Enum lists the values a TypeSignal parameter takes.
	Enum []string
	// Default is the value taken when none is given, as written ("" none).
	Default string
	// Doc describes it; in the CLI it is the flag's usage, where a
	// `quoted` word names the flag's value (package flag's convention).
	Doc string
}

// ParamType is the type of a parameter, and so of its value in Values.
type ParamType string

// Parameter types, with the Go type of their value in Values.
const (
	TypeSelector ParamType = "selector" // Selector
	TypeGroups   ParamType = "groups"   // [][]Selector: two or more groups of one or more selectors
	TypePorts    ParamType = "ports"    // []int: TCP ports, 1..65535
	TypeDuration ParamType = "duration" // time.Duration, >= 0
	TypePercent  ParamType = "percent"  // float64, 0..100
	TypeSignal   ParamType = "signal"   // string, one of Param.Enum
)

// Values are parameter values by parameter name. The getters return the
// zero value for a missing parameter.
type Values map[string]any

// Selector returns a TypeSelector value.
func (v Values) Selector(name string) Selector { s, _ := v[name].(Selector); return s }

// Groups returns a TypeGroups value.
func (v Values) Groups(name string) [][]Selector { g, _ := v[name].([][]Selector); return g }

// Ports returns a TypePorts value.
func (v Values) Ports(name string) []int { p, _ := v[name].([]int); return p }

// Duration returns a TypeDuration value.
func (v Values) Duration(name string) time.Duration { d, _ := v[name].(time.Duration); return d }

// Percent returns a TypePercent value.
func (v Values) Percent(name string) float64 { f, _ := v[name].(float64); return f }

// Text returns a TypeSignal value.
func (v Values) Text(name string) string { s, _ := v[name].(string); return s }

// Command is a kind's CLI subcommand. Kinds may share one (kill: kill-daemon
// for a daemon, kill-host for a host); then one of them carries Args,
// Help, Positional and Missing, and each says which targets it takes.
type Command struct {
	// Name is the subcommand, e.g. "kill".
	Name string
	// Args is the synopsis after the name and --name, e.g.
	// "[--signal KILL|TERM] SELECTOR".
	Args string
	// Help is the one line of the command list.
	Help string
	// Positional names the parameters the positional arguments give, in
	// order: a TypeSelector parameter takes one argument, a TypeGroups one
	// takes the rest (two or more, each comma-separated selectors).
	Positional []string
	// Missing says what is missing when there are too few arguments.
	Missing string
	// Flags names the parameters given as flags (--NAME).
	Flags []string
	// Targets is, for a shared command, the targets this kind is chosen
	// for: its first argument names daemons, or a whole host.
	Targets CommandTargets
	// Hint ends the error for a flag of a shared command that this kind
	// does not take; SELECTOR stands for the first argument.
	Hint string
}

// CommandTargets says which kind of a shared command a selector picks.
type CommandTargets int

// What a kind of a shared command is chosen for.
const (
	AnyTargets    CommandTargets = iota // the command's only kind
	DaemonTargets                       // HOST/ROLE or a named selector
	HostTargets                         // HOST
)

// Aim is one way the soak's nemesis draws a kind: at a target, with what
// that takes from the cluster's HA.
type Aim struct {
	// Label names the aim in soak records (their kinds and FaultCounts),
	// e.g. "kill-daemon active-namenode".
	Label string
	// Formerly are labels older soak records gave this aim.
	Formerly []string
	// Weight is how often the nemesis draws it relative to the others; 0
	// never.
	Weight int
	// Takes is what the fault takes away.
	Takes Takes
	// Values are the fault's parameters.
	Values Values
	// Vary, if set, draws the random parameters into a copy of Values.
	Vary func(r *rand.Rand, v Values)
}

// Takes is what an aimed fault takes from the cluster's HA, as the
// nemesis composes and judges its steps.
type Takes uint8

// What an aim takes away.
const (
	TakesActiveNameNode        Takes = 1 << iota // the active NameNode
	TakesActiveResourceManager                   // the active ResourceManager
	TakesQuorumMember                            // a JournalNode or a ZooKeeper member
	TakesStandbyNameNode                         // the standby NameNode
)

// Fault builds the aim's fault of kind k, its random parameters drawn
// from r.
func (a Aim) Fault(k Kind, r *rand.Rand) Fault {
	v := Values{}
	for name, x := range a.Values {
		v[name] = x
	}
	if a.Vary != nil {
		a.Vary(r, v)
	}
	return k.Build(v)
}

// Param returns the kind's parameter of that name.
func (k Kind) Param(name string) (Param, bool) {
	for _, p := range k.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Kinds lists the fault kinds' names, in registry order.
func Kinds() []string {
	var out []string
	for _, k := range Registry() {
		out = append(out, k.Name)
	}
	return out
}

// Lookup returns the kind of that name.
func Lookup(name string) (Kind, bool) {
	for _, k := range Registry() {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// KindOf returns f's kind and its parameter values; false when f is not
// of a registered kind (or not of its Go type).
func KindOf(f Fault) (Kind, Values, bool) {
	k, ok := Lookup(f.Kind())
	if !ok {
		return Kind{}, nil, false
	}
	v, ok := k.ValuesOf(f)
	return k, v, ok
}

// KindOfLabel returns the kind of a fault as a History labels it (its
// String(), maybe after "step N: "): the label's first word.
func KindOfLabel(label string) (Kind, bool) {
	if step, rest, ok := strings.Cut(label, ": "); ok && strings.HasPrefix(step, "step ") {
		label = rest
	}
	name, _, _ := strings.Cut(label, " ")
	return Lookup(name)
}

// valuesOf adapts a typed reader of values to Kind.ValuesOf.
func valuesOf[F Fault](read func(F) Values) func(Fault) (Values, bool) {
	return func(f Fault) (Values, bool) {
		x, ok := f.(F)
		if !ok {
			return nil, false
		}
		return read(x), true
	}
}
