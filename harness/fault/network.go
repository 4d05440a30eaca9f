package fault

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// chain is the iptables chain haharness owns on every host; healing flushes it.
const chain = "HH-FAULT"

// Partition cuts hosts into groups that cannot reach each other (both
// directions), with iptables DROP rules on every host. With Ports, only
// traffic to or from those ports is cut (e.g. ZooKeeper's 2181, 2888, 3888:
// "cut from the ZooKeeper majority but not from the JournalNodes").
// Heal removes the rules. Hosts in no group are untouched.
type Partition struct {
	Groups [][]Selector
	Ports  []int
}

func (f Partition) Kind() string { return KindPartition }
func (f Partition) String() string {
	var g []string
	for _, grp := range f.Groups {
		var s []string
		for _, x := range grp {
			s = append(s, string(x))
		}
		g = append(g, "["+strings.Join(s, ",")+"]")
	}
	out := "partition " + strings.Join(g, " | ")
	if len(f.Ports) > 0 {
		out += fmt.Sprintf(" ports %v", f.Ports)
	}
	return out
}

func (f Partition) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	if len(f.Groups) < 2 {
		return Applied{}, fmt.Errorf("partition: need at least 2 groups, got %d", len(f.Groups))
	}
	groups := make([][]string, len(f.Groups))
	for i, grp := range f.Groups {
		for _, s := range grp {
			hosts, err := resolveHosts(ctx, rt, s)
			if err != nil {
				return Applied{}, err
			}
			for _, h := range hosts {
				for j := range i {
					if slices.Contains(groups[j], h) {
						return Applied{}, fmt.Errorf("partition: host %s is in two groups", h)
					}
				}
				if !slices.Contains(groups[i], h) {
					groups[i] = append(groups[i], h)
				}
			}
		}
	}
	var cuts []cut
	for i := range groups {
		for j := range groups {
			if i == j {
				continue
			}
			for _, a := range groups[i] {
				for _, b := range groups[j] {
					cuts = append(cuts, cut{from: b, to: a}) // a drops what comes from b
				}
			}
		}
	}
	var targets []string
	for _, g := range groups {
		targets = append(targets, "["+strings.Join(g, ",")+"]")
	}
	return applyCuts(ctx, rt, cuts, f.Ports, targets)
}

// Drop cuts traffic in one direction only: packets from From to To are
// dropped at To, so To neither receives From's requests nor (for TCP) can
// finish a connection From opens; To's own connections to From still send.
type Drop struct {
	From, To Selector
	Ports    []int
}

func (f Drop) Kind() string { return KindDrop }
func (f Drop) String() string {
	s := fmt.Sprintf("drop %s->%s", f.From, f.To)
	if len(f.Ports) > 0 {
		s += fmt.Sprintf(" ports %v", f.Ports)
	}
	return s
}

func (f Drop) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	from, err := resolveHosts(ctx, rt, f.From)
	if err != nil {
		return Applied{}, err
	}
	to, err := resolveHosts(ctx, rt, f.To)
	if err != nil {
		return Applied{}, err
	}
	var cuts []cut
	for _, a := range from {
		for _, b := range to {
			if a != b {
				cuts = append(cuts, cut{from: a, to: b})
			}
		}
	}
	return applyCuts(ctx, rt, cuts, f.Ports, []string{strings.Join(from, ",") + "->" + strings.Join(to, ",")})
}

// Isolate cuts the selector's host(s) from every other host of the
// cluster (both directions), resolved at injection time.
type Isolate struct {
	Target Selector
	Ports  []int
}

func (f Isolate) Kind() string { return KindIsolate }
func (f Isolate) String() string {
	s := "isolate " + string(f.Target)
	if len(f.Ports) > 0 {
		s += fmt.Sprintf(" ports %v", f.Ports)
	}
	return s
}

func (f Isolate) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	cut, err := resolveHosts(ctx, rt, f.Target)
	if err != nil {
		return Applied{}, err
	}
	all, err := resolveHosts(ctx, rt, AllHosts)
	if err != nil {
		return Applied{}, err
	}
	var in, rest []Selector
	for _, h := range all {
		if slices.Contains(cut, h) {
			in = append(in, Selector(h))
		} else {
			rest = append(rest, Selector(h))
		}
	}
	if len(rest) == 0 {
		return Applied{}, fmt.Errorf("isolate %s: no other host to cut it from", f.Target)
	}
	return Partition{Groups: [][]Selector{in, rest}, Ports: f.Ports}.Inject(ctx, rt)
}

type cut struct{ from, to string }

// applyCuts installs DROP rules on each receiving host for packets from the
// sender's address, each tagged with a comment unique to this injection, and
// verifies they are present. Heal deletes only this injection's rules, so
// several network faults can overlap on one host.
func applyCuts(ctx context.Context, rt Runtime, cuts []cut, ports []int, targets []string) (Applied, error) {
	tag := newTag()
	mark := fmt.Sprintf("-m comment --comment %s", tag)
	byHost := map[string][]string{}
	for _, c := range cuts {
		ip := rt.IP(c.from)
		if len(ports) == 0 {
			byHost[c.to] = append(byHost[c.to], fmt.Sprintf("iptables -A %s -s %s %s -j DROP", chain, ip, mark))
			continue
		}
		for _, p := range ports {
			byHost[c.to] = append(byHost[c.to],
				fmt.Sprintf("iptables -A %s -s %s -p tcp --dport %d %s -j DROP", chain, ip, p, mark),
				fmt.Sprintf("iptables -A %s -s %s -p tcp --sport %d %s -j DROP", chain, ip, p, mark))
		}
	}
	hosts := slices.Sorted(maps.Keys(byHost))
	applied := Applied{Targets: targets, heal: func(ctx context.Context, rt Runtime) error {
		for _, h := range hosts {
			if _, _, err := rt.Shell(ctx, h, deleteTagged(chain, tag)); err != nil {
				return fmt.Errorf("heal partition on %s: %w", h, err)
			}
		}
		return nil
	}}
	for _, h := range hosts {
		script := ensureChain + strings.Join(byHost[h], " && ")
		if _, err := mustShell(ctx, rt, h, script); err != nil {
			_ = applied.Heal(context.WithoutCancel(ctx), rt)
			return Applied{}, fmt.Errorf("partition on %s: %w", h, err)
		}
		out, err := mustShell(ctx, rt, h, fmt.Sprintf("iptables -S %s | grep -c -- '%s'", chain, tag))
		if err != nil || strings.TrimSpace(out) != fmt.Sprint(len(byHost[h])) {
			_ = applied.Heal(context.WithoutCancel(ctx), rt)
			return Applied{}, fmt.Errorf("partition on %s: want %d rules, iptables shows %q (%v)", h, len(byHost[h]), strings.TrimSpace(out), err)
		}
	}
	return applied, nil
}

// deleteTagged deletes the rules of chain carrying tag.
func deleteTagged(chain, tag string) string {
	return fmt.Sprintf("iptables -S %s 2>/dev/null | grep -- '%s' | sed 's/^-A/-D/' | while read -r r; do eval iptables $r; done; true", chain, tag)
}

var tagCounter atomic.Uint64

// newTag returns a comment unique to one injection on this machine.
func newTag() string {
	return fmt.Sprintf("hh-%d-%d", os.Getpid(), tagCounter.Add(1))
}

// ensureChain creates the fault chain and hooks it into INPUT once.
const ensureChain = "iptables -N " + chain + " 2>/dev/null; " +
	"iptables -C INPUT -j " + chain + " 2>/dev/null || iptables -I INPUT 1 -j " + chain + "; "

// ErrNoNetem is returned when a delay or jitter is asked for on a kernel
// without the netem qdisc (CONFIG_NET_SCH_NETEM), such as some VM kernels.
var ErrNoNetem = errors.New("the kernel has no netem qdisc (CONFIG_NET_SCH_NETEM): delay and jitter are unavailable here; loss still works")

// degradeChain is the iptables chain (hooked into OUTPUT) for packet loss
// when netem is missing.
const degradeChain = "HH-DEGRADE"

// Degrade adds delay, jitter and loss to every packet a host sends, with tc
// netem on its interface. On a kernel without netem, loss alone is applied
// with iptables' statistic match instead, and a delay or jitter fails with
// ErrNoNetem. Heal removes the qdisc and the rules.
type Degrade struct {
	Target Selector
	Delay  time.Duration
	Jitter time.Duration
	// LossPercent is the share of packets dropped, 0..100.
	LossPercent float64
}

func (f Degrade) Kind() string { return KindDegrade }
func (f Degrade) String() string {
	return fmt.Sprintf("degrade %s delay=%v jitter=%v loss=%g%%", f.Target, f.Delay, f.Jitter, f.LossPercent)
}

func (f Degrade) netem() (string, error) {
	if f.Delay < 0 || f.Jitter < 0 || f.LossPercent < 0 || f.LossPercent > 100 {
		return "", fmt.Errorf("degrade: delay and jitter must be >= 0 and loss within 0..100, got %v", f)
	}
	if f.Delay == 0 && f.Jitter == 0 && f.LossPercent == 0 {
		return "", fmt.Errorf("degrade: give a delay, a jitter or a loss")
	}
	s := fmt.Sprintf("netem delay %dms", f.Delay.Milliseconds())
	if f.Jitter > 0 {
		s += fmt.Sprintf(" %dms", f.Jitter.Milliseconds())
	}
	if f.LossPercent > 0 {
		s += fmt.Sprintf(" loss %g%%", f.LossPercent)
	}
	return s, nil
}

// lossRule is the iptables fallback for loss without netem.
func (f Degrade) lossRule() string {
	return fmt.Sprintf("iptables -N %[1]s 2>/dev/null; iptables -C OUTPUT -j %[1]s 2>/dev/null || iptables -I OUTPUT 1 -j %[1]s; "+
		"iptables -A %[1]s -m statistic --mode random --probability %.4f -j DROP", degradeChain, f.LossPercent/100)
}

func (f Degrade) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	netem, err := f.netem()
	if err != nil {
		return Applied{}, err
	}
	hosts, err := resolveHosts(ctx, rt, f.Target)
	if err != nil {
		return Applied{}, err
	}
	applied := Applied{Targets: hosts, heal: func(ctx context.Context, rt Runtime) error {
		for _, h := range hosts {
			if _, _, err := rt.Shell(ctx, h, "tc qdisc del dev eth0 root 2>/dev/null; iptables -F "+degradeChain+" 2>/dev/null; true"); err != nil {
				return fmt.Errorf("heal degrade on %s: %w", h, err)
			}
		}
		return nil
	}}
	for _, h := range hosts {
		out, code, err := rt.Shell(ctx, h, "tc qdisc replace dev eth0 root "+netem+" && tc qdisc show dev eth0 | grep -q netem")
		switch {
		case err != nil:
		case code == 0:
			continue
		case strings.Contains(out, "qdisc kind is unknown"):
			if f.Delay > 0 || f.Jitter > 0 {
				err = ErrNoNetem
			} else {
				_, err = mustShell(ctx, rt, h, f.lossRule())
			}
		default:
			err = fmt.Errorf("tc on %s: exit %d: %s", h, code, strings.TrimSpace(out))
		}
		if err != nil {
			_ = applied.Heal(context.WithoutCancel(ctx), rt)
			return Applied{}, fmt.Errorf("degrade %s: %w", h, err)
		}
	}
	return applied, nil
}
