package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/docker"
	"github.com/haharness/haharness/harness/harnesstest"
	"github.com/haharness/haharness/images"
	"github.com/haharness/haharness/internal/poll"
)

// TestKilledStartIsCollected kills a process with SIGKILL while it starts a
// cluster and checks that harness.GC (what TestMain and `haharness gc` run)
// removes every container and network it left.
func TestKilledStartIsCollected(t *testing.T) {
	harnesstest.RequireDocker(t)
	ctx := t.Context()
	name := "killed" + time.Now().Format("150405")
	eng := docker.New()
	t.Cleanup(func() { _ = harness.Remove(context.Background(), name) })

	cmd := exec.Command(os.Args[0], "-test.run=^$") // TestMain sees the variable and starts the cluster
	cmd.Env = append(os.Environ(), "HAHARNESS_HELPER_CLUSTER="+name)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once its hosts exist, i.e. mid-start.
	err := poll.Until(ctx, "helper's hosts created", 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		cs, err := eng.ListContainers(ctx, docker.LabelCluster+"="+name)
		return len(cs) == 3, fmt.Sprintf("%d containers", len(cs)), err
	})
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatal(err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	list, err := harness.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ci := range list {
		if ci.Name == name {
			found = true
			if !ci.Orphaned {
				t.Errorf("cluster of a killed process not seen as orphaned: %+v", ci)
			}
		}
	}
	if !found {
		t.Fatalf("the killed start left nothing to collect: the test proves nothing (list %+v)", list)
	}
	removed, err := harness.GC(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gc removed %v", removed)
	cs, _ := eng.ListContainers(ctx, docker.LabelCluster+"="+name)
	nets, _ := eng.ListNetworks(ctx, docker.LabelCluster+"="+name)
	if len(cs)+len(nets) != 0 {
		t.Fatalf("left behind after gc: containers %v networks %v", cs, nets)
	}
}

// TestImageContract checks that an image missing the contract is refused
// before anything is created, naming what is missing.
func TestImageContract(t *testing.T) {
	harnesstest.RequireDocker(t)
	ctx := t.Context()
	// The harness's own image meets it.
	rel, _ := images.Lookup(images.DefaultHadoop)
	ref, err := (&images.Builder{Engine: docker.New()}).Ensure(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	if err := images.CheckContract(ctx, docker.New(), ref); err != nil {
		t.Fatalf("own image fails the contract: %v", err)
	}
	// The base image (JDK and tools, no Hadoop) does not.
	_, err = harness.Start(ctx, harness.WithName("badimage"), harness.WithImage(images.BaseRef()))
	if err == nil || !strings.Contains(err.Error(), "does not meet the haharness contract") || !strings.Contains(err.Error(), "missing command: hdfs") {
		t.Fatalf("Start with a bare image: %v", err)
	}
	if cs, _ := docker.New().ListContainers(ctx, docker.LabelCluster+"=badimage"); len(cs) != 0 {
		t.Fatalf("containers created for a bad image: %v", cs)
	}
}
