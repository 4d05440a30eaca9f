package harness

import (
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// groups are the interfaces of groups.go that partition *Cluster's methods.
var groups = []reflect.Type{
	reflect.TypeFor[Identity](),
	reflect.TypeFor[AddonHost](),
	reflect.TypeFor[Clients](),
	reflect.TypeFor[Views](),
	reflect.TypeFor[Operations](),
	reflect.TypeFor[Faults](),
}

// TestGroupsPartitionCluster checks that every exported method of *Cluster
// is in exactly one group, with the same signature, and that the groups
// name no other method.
func TestGroupsPartitionCluster(t *testing.T) {
	cluster := reflect.TypeOf(&Cluster{})
	methods := map[string]reflect.Method{}
	for i := range cluster.NumMethod() {
		m := cluster.Method(i)
		methods[m.Name] = m
	}
	require.NotEmpty(t, methods)

	in := map[string]string{} // method name -> its group
	for _, g := range groups {
		require.Equal(t, reflect.Interface, g.Kind(), g.String())
		for i := range g.NumMethod() {
			gm := g.Method(i)
			if prev, ok := in[gm.Name]; ok {
				assert.Failf(t, "method in two groups", "%s is in %s and %s: keep it in one", gm.Name, prev, g.Name())
				continue
			}
			in[gm.Name] = g.Name()
			cm, ok := methods[gm.Name]
			if !assert.Truef(t, ok, "%s.%s is not a method of *Cluster", g.Name(), gm.Name) {
				continue
			}
			assert.Truef(t, cm.Type.IsVariadic() == gm.Type.IsVariadic() && sameSignature(cm.Type, gm.Type),
				"%s.%s is %v, *Cluster's is %v", g.Name(), gm.Name, gm.Type, cm.Type)
		}
	}
	var missing []string
	for name := range methods {
		if _, ok := in[name]; !ok {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	assert.Emptyf(t, missing, "methods of *Cluster in no group: add each to one interface of groups.go and to the package doc")
}

// sameSignature compares a method of a concrete type (receiver first) with
// an interface method (no receiver).
func sameSignature(concrete, iface reflect.Type) bool {
	if concrete.NumIn() != iface.NumIn()+1 || concrete.NumOut() != iface.NumOut() {
		return false
	}
	for i := range iface.NumIn() {
		if concrete.In(i+1) != iface.In(i) {
			return false
		}
	}
	for i := range iface.NumOut() {
		if concrete.Out(i) != iface.Out(i) {
			return false
		}
	}
	return true
}
