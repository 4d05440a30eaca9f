package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// portsValue is --ports 2181,2888,3888.
type portsValue []int

func (p *portsValue) String() string {
	var s []string
	for _, n := range *p {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ",")
}

func (p *portsValue) Set(s string) error {
	*p = nil
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q: want comma-separated TCP ports, e.g. 2181,2888,3888", f)
		}
		*p = append(*p, n)
	}
	return nil
}

// signalValue is a signal parameter's flag, e.g. --signal KILL|TERM: one
// of the parameter's Enum, in any case, with or without SIG.
type signalValue struct {
	s    string
	enum []string
}

func (v *signalValue) String() string { return v.s }
func (v *signalValue) Set(s string) error {
	u := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if !slices.Contains(v.enum, u) {
		return fmt.Errorf("signal %q: use %s", s, strings.Join(v.enum, " or "))
	}
	v.s = u
	return nil
}

// faultCommands are the fault commands of the dispatch table (faultCmds).
func faultCommands() []command {
	var out []command
	for _, fc := range faultCmds() {
		out = append(out, command{fc.name, "[--name N] " + fc.Args, fc.Help, groupFault, fc.run})
	}
	return out
}

// faultCmds are the fault commands, one per command the fault registry
// names, in registry order; kinds that share a command (kill, freeze) are
// chosen by the first argument.
func faultCmds() []faultCmd {
	var out []faultCmd
	for _, k := range fault.Registry() {
		if k.Command == nil {
			continue
		}
		i := slices.IndexFunc(out, func(fc faultCmd) bool { return fc.name == k.Command.Name })
		if i < 0 {
			i = len(out)
			out = append(out, faultCmd{name: k.Command.Name})
		}
		out[i].kinds = append(out[i].kinds, k)
		if k.Command.Args != "" || k.Command.Help != "" {
			out[i].Command = *k.Command
		}
	}
	return out
}

// faultCmd is a fault command: flags and positional arguments as its
// kinds' registry entries declare them; attach, build the fault, inject it
// and print what the selectors resolved to.
type faultCmd struct {
	fault.Command // the one of kinds that carries the synopsis and arguments
	name          string
	kinds         []fault.Kind
}

// paramFlag is a parameter given as a flag.
type paramFlag struct {
	kind  fault.Kind // the kind that declares it
	param fault.Param
	value func() any
}

func (fc faultCmd) run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, fc.name)
	name := nameFlag(fs)
	flags := fc.flags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	min, max := fc.arity()
	if err := wantArgs(fs, pos, min, max, fc.Missing); err != nil {
		return err
	}
	if err := fc.needsOneOf(fs); err != nil {
		return err
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	f, err := fc.fault(c.Topology(), fs, flags, pos)
	if err != nil {
		return err
	}
	in, err := c.Inject(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s => %s\n", in.Fault, strings.Join(in.Targets, " "))
	return nil
}

// needsOneOf fails, before any cluster is looked for, when the command's
// only kind needs one of some flags (degrade, skew-clock) and none is set.
func (fc faultCmd) needsOneOf(fs *flag.FlagSet) error {
	if len(fc.kinds) != 1 || len(fc.kinds[0].NeedsOneOf) == 0 {
		return nil
	}
	var names []string
	for _, n := range fc.kinds[0].NeedsOneOf {
		if f := fs.Lookup(n); f != nil && f.Value.String() != f.DefValue {
			return nil
		}
		names = append(names, "--"+n)
	}
	return usagef(fs, "give %s", orList(names))
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// fault builds the command's fault from its parsed flags and positional
// arguments, for a cluster of topology t.
func (fc faultCmd) fault(t topology.Topology, fs *flag.FlagSet, flags []paramFlag, pos []string) (fault.Fault, error) {
	k, err := fc.pick(t, pos[0])
	if err != nil {
		return nil, err
	}
	v := fault.Values{}
	for i, pname := range fc.Positional {
		p, _ := k.Param(pname)
		if p.Type == fault.TypeGroups {
			v[pname] = groups(pos[i:])
			break
		}
		v[pname] = fault.Selector(pos[i])
	}
	for _, pf := range flags {
		if _, takes := k.Param(pf.param.Name); takes {
			v[pf.param.Name] = pf.value()
			continue
		}
		if f := fs.Lookup(pf.param.Name); f.Value.String() != f.DefValue {
			msg := fmt.Sprintf("%s %s: --%s %s applies to %s", fc.name, pos[0], f.Name, f.Value, targetsWord(pf.kind.Command.Targets))
			if k.Command.Hint != "" {
				msg += "; " + strings.ReplaceAll(k.Command.Hint, "SELECTOR", pos[0])
			}
			return nil, errors.New(msg)
		}
	}
	return k.Build(v), nil
}

// flags defines the flags of the command's kinds' flag parameters.
func (fc faultCmd) flags(fs *flag.FlagSet) []paramFlag {
	var out []paramFlag
	for _, k := range fc.kinds {
		for _, pname := range k.Command.Flags {
			p, _ := k.Param(pname)
			pf := paramFlag{kind: k, param: p}
			switch p.Type {
			case fault.TypeSignal:
				sig := &signalValue{s: p.Default, enum: p.Enum}
				fs.Var(sig, p.Name, p.Doc)
				pf.value = func() any { return sig.s }
			case fault.TypePorts:
				ports := new(portsValue)
				fs.Var(ports, p.Name, p.Doc)
				pf.value = func() any { return []int(*ports) }
			case fault.TypeDuration:
				d := fs.Duration(p.Name, 0, p.Doc)
				pf.value = func() any { return *d }
			case fault.TypePercent:
				f := fs.Float64(p.Name, 0, p.Doc)
				pf.value = func() any { return *f }
			default:
				panic(fmt.Sprintf("fault kind %s: parameter %s of type %s cannot be a flag", k.Name, p.Name, p.Type))
			}
			out = append(out, pf)
		}
	}
	return out
}

// arity is how many positional arguments the command takes (max -1: no
// limit): one per selector, two or more for groups.
func (fc faultCmd) arity() (min, max int) {
	k := fc.kinds[0]
	for _, pname := range fc.Positional {
		if p, _ := k.Param(pname); p.Type == fault.TypeGroups {
			return min + 2, -1
		}
		min++
	}
	return min, min
}

// pick returns the command's kind for its first argument: the only one,
// or the one for daemons or for a whole host.
func (fc faultCmd) pick(t topology.Topology, first string) (fault.Kind, error) {
	if len(fc.kinds) == 1 {
		return fc.kinds[0], nil
	}
	daemon, err := daemonSelector(t, first)
	if err != nil {
		return fault.Kind{}, err
	}
	want := fault.HostTargets
	if daemon {
		want = fault.DaemonTargets
	}
	for _, k := range fc.kinds {
		if k.Command.Targets == want {
			return k, nil
		}
	}
	return fault.Kind{}, fmt.Errorf("%s %s: no fault kind of this command takes %s", fc.name, first, targetsWord(want))
}

func targetsWord(t fault.CommandTargets) string {
	if t == fault.HostTargets {
		return "hosts"
	}
	return "daemons"
}

// daemonSelector reports whether s names daemons (HOST/ROLE or a named
// selector such as active-namenode) rather than a whole host.
func daemonSelector(t topology.Topology, s string) (bool, error) {
	p, err := fault.Parse(fault.Selector(s), t, harness.AddonModules().Selectors()...)
	if err != nil {
		return false, err
	}
	return p.Named != "" || p.Role != "", nil
}

func groups(pos []string) [][]fault.Selector {
	var gs [][]fault.Selector
	for _, p := range pos {
		var g []fault.Selector
		for _, s := range strings.Split(p, ",") {
			if s = strings.TrimSpace(s); s != "" {
				g = append(g, fault.Selector(s))
			}
		}
		gs = append(gs, g)
	}
	return gs
}

func cmdStartHost(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "start-host")
	name := nameFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1, "HOST (e.g. hadoop001)"); err != nil {
		return err
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	if err := c.HostAction(ctx, pos[0], fault.HostStart); err != nil {
		return fmt.Errorf("start host %s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "started %s (the container if stopped, then any daemon not running)\n", pos[0])
	return nil
}

func cmdResume(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "resume")
	name := nameFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1, "SELECTOR (e.g. hadoop001/namenode or hadoop001)"); err != nil {
		return err
	}
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	ds, err := c.Resolve(ctx, fault.Selector(pos[0]))
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.Role == "" {
			if err := c.HostAction(ctx, d.Host, fault.HostUnpause); err != nil {
				return fmt.Errorf("unpause %s: %w", d.Host, err)
			}
			fmt.Fprintf(e.stdout, "resumed host %s\n", d.Host)
			continue
		}
		res, err := c.Shell(ctx, d.Host, fmt.Sprintf("pkill -CONT -f -- '-Dproc_%s( |$)'", d.Role))
		if err != nil {
			return fmt.Errorf("thaw %s: %w", d, err)
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("thaw %s: no %s JVM on %s (pkill exit %d)", d, d.Role.Short(), d.Host, res.ExitCode)
		}
		fmt.Fprintf(e.stdout, "resumed %s\n", d)
	}
	return nil
}
