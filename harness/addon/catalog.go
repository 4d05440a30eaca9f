package addon

import (
	"fmt"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Catalog is a list of modules: the registered ones (addons.All) or those a
// cluster runs.
type Catalog []Module

// Names lists the modules' names.
func (c Catalog) Names() []string {
	out := make([]string, len(c))
	for i, m := range c {
		out[i] = m.Name
	}
	return out
}

// Lookup returns the modules names names, in the catalogue's order; an
// unknown name is an error listing the known ones.
func (c Catalog) Lookup(names ...string) (Catalog, error) {
	for _, n := range names {
		if !slices.Contains(c.Names(), n) {
			return nil, fmt.Errorf("unknown add-on %q: the add-ons are %s (e.g. --with %s)", n, strings.Join(c.Names(), ", "), strings.Join(c.Names(), ","))
		}
	}
	var out Catalog
	for _, m := range c {
		if slices.Contains(names, m.Name) {
			out = append(out, m)
		}
	}
	return out, nil
}

// On returns the modules topology t runs: those with a role t places.
func (c Catalog) On(t topology.Topology) Catalog {
	var out Catalog
	for _, m := range c {
		if slices.ContainsFunc(m.Roles, func(r Role) bool { return len(t.On(r.Role)) > 0 }) {
			out = append(out, m)
		}
	}
	return out
}

// Place returns t with every module of c placed (Module.Place).
func (c Catalog) Place(t topology.Topology) topology.Topology {
	for _, m := range c {
		if m.Place != nil {
			t = m.Place(t)
		}
	}
	return t
}

// Validate checks t with the modules' roles known, and each module that t
// runs by its own rules.
func (c Catalog) Validate(t topology.Topology) error {
	var roles []topology.Role
	for _, m := range c {
		for _, r := range m.Roles {
			roles = append(roles, r.Role)
		}
	}
	err := t.Validate(roles...)
	var bad []string
	for _, m := range c.On(t) {
		if m.Validate != nil {
			bad = append(bad, m.Validate(t)...)
		}
	}
	if len(bad) == 0 {
		return err
	}
	errs := []error{err}
	for _, b := range bad {
		errs = append(errs, fmt.Errorf("%w: %s", topology.ErrInvalid, b))
	}
	return joinErrs(errs)
}

// Role returns the module role r belongs to.
func (c Catalog) Role(r topology.Role) (Role, bool) {
	for _, m := range c {
		for _, x := range m.Roles {
			if x.Role == r {
				return x, true
			}
		}
	}
	return Role{}, false
}

// Selectors are every module's selector extensions.
func (c Catalog) Selectors() []fault.Extension {
	var out []fault.Extension
	for _, m := range c {
		out = append(out, m.Selectors...)
	}
	return out
}

// Images are every module's image layer.
func (c Catalog) Images() []Image {
	var out []Image
	for _, m := range c {
		out = append(out, m.Image)
	}
	return out
}

// ByName returns the module named name.
func (c Catalog) ByName(name string) (Module, bool) {
	i := slices.IndexFunc(c, func(m Module) bool { return m.Name == name })
	if i < 0 {
		return Module{}, false
	}
	return c[i], true
}

// Composable are c's modules but its variants (Module.Variant): the
// systems one cluster can run all at once.
func (c Catalog) Composable() Catalog {
	var out Catalog
	for _, m := range c {
		if !m.Variant {
			out = append(out, m)
		}
	}
	return out
}

// PlaceOnLastHost returns t with role placed on its last host of Hadoop's
// (hadoop003 in the guide's preset, the host without a NameNode; a host
// only another system's daemons run on does not count) unless t places
// role already or has no such host: a system's one daemon. A copy: t is
// not changed.
func PlaceOnLastHost(t topology.Topology, role topology.Role) topology.Topology {
	if len(t.On(role)) > 0 {
		return t
	}
	for i := len(t.Hosts) - 1; i >= 0; i-- {
		h := t.Hosts[i]
		if slices.ContainsFunc(topology.Roles(), func(r topology.Role) bool { return t.Has(h, r) }) {
			t = t.Clone()
			t.Roles[role] = []string{h}
			return t
		}
	}
	return t
}
