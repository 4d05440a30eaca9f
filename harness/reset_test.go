package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/harness/topology"
)

func TestPathsToDelete(t *testing.T) {
	tree := map[string][]string{
		"/":                {"/app", "/e2e", "/tmp", "/user"},
		"/tmp":             {"/tmp/hadoop-yarn", "/tmp/logs", "/tmp/x"},
		"/tmp/hadoop-yarn": {"/tmp/hadoop-yarn/staging"},
		"/user":            {"/user/root"},
		"/user/root":       {"/user/root/keep", "/user/root/keeper", "/user/root/tmp"},
	}
	for _, tc := range []struct {
		name    string
		entries map[string][]string
		keep    []string
		want    []string
	}{
		{"empty HDFS: nothing", map[string][]string{}, nil, nil},
		{"only the root listed and empty", map[string][]string{"/": nil}, nil, nil},
		{"no keep: every entry of / whole", tree, nil, []string{"/app", "/e2e", "/tmp", "/user"}},
		{"keep a top-level directory", tree, []string{"/tmp"}, []string{"/app", "/e2e", "/user"}},
		{"keep a nested path: its ancestors stay, their other entries go", tree, []string{"/tmp/logs"},
			[]string{"/app", "/e2e", "/tmp/hadoop-yarn", "/tmp/x", "/user"}},
		{"a kept path is a path, not a prefix of names", tree, []string{"/user/root/keep"},
			[]string{"/app", "/e2e", "/tmp", "/user/root/keeper", "/user/root/tmp"}},
		{"several keeps, one under another", tree, []string{"/tmp/hadoop-yarn/staging", "/tmp", "/app"},
			[]string{"/e2e", "/user"}},
		{"a kept path that does not exist keeps nothing else", tree, []string{"/nothing/here"},
			[]string{"/app", "/e2e", "/tmp", "/user"}},
		{"a kept path under a directory not listed: that directory stays", map[string][]string{"/": {"/a", "/b"}},
			[]string{"/a/b/c"}, []string{"/b"}},
		{"keep / keeps everything", tree, []string{"/"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, pathsToDelete(tc.entries, tc.keep))
		})
	}
}

func TestResetTargets(t *testing.T) {
	c := &Cluster{name: "x", topo: topology.Guide()}
	for _, tc := range []struct {
		name           string
		o              ResetOptions
		nn, rm, errHas string
		keep           []string
	}{
		{name: "defaults: the first of each", nn: "nn1", rm: "rm1"},
		{name: "asked for", o: ResetOptions{NameNode: "nn2", ResourceManager: "rm2"}, nn: "nn2", rm: "rm2"},
		{name: "any leaves the actives", o: ResetOptions{NameNode: AnyActive, ResourceManager: AnyActive}},
		{name: "unknown namenode", o: ResetOptions{NameNode: "nn3"}, errHas: `namenode "nn3": the topology's are [nn1 nn2]`},
		{name: "a host is not an id", o: ResetOptions{ResourceManager: "hadoop002"}, errHas: `resourcemanager "hadoop002": the topology's are [rm1 rm2]`},
		{name: "keep paths cleaned", o: ResetOptions{KeepPaths: []string{"/a/", "/b//c/../d"}}, nn: "nn1", rm: "rm1", keep: []string{"/a", "/b/d"}},
		{name: "relative keep path", o: ResetOptions{KeepPaths: []string{"tmp"}}, errHas: `keep path "tmp": want an absolute HDFS path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nn, rm, keep, err := c.resetTargets(tc.o)
			if tc.errHas != "" {
				require.ErrorContains(t, err, tc.errHas)
				require.ErrorIs(t, err, ErrResetOptions)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.nn, nn)
			assert.Equal(t, tc.rm, rm)
			assert.Equal(t, tc.keep, keep)
		})
	}
}
