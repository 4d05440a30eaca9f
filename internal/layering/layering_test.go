// Package layering holds the test that keeps haharness's imports flowing
// downward (style-anchors §5): pure packages import no Docker adapter, no
// facade and no testing; only harnesstest and tests may import testing.
package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mod = "github.com/haharness/haharness/"

// dockerAdapter is the only package that may import the Docker client
// libraries (testcontainers-go, github.com/moby/*, github.com/docker/docker).
const dockerAdapter = "harness/docker"

// isDockerLibrary reports whether imp is a Docker client library.
func isDockerLibrary(imp string) bool {
	return strings.Contains(imp, "testcontainers") ||
		strings.HasPrefix(imp, "github.com/moby/") ||
		imp == "github.com/docker/docker" || strings.HasPrefix(imp, "github.com/docker/docker/")
}

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
		require.NoError(t, err, "go list %s", pkg)
		var p struct{ Imports []string }
		require.NoError(t, json.Unmarshal(out, &p), "parse go list output for %s", pkg)
		for _, b := range bad {
			assert.NotContains(t, p.Imports, b, "%s imports %s: imports must go downward", pkg, b)
			assert.NotContains(t, p.Imports, mod+b, "%s imports %s: imports must go downward", pkg, mod+b)
		}
		if pkg == dockerAdapter {
			continue
		}
		for _, imp := range p.Imports {
			assert.False(t, isDockerLibrary(imp), "%s imports %s: only %s may import the Docker libraries", pkg, imp, dockerAdapter)
		}
	}
}

func TestIsDockerLibrary(t *testing.T) {
	for imp, want := range map[string]bool{
		"github.com/testcontainers/testcontainers-go":         true,
		"github.com/testcontainers/testcontainers-go/network": true,
		"github.com/moby/moby/client":                         true,
		"github.com/moby/moby/api/types/container":            true,
		"github.com/docker/docker":                            true,
		"github.com/docker/docker/client":                     true,
		"github.com/docker/go-connections/nat":                false,
		"github.com/docker/dockerfile":                        false,
		"github.com/go-zookeeper/zk":                          false,
		"context":                                             false,
	} {
		assert.Equal(t, want, isDockerLibrary(imp), imp)
	}
}

// gitGrep returns the lines of the repository's tracked and untracked (but
// not ignored) files under paths that match pattern. It fails t when git
// grep fails for any reason other than finding nothing.
func gitGrep(t *testing.T, pattern string, paths ...string) []string {
	t.Helper()
	args := append([]string{"-C", "../..", "grep", "--untracked", "-n", pattern, "--"}, paths...)
	var stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && len(out) == 0 && stderr.Len() == 0 {
		return nil // git grep exits 1, silently, when nothing matches
	}
	require.NoError(t, err, "git grep %q: %s", pattern, stderr.String())
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// TestNoBareSleeps: waiting on time happens only in internal/poll.
func TestNoBareSleeps(t *testing.T) {
	// The grep must see the sources: a pattern known to exist is found.
	require.NotEmpty(t, gitGrep(t, "func Until(", "internal/poll/*.go"),
		"git grep does not see internal/poll/poll.go's func Until: the sleep check below would prove nothing")
	var bare []string
	for _, line := range gitGrep(t, "time\\.Sleep(", "*.go") {
		if !strings.HasPrefix(line, "internal/poll/") && !strings.HasPrefix(line, "internal/layering/") {
			bare = append(bare, line)
		}
	}
	assert.Empty(t, bare, "bare sleeps outside internal/poll")
}

// TestNoDockerCLI: the engine is reached through the Engine API only
// (harness/docker); no Go file execs the docker binary.
func TestNoDockerCLI(t *testing.T) {
	require.NotEmpty(t, gitGrep(t, `exec\.Command`, "*.go"),
		"git grep sees no exec.Command at all: the check below would prove nothing")
	assert.Empty(t, gitGrep(t, `exec\.Command\(Context\)\?(.*"docker"`, "*.go"), "Go code that execs the docker CLI")
}
