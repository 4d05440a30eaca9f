package images

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/haharness/haharness/internal/docker"
)

// TestBuildReal provides the Hadoop image on the engine (pulled or built)
// and checks it against the contract. It needs an engine, so it runs only
// with HAHARNESS_IMAGES_E2E=1; HAHARNESS_IMAGES_HADOOP picks the release
// (default DefaultHadoop).
//
//	HAHARNESS_IMAGES_E2E=1 go test ./images -run TestBuildReal -v -timeout 30m
func TestBuildReal(t *testing.T) {
	if os.Getenv("HAHARNESS_IMAGES_E2E") != "1" {
		t.Skip("set HAHARNESS_IMAGES_E2E=1 to build the images on the engine")
	}
	ctx := t.Context()
	eng, err := docker.Connect(ctx)
	require.NoError(t, err)
	version := os.Getenv("HAHARNESS_IMAGES_HADOOP")
	if version == "" {
		version = DefaultHadoop
	}
	rel, err := Lookup(version)
	require.NoError(t, err)

	b := &Builder{Engine: eng, Log: slog.New(slog.NewTextHandler(t.Output(), nil))}
	if testing.Verbose() {
		b.Out = t.Output()
	}
	start := time.Now()
	ref, err := b.Ensure(ctx, rel)
	require.NoError(t, err)
	require.Equal(t, Ref(rel), ref)
	t.Logf("Ensure(%s) = %s in %v", rel.Hadoop, ref, time.Since(start).Round(time.Millisecond))

	labels, ok, err := eng.ImageLabels(ctx, ref)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "1", labels[LabelContract])
	require.Equal(t, rel.Hadoop, labels[LabelHadoop])
	require.Equal(t, rel.ZooKeeper, labels[LabelZooKeeper])
	require.NoError(t, CheckContract(ctx, eng, ref))

	// A layer without Hadoop fails the contract, naming what it lacks.
	err = CheckContract(ctx, eng, BaseRef())
	if _, have, _ := eng.ImageLabels(ctx, BaseRef()); have {
		require.ErrorContains(t, err, "missing command: hdfs")
		require.ErrorContains(t, err, "HADOOP_CONF_DIR must be")
	}
	// A name neither local nor in any registry says so.
	require.ErrorContains(t, CheckContract(ctx, eng, "haharness/no-such-image:0"), "neither on the engine nor pullable")

	// No throwaway container is left behind (cluster hosts carry a cluster label).
	cs, err := eng.Containers(ctx, docker.LabelManaged+"=1")
	require.NoError(t, err)
	for _, c := range cs {
		require.NotEmpty(t, c.Labels[docker.LabelCluster], "throwaway container %s (%s) left behind", c.Name, c.State)
	}
}
