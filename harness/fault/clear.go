package fault

import (
	"context"
	"fmt"
	"strings"
)

// Residue is what faults have left on one host: frozen daemon JVMs, DROP
// rules in the chains haharness owns (HH-FAULT for partitions, HH-DEGRADE
// for loss without netem), and netem qdiscs. It is the same whoever
// injected the faults, so a process that holds no Injection handle (the
// CLI) can still find and undo them.
type Residue struct {
	Frozen       int `json:"frozen"`
	FaultRules   int `json:"faultRules"`
	DegradeRules int `json:"degradeRules"`
	Netem        int `json:"netem"`
	// Clock is 1 when the host's clock offset is not zero (skew-clock).
	Clock int `json:"clock,omitempty"`
}

// Zero reports whether nothing is left.
func (r Residue) Zero() bool { return r == Residue{} }

func (r Residue) String() string {
	var p []string
	if r.Frozen > 0 {
		p = append(p, fmt.Sprintf("%d frozen JVM(s)", r.Frozen))
	}
	if r.FaultRules > 0 {
		p = append(p, fmt.Sprintf("%d %s rule(s)", r.FaultRules, chain))
	}
	if r.DegradeRules > 0 {
		p = append(p, fmt.Sprintf("%d %s rule(s)", r.DegradeRules, degradeChain))
	}
	if r.Netem > 0 {
		p = append(p, fmt.Sprintf("%d netem qdisc(s)", r.Netem))
	}
	if r.Clock > 0 {
		p = append(p, "a skewed clock")
	}
	if len(p) == 0 {
		return "nothing"
	}
	return strings.Join(p, ", ")
}

// residueScript prints the five counts of a Residue on one line.
const residueScript = `frozen=$(ps -eo stat=,args= | grep -- '-Dproc_' | grep -v grep | grep -c '^T'); ` +
	`rules=$(iptables -S ` + chain + ` 2>/dev/null | grep -c -- '^-A'); ` +
	`degrade=$(iptables -S ` + degradeChain + ` 2>/dev/null | grep -c -- '^-A'); ` +
	`netem=$(tc qdisc show dev eth0 2>/dev/null | grep -c netem); ` +
	`clock=0; [ -f ` + ClockOffsetFile + ` ] && ! grep -qx -- '` + trueClock + `' ` + ClockOffsetFile + ` && clock=1; ` +
	`echo "$frozen $rules $degrade $netem $clock"`

// clearScript undoes every fault kind that lives inside a host: thaws every
// JVM, flushes both chains, removes the root qdisc and sets the clock true.
const clearScript = `pkill -CONT -f -- '-Dproc_'; ` +
	`iptables -F ` + chain + ` 2>/dev/null; iptables -F ` + degradeChain + ` 2>/dev/null; ` +
	`tc qdisc show dev eth0 2>/dev/null | grep -q netem && tc qdisc del dev eth0 root; ` +
	`[ -f ` + ClockOffsetFile + ` ] && echo '` + trueClock + `' > ` + ClockOffsetFile + `; true`

// Residues returns what faults have left on a running host, without
// changing anything.
func Residues(ctx context.Context, rt Runtime, host string) (Residue, error) {
	out, err := mustShell(ctx, rt, host, residueScript)
	if err != nil {
		return Residue{}, err
	}
	return parseResidue(out)
}

// Clear undoes every fault kind that lives inside a running host (frozen
// JVMs, partition and loss rules, netem, a skewed clock) whoever injected it, and returns
// what it found. It checks its work: anything still there afterwards is an
// error naming it. Host-level faults (a paused or stopped container) and
// killed daemons are for the caller (the engine and the launcher undo them).
func Clear(ctx context.Context, rt Runtime, host string) (Residue, error) {
	out, err := mustShell(ctx, rt, host, residueScript+"; "+clearScript+"; "+residueScript)
	if err != nil {
		return Residue{}, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		return Residue{}, fmt.Errorf("clear faults on %s: unexpected output %q", host, out)
	}
	found, err := parseResidue(lines[0])
	if err != nil {
		return Residue{}, err
	}
	left, err := parseResidue(lines[1])
	if err != nil {
		return found, err
	}
	if !left.Zero() {
		return found, fmt.Errorf("clear faults on %s: still there after clearing: %s", host, left)
	}
	return found, nil
}

func parseResidue(s string) (Residue, error) {
	var r Residue
	if _, err := fmt.Sscan(s, &r.Frozen, &r.FaultRules, &r.DegradeRules, &r.Netem, &r.Clock); err != nil {
		return Residue{}, fmt.Errorf("read fault residue %q: %w", strings.TrimSpace(s), err)
	}
	return r, nil
}
