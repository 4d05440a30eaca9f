package scenarios

import (
	"fmt"
	"time"

	"github.com/haharness/haharness/scenarios/spec"
)

// executed returns the schedule the steps ran as a scenario file: the
// file itself for a scenario file; for a scenario written in Go, every
// injected fault at the time it was injected (since the steps began),
// held as long as it was, and asking for the failover the steps measured
// after it. Replayed, it injects the same faults at the same times; the
// waits a Go scenario made between them become times.
func (e *Env) executed(sc Scenario) *spec.File {
	if sc.File != nil {
		return sc.File
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.injected) == 0 {
		return nil
	}
	f := &spec.File{
		APIVersion:  spec.APIVersion,
		Name:        sc.Name + "-replay",
		Description: fmt.Sprintf("The schedule %s executed (seed %d): %s", sc.Name, e.H.Seed, sc.Description),
		Cluster:     spec.Cluster{Fencing: string(sc.Fencing), Addons: sc.Addons},
		Expect: spec.Expect{StaleActiveWithin: spec.StaleActive{
			NameNode: spec.Duration(sc.StaleActiveBound), ResourceManager: spec.Duration(sc.StaleResourceManagerBound)}},
	}
	for i, inj := range e.injected {
		it, err := spec.ItemOf(fmt.Sprintf("f%d", i+1), inj.f)
		if err != nil {
			it = spec.Item{ID: fmt.Sprintf("f%d", i+1), Fault: "unknown"}
		}
		it.At = spec.Ptr(inj.in.Start.Sub(e.begun).Round(100 * time.Millisecond))
		if !inj.healed.IsZero() {
			it.Hold = spec.Duration(max(inj.healed.Sub(inj.in.Start).Round(100*time.Millisecond), 100*time.Millisecond))
		}
		it.Failover = string(inj.failover)
		f.Schedule = append(f.Schedule, it)
	}
	return f
}
