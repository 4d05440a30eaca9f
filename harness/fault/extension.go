package fault

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness/topology"
)

// Extension is the selectors an add-on adds (addon.Module.Selectors): fixed
// names (active-widget) and, optionally, one parametric form
// (widget-of(N)). They apply to a topology that places
// the add-on's role Needs; Resolve answers them from the snapshot, reading
// the add-on's state in Snapshot.Addons[Addon].
type Extension struct {
	// Addon is the add-on's name, for errors and Snapshot.Addons.
	Addon string
	// Needs is a role the topology must place for the selectors to apply.
	Needs topology.Role
	// Names are the fixed selectors, with one line of help each.
	Names map[Selector]string
	// Prefix and Pattern are the parametric form: a selector starting with
	// Prefix must match Pattern; Usage shows it (widget-of(N)).
	Prefix  string
	Pattern *regexp.Regexp
	Usage   string
	// Resolve turns one of the selectors into daemons against snap.
	Resolve func(s Selector, snap Snapshot) ([]topology.Daemon, error)
	// Managed are the process kinds Resolve returns that are no daemons
	// of the harness's: another system starts them again (YARN a killed
	// ApplicationMaster), so healing a kill of one leaves it to that system.
	Managed []topology.Role
}

// Managed reports whether role is a process kind one of exts manages
// itself (Extension.Managed).
func Managed(role topology.Role, exts ...Extension) bool {
	for _, e := range exts {
		if slices.Contains(e.Managed, role) {
			return true
		}
	}
	return false
}

// matches reports whether s is one of e's selectors (a malformed
// parametric one included).
func (e Extension) matches(s Selector) bool {
	_, ok := e.Names[s]
	return ok || (e.Prefix != "" && strings.HasPrefix(string(s), e.Prefix))
}

// parse reports whether s is one of e's selectors, and an error when it is
// malformed or t does not run the add-on.
func (e Extension) parse(s Selector, t topology.Topology) (bool, error) {
	if !e.matches(s) {
		return false, nil
	}
	if _, named := e.Names[s]; !named && (e.Pattern == nil || !e.Pattern.MatchString(string(s))) {
		return true, fmt.Errorf("target %q: want %s", s, e.Usage)
	}
	if len(t.On(e.Needs)) == 0 {
		return true, fmt.Errorf("target %q needs the %s add-on, which this cluster does not run: start it with harness.WithAddons(%q) or `--with %s`",
			s, e.Addon, e.Addon, e.Addon)
	}
	return true, nil
}

// Help lists e's selectors with their help, sorted, the parametric form last.
func (e Extension) Help() [][2]string {
	var out [][2]string
	for n, h := range e.Names {
		out = append(out, [2]string{string(n), h})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	if e.Usage != "" {
		out = append(out, [2]string{e.Usage, "(" + e.Addon + ")"})
	}
	return out
}

// Active returns the one daemon of role r whose state (states, by host) is
// want, preferring among several the host lock names, as active-namenode
// resolves; s and what name it in errors ("active widget").
func (snap Snapshot) Active(s Selector, r topology.Role, states map[string]string, lock, want, what string) ([]topology.Daemon, error) {
	g := snap.group(r, states, func(h string) string { return h })
	g.locked, g.lock = true, lock
	return one(s, r, what)(g.active(want))
}

// First returns the first daemon of role r in topology order whose state
// is want, as standby-namenode resolves.
func (snap Snapshot) First(s Selector, r topology.Role, states map[string]string, want, what string) ([]topology.Daemon, error) {
	g := snap.group(r, states, func(h string) string { return h })
	return one(s, r, what)(g.first(want))
}
