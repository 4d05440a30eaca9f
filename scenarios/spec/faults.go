package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/haharness/haharness/harness/fault"
)

// FaultOf returns the fault an item injects, built by its kind's registry
// entry (fault.Registry) from the item's parameters.
func (it Item) FaultOf() (fault.Fault, error) {
	k, ok := fault.Lookup(it.Fault)
	if !ok {
		return nil, fmt.Errorf("schedule item %s: not a fault (%q)", it.ID, it.Fault)
	}
	return k.Build(it.values(k)), nil
}

// ItemOf is the inverse of FaultOf: the schedule item that injects f.
func ItemOf(id string, f fault.Fault) (Item, error) {
	k, v, ok := fault.KindOf(f)
	if !ok {
		return Item{}, fmt.Errorf("fault %s (%T) has no scenario file form", f, f)
	}
	it := Item{ID: id, Fault: k.Name}
	it.setValues(v)
	return it, nil
}

// paramFields are the item's fault parameter fields by their name in
// files (fault.Param.Name). A kind whose parameters are all here needs
// nothing in this package; a parameter of a new name needs its field in
// Item and here (TestEveryParameterHasAField says so).
func (it *Item) paramFields() map[string]any {
	return map[string]any{
		"target": &it.Target, "signal": &it.Signal, "ports": &it.Ports, "groups": &it.Groups,
		"from": &it.From, "to": &it.To, "delay": &it.Delay, "jitter": &it.Jitter, "loss": &it.Loss,
		"ahead": &it.Ahead, "behind": &it.Behind,
	}
}

// values returns the item's values of k's parameters.
func (it Item) values(k fault.Kind) fault.Values {
	fields := it.paramFields()
	v := fault.Values{}
	for _, p := range k.Params {
		switch x := fields[p.Name].(type) {
		case *string:
			if p.Type == fault.TypeSelector {
				v[p.Name] = fault.Selector(*x)
			} else {
				v[p.Name] = *x
			}
		case *[]int:
			v[p.Name] = *x
		case *[][]string:
			var groups [][]fault.Selector
			for _, g := range *x {
				var sel []fault.Selector
				for _, s := range g {
					sel = append(sel, fault.Selector(s))
				}
				groups = append(groups, sel)
			}
			v[p.Name] = groups
		case *Duration:
			v[p.Name] = x.D()
		case *float64:
			v[p.Name] = *x
		}
	}
	return v
}

// setValues sets the item's parameter fields from v.
func (it *Item) setValues(v fault.Values) {
	fields := it.paramFields()
	for name, x := range v {
		switch f := fields[name].(type) {
		case *string:
			switch s := x.(type) {
			case fault.Selector:
				*f = string(s)
			case string:
				*f = s
			}
		case *[]int:
			*f, _ = x.([]int)
		case *[][]string:
			groups, _ := x.([][]fault.Selector)
			*f = nil
			for _, g := range groups {
				var s []string
				for _, sel := range g {
					s = append(s, string(sel))
				}
				*f = append(*f, s)
			}
		case *Duration:
			d, _ := x.(time.Duration)
			*f = Duration(d)
		case *float64:
			*f, _ = x.(float64)
		}
	}
}

// isSet reports whether a parameter field (of paramFields) holds a value.
func isSet(field any) bool {
	switch f := field.(type) {
	case *string:
		return *f != ""
	case *[]int:
		return len(*f) > 0
	case *[][]string:
		return len(*f) > 0
	case *Duration:
		return *f != 0
	case *float64:
		return *f != 0
	}
	return false
}

// selectors returns the item's fault selectors by field: every parameter
// of the registry's kinds that is a selector (a probe's target is not).
func (it Item) selectors() map[string]string {
	m := map[string]string{}
	fields := it.paramFields()
	for _, k := range fault.Registry() {
		for _, p := range k.Params {
			if p.Type == fault.TypeSelector && (p.Name != "target" || it.IsFault()) {
				m[p.Name] = *fields[p.Name].(*string)
			}
		}
	}
	return m
}

// paramProblems names parameters that do not go with the item's kind, as
// its registry entry declares them.
func (it Item) paramProblems() [][2]string {
	var out [][2]string
	fields := it.paramFields()
	k, isKind := fault.Lookup(it.Fault)
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if _, takes := k.Param(name); name == "target" || takes || !isSet(fields[name]) {
			continue
		}
		var kinds []string
		for _, o := range fault.Registry() {
			if _, ok := o.Param(name); ok {
				kinds = append(kinds, o.Name)
			}
		}
		out = append(out, [2]string{name, fmt.Sprintf("%s does not go with %s; it is for %v", name, orProbe(it), kinds)})
	}
	if !isKind {
		return out
	}
	if _, takes := k.Param("target"); !takes && it.Target != "" {
		var required []string
		for _, p := range k.Params {
			if p.Required {
				required = append(required, p.Name)
			}
		}
		out = append(out, [2]string{"target", fmt.Sprintf("%s takes no target: name the hosts with %s", it.Fault, strings.Join(required, " and "))})
	}
	if len(k.NeedsOneOf) > 0 && !slices.ContainsFunc(k.NeedsOneOf, func(name string) bool { return isSet(fields[name]) }) {
		n := len(k.NeedsOneOf)
		need := strings.Join(k.NeedsOneOf[:n-1], ", ") + " or " + k.NeedsOneOf[n-1]
		out = append(out, [2]string{"fault", fmt.Sprintf("%s needs %s", it.Fault, strings.TrimPrefix(need, " or "))})
	}
	return out
}
