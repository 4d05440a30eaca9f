// Package layering holds the test that keeps haharness's imports flowing
// downward (style-anchors §5): pure packages import no Docker adapter, no
// facade and no testing; only harnesstest and tests may import testing.
package layering

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/haharness/haharness/"

func TestLayering(t *testing.T) {
	forbidden := map[string][]string{
		"harness/topology":    {"harness", "harness/docker", "harness/config", "images", "testing"},
		"harness/config":      {"harness", "harness/docker", "images", "testing"},
		"harness/fault":       {"harness", "harness/docker", "images", "testing", "scenarios"},
		"harness/observe":     {"harness", "harness/docker", "images", "testing"},
		"harness/docker":      {"harness", "harness/topology", "images", "testing"},
		"scenarios/invariant": {"harness", "harness/docker", "testing"},
		"internal/poll":       {"harness", "testing"},
		"harness":             {"scenarios", "testing", "cmd/haharness"},
		"images":              {"harness", "testing"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-json", "-deps=false", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		var p struct{ Imports []string }
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			for _, b := range bad {
				if imp == b || imp == mod+b {
					t.Errorf("%s imports %s: imports must go downward", pkg, imp)
				}
			}
			if strings.Contains(imp, "testcontainers") {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
}

// TestNoBareSleeps: waiting on time happens only in internal/poll.
func TestNoBareSleeps(t *testing.T) {
	out, err := exec.Command("git", "-C", "../..", "grep", "-n", "time\\.Sleep(", "--", "*.go").Output()
	if err != nil && len(out) == 0 {
		return // git grep exits 1 when nothing matches
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || strings.HasPrefix(line, "internal/poll/") || strings.HasPrefix(line, "internal/layering/") {
			continue
		}
		t.Errorf("bare sleep outside internal/poll: %s", line)
	}
}
