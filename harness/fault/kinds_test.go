package fault

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// registryProblems is what is wrong with a registry: duplicate or
// non-kebab-case names, parameters that disagree across kinds, commands
// and aims that name parameters the kind does not take.
func registryProblems(ks []Kind) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	names, labels := map[string]bool{}, map[string]bool{}
	types := map[string]ParamType{}
	for _, k := range ks {
		if !kebab.MatchString(k.Name) {
			bad("kind %q is not kebab-case", k.Name)
		}
		if names[k.Name] {
			bad("kind %q is registered twice", k.Name)
		}
		names[k.Name] = true
		if k.Build == nil || k.ValuesOf == nil {
			bad("kind %q: no Build or ValuesOf", k.Name)
		}
		declared := map[string]bool{}
		for _, p := range k.Params {
			if declared[p.Name] {
				bad("kind %q: parameter %q twice", k.Name, p.Name)
			}
			declared[p.Name] = true
			if t, ok := types[p.Name]; ok && t != p.Type {
				bad("kind %q: parameter %q is a %s here, a %s in another kind", k.Name, p.Name, p.Type, t)
			}
			types[p.Name] = p.Type
			if p.Type == TypeSignal && (len(p.Enum) == 0 || (p.Default != "" && !slices.Contains(p.Enum, p.Default))) {
				bad("kind %q: signal parameter %q needs an Enum holding its default", k.Name, p.Name)
			}
		}
		var uses []string
		uses = append(uses, k.NeedsOneOf...)
		if c := k.Command; c != nil {
			uses = append(append(uses, c.Positional...), c.Flags...)
		}
		for _, a := range k.Nemesis {
			for _, l := range append([]string{a.Label}, a.Formerly...) {
				if labels[l] {
					bad("aim label %q twice", l)
				}
				labels[l] = true
			}
			if !strings.HasPrefix(a.Label, k.Name+" ") || a.Weight < 0 {
				bad("kind %q: aim %q must start with the kind's name and weigh 0 or more", k.Name, a.Label)
			}
			for name := range a.Values {
				uses = append(uses, name)
			}
		}
		for _, u := range uses {
			if !declared[u] {
				bad("kind %q uses parameter %q it does not declare", k.Name, u)
			}
		}
	}
	return append(out, commandProblems(ks)...)
}

// commandProblems is what is wrong with the kinds' CLI commands: a shared
// command needs one kind carrying its synopsis and a kind per target.
func commandProblems(ks []Kind) []string {
	var out []string
	shared := map[string][]Kind{}
	var names []string
	for _, k := range ks {
		if k.Command == nil {
			continue
		}
		if shared[k.Command.Name] == nil {
			names = append(names, k.Command.Name)
		}
		shared[k.Command.Name] = append(shared[k.Command.Name], k)
	}
	for _, n := range names {
		var carrier []Kind
		targets := map[CommandTargets]bool{}
		for _, k := range shared[n] {
			if k.Command.Help != "" {
				carrier = append(carrier, k)
			}
			targets[k.Command.Targets] = true
		}
		if len(carrier) != 1 {
			out = append(out, fmt.Sprintf("command %s: %d kinds carry its help, want 1", n, len(carrier)))
			continue
		}
		if len(shared[n]) > 1 && (len(targets) != len(shared[n]) || targets[AnyTargets]) {
			out = append(out, fmt.Sprintf("command %s: its kinds need distinct DaemonTargets and HostTargets", n))
		}
		for _, k := range shared[n] {
			for _, name := range carrier[0].Command.Positional {
				if p, ok := k.Param(name); !ok || (p.Type != TypeSelector && p.Type != TypeGroups) {
					out = append(out, fmt.Sprintf("command %s: kind %s takes no selector or groups %q", n, k.Name, name))
				}
			}
			for _, name := range k.Command.Flags {
				if p, _ := k.Param(name); p.Type == TypeSelector || p.Type == TypeGroups {
					out = append(out, fmt.Sprintf("command %s: flag %q is a %s", n, name, p.Type))
				}
			}
		}
	}
	return out
}

func TestRegistryIsWellFormed(t *testing.T) {
	assert.Empty(t, registryProblems(Registry()))
	var names []string
	for _, k := range Registry() {
		names = append(names, k.Name)
		got, ok := Lookup(k.Name)
		require.True(t, ok, k.Name)
		assert.Equal(t, k.Name, got.Name)
	}
	assert.Equal(t, names, Kinds())
	_, ok := Lookup("zap")
	assert.False(t, ok)
}

// The check above proves something only if it rejects a bad registry.
func TestRegistryProblemsRejectsDuplicatesAndCase(t *testing.T) {
	ks := Registry()
	ks = append(ks, ks[0], Kind{Name: "Kill_Daemon", Build: ks[0].Build, ValuesOf: ks[0].ValuesOf},
		Kind{Name: "x", Params: []Param{{Name: "target", Type: TypePorts}}, Command: &Command{Flags: []string{"nope"}}})
	probs := strings.Join(registryProblems(ks), "\n")
	assert.Contains(t, probs, `kind "kill-daemon" is registered twice`)
	assert.Contains(t, probs, `kind "Kill_Daemon" is not kebab-case`)
	assert.Contains(t, probs, `parameter "target" is a ports here, a selector in another kind`)
	assert.Contains(t, probs, `kind "x" uses parameter "nope" it does not declare`)
	assert.Contains(t, probs, `aim label "kill-daemon active-namenode" twice`)
	assert.Contains(t, probs, "command kill: 2 kinds carry its help, want 1")
}

// sample is a value of each parameter type.
func sample(p Param) any {
	switch p.Type {
	case TypeSelector:
		return Selector("hadoop002")
	case TypeGroups:
		return [][]Selector{{"hadoop001"}, {"hadoop002", "hadoop003"}}
	case TypePorts:
		return []int{2181, 8020}
	case TypeDuration:
		return 150 * time.Millisecond
	case TypePercent:
		return 2.5
	case TypeSignal:
		return p.Enum[len(p.Enum)-1]
	}
	panic("no sample of " + p.Type)
}

// Each kind builds a fault that names itself, and reads its values back.
func TestKindsBuildAndReadBack(t *testing.T) {
	ks := Registry()
	for i, k := range ks {
		v := Values{}
		for _, p := range k.Params {
			v[p.Name] = sample(p)
		}
		f := k.Build(v)
		assert.Equal(t, k.Name, f.Kind(), "%T", f)
		assert.True(t, strings.HasPrefix(f.String(), k.Name+" "), "%s: String() must start with the kind: the soak reads kinds off labels", f)
		got, ok := k.ValuesOf(f)
		require.True(t, ok, k.Name)
		assert.Equal(t, v, got, k.Name)
		kk, vv, ok := KindOf(f)
		require.True(t, ok, k.Name)
		assert.Equal(t, k.Name, kk.Name)
		assert.Equal(t, v, vv)
		lk, ok := KindOfLabel("step 3: " + f.String() + " => hadoop001")
		assert.True(t, ok && lk.Name == k.Name, "label of %s", f)
		other := ks[(i+1)%len(ks)]
		_, ok = other.ValuesOf(f)
		assert.False(t, ok, "%s reads a %s", other.Name, k.Name)
	}
}

// Drop and Isolate are kinds of their own, not partitions.
func TestDropAndIsolateNameThemselves(t *testing.T) {
	assert.Equal(t, "drop", Drop{}.Kind())
	assert.Equal(t, "isolate", Isolate{}.Kind())
	assert.Equal(t, "partition", Partition{}.Kind())
	k, ok := KindOfLabel("partition hadoop001")
	assert.True(t, ok && k.Name == KindPartition && k.Unfenceable, "old labels read as before")
}

func TestAimsBuildTheirKind(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range Registry() {
		for _, a := range k.Nemesis {
			f := a.Fault(k, r)
			assert.Equal(t, k.Name, f.Kind(), a.Label)
		}
	}
	deg, _ := Lookup(KindDegrade)
	f := deg.Nemesis[0].Fault(deg, r).(Degrade)
	assert.GreaterOrEqual(t, f.LossPercent, 5.0)
	assert.Nil(t, deg.Nemesis[0].Values["loss"], "Vary draws into a copy")
}
