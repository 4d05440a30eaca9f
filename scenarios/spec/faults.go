package spec

import (
	"fmt"

	"github.com/haharness/haharness/harness/fault"
)

// FaultOf returns the fault an item injects.
func (it Item) FaultOf() (fault.Fault, error) {
	t := fault.Selector(it.Target)
	switch it.Fault {
	case KillDaemon:
		return fault.KillDaemon{Target: t, Signal: it.Signal}, nil
	case FreezeDaemon:
		return fault.FreezeDaemon{Target: t}, nil
	case KillHost:
		return fault.KillHost{Target: t}, nil
	case StopHost:
		return fault.StopHost{Target: t}, nil
	case FreezeHost:
		return fault.FreezeHost{Target: t}, nil
	case Partition:
		var groups [][]fault.Selector
		for _, g := range it.Groups {
			var sel []fault.Selector
			for _, s := range g {
				sel = append(sel, fault.Selector(s))
			}
			groups = append(groups, sel)
		}
		return fault.Partition{Groups: groups, Ports: it.Ports}, nil
	case Drop:
		return fault.Drop{From: fault.Selector(it.From), To: fault.Selector(it.To), Ports: it.Ports}, nil
	case Isolate:
		return fault.Isolate{Target: t, Ports: it.Ports}, nil
	case Degrade:
		return fault.Degrade{Target: t, Delay: it.Delay.D(), Jitter: it.Jitter.D(), LossPercent: it.Loss}, nil
	}
	return nil, fmt.Errorf("schedule item %s: not a fault (%q)", it.ID, it.Fault)
}

// ItemOf is the inverse of FaultOf: the schedule item that injects f.
func ItemOf(id string, f fault.Fault) (Item, error) {
	it := Item{ID: id}
	switch x := f.(type) {
	case fault.KillDaemon:
		it.Fault, it.Target, it.Signal = KillDaemon, string(x.Target), x.Signal
	case fault.FreezeDaemon:
		it.Fault, it.Target = FreezeDaemon, string(x.Target)
	case fault.KillHost:
		it.Fault, it.Target = KillHost, string(x.Target)
	case fault.StopHost:
		it.Fault, it.Target = StopHost, string(x.Target)
	case fault.FreezeHost:
		it.Fault, it.Target = FreezeHost, string(x.Target)
	case fault.Partition:
		it.Fault, it.Ports = Partition, x.Ports
		for _, g := range x.Groups {
			var s []string
			for _, sel := range g {
				s = append(s, string(sel))
			}
			it.Groups = append(it.Groups, s)
		}
	case fault.Drop:
		it.Fault, it.From, it.To, it.Ports = Drop, string(x.From), string(x.To), x.Ports
	case fault.Isolate:
		it.Fault, it.Target, it.Ports = Isolate, string(x.Target), x.Ports
	case fault.Degrade:
		it.Fault, it.Target, it.Delay, it.Jitter, it.Loss = Degrade, string(x.Target), Duration(x.Delay), Duration(x.Jitter), x.LossPercent
	default:
		return Item{}, fmt.Errorf("fault %s (%T) has no scenario file form", f, f)
	}
	return it, nil
}
