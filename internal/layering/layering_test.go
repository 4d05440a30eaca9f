// Package layering holds the test that keeps haharness's imports flowing
// downward (style-anchors §5): pure packages import no Docker adapter, no
// facade and no testing; only harnesstest and tests may import testing.
package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mod = "github.com/haharness/haharness/"

// dockerAdapter is the only package that may import the Docker client
// libraries (testcontainers-go, github.com/moby/*, github.com/docker/docker).
const dockerAdapter = "internal/docker"

// isDockerLibrary reports whether imp is a Docker client library.
func isDockerLibrary(imp string) bool {
	return strings.Contains(imp, "testcontainers") ||
		strings.HasPrefix(imp, "github.com/moby/") ||
		imp == "github.com/docker/docker" || strings.HasPrefix(imp, "github.com/docker/docker/")
}

func TestLayering(t *testing.T) {
	forbidden := map[string][]string{
		"harness/topology":    {"harness", "internal/docker", "harness/config", "images", "testing"},
		"harness/config":      {"harness", "internal/docker", "images", "testing"},
		"harness/fault":       {"harness", "internal/docker", "images", "testing", "scenarios"},
		"harness/observe":     {"harness", "internal/docker", "images", "testing"},
		"internal/docker":     {"harness", "harness/topology", "images", "testing"},
		"scenarios/invariant": {"harness", "internal/docker", "testing"},
		// The scenario file format is pure: no cluster, no engine, no runner.
		"scenarios/spec": {"harness", "internal/docker", "images", "scenarios", "scenarios/invariant", "testing"},
		"internal/poll":  {"harness", "testing"},
		// The HA view is pure: every layer above reads a role through it.
		"harness/ha": {"harness", "harness/observe", "harness/fault", "harness/config", "internal/docker", "images", "scenarios", "testing"},
		"harness":    {"scenarios", "testing", "cmd/haharness"},
		// images stands on the engine adapter beside harness, never on
		// harness or a package of it: harness imports images.
		"images": {"harness", "harness/topology", "harness/config", "harness/observe", "harness/fault", "testing"},
		// What an add-on module stands on, and the modules themselves, sit
		// below the facade (which registers them) and the scenario runner.
		"harness/addon": {"harness", "scenarios", "addons", "cmd/haharness", "testing"},
		"addons":        {"harness", "scenarios", "cmd/haharness", "testing"},
	}
	for _, m := range addonModules(t) {
		forbidden["addons/"+m] = []string{"harness", "scenarios", "addons", "cmd/haharness", "testing"}
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
		if pkg == "images" {
			for _, imp := range p.Imports {
				assert.False(t, strings.HasPrefix(imp, mod+"harness"), "images imports %s: harness imports images, so images stands only on what lies below both (internal/docker)", imp)
			}
		}
		if pkg == dockerAdapter {
			continue
		}
		for _, imp := range p.Imports {
			assert.False(t, isDockerLibrary(imp), "%s imports %s: only %s may import the Docker libraries", pkg, imp, dockerAdapter)
		}
	}
}

// addonModules are the add-on modules: the folders under addons/.
func addonModules(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(moduleRoot(t), "addons"))
	require.NoError(t, err, "list addons/")
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	require.NotEmpty(t, out, "no add-on module under addons/: the checks on them would prove nothing")
	return out
}

// TestOneSystemOneFolder: no Go file outside an add-on's folder names the
// add-on, but the one list that registers the modules (addons/addons.go),
// so deleting the folder and its line removes the system.
func TestOneSystemOneFolder(t *testing.T) {
	for _, m := range addonModules(t) {
		out, err := exec.Command("git", "-C", "../..", "grep", "--untracked", "-l", "-i", "-w", "-e", m, "--", "*.go").Output()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			require.NoError(t, err, "git grep %s", m)
		}
		files := strings.Fields(string(out))
		require.Contains(t, files, "addons/addons.go", "the scan must see the registration list, else it proves nothing")
		var outside []string
		for _, line := range files {
			if !strings.HasPrefix(line, "addons/"+m+"/") && line != "addons/addons.go" {
				outside = append(outside, line)
			}
		}
		assert.Empty(t, outside, "Go files outside addons/%s/ name %s: reach it through its addon.Module (harness/addon) instead", m, m)
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

// TestNoBareSleeps: waiting on time happens only in internal/poll. It parses
// every Go file of the module (tests, examples and commands included) and
// fails on a bare wait outside internal/poll; see bareWaits for what counts.
func TestNoBareSleeps(t *testing.T) {
	t.Run("matcher", testBareWaitsMatcher) // the check below proves something only if this passes

	root := moduleRoot(t)
	var scanned []string
	var bare []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found, err := bareWaits(fset, rel, src)
		if err != nil {
			return err
		}
		scanned = append(scanned, rel)
		if !strings.HasPrefix(rel, waitPackage+"/") {
			bare = append(bare, found...)
		}
		return nil
	})
	require.NoError(t, err, "scan the module's Go files")

	// The scan must have seen the repository, not an empty or wrong tree.
	require.GreaterOrEqual(t, len(scanned), minGoFiles,
		"scanned only %d Go files under %s: the sleep check would prove nothing", len(scanned), root)
	for _, must := range []string{
		waitPackage + "/poll.go",
		"internal/layering/layering_test.go",
		"harness/observe/observe.go",
		"scenarios/recorder.go",
		"cmd/haharness/main.go",
	} {
		require.Contains(t, scanned, must, "the scan missed %s: the sleep check would prove nothing", must)
	}
	dirs := map[string]bool{}
	for _, f := range scanned {
		dirs[strings.SplitN(f, "/", 2)[0]] = true
	}
	for _, top := range []string{"cmd", "e2e", "examples", "harness", "images", "internal", "scenarios"} {
		require.True(t, dirs[top], "the scan saw no Go file under %s/", top)
	}
	assert.Empty(t, bare, "bare waits outside %s: wait with poll.Until (a condition) or poll.Sleep (an intended pause, under a context)", waitPackage)
}

// waitPackage is the one package that may wait on time.
const waitPackage = "internal/poll"

// minGoFiles is well under the module's Go file count (87 when written):
// fewer means the scan looked at the wrong tree.
const minGoFiles = 60

// bareTimeFuncs are the functions of package time that wait with no
// context to end the wait and no handle to stop it.
var bareTimeFuncs = map[string]bool{"Sleep": true, "After": true, "Tick": true}

// shellSleep finds a shell sleep with a duration in a string (a script or
// an sh -c command line run in a container). It does not match property
// names such as dfs.client.failover.sleep.base.millis, nor the keep-alive
// "sleep infinity".
var shellSleep = regexp.MustCompile(`(^|[\s;&|('"])sleep\s+[0-9.$]`)

// bareWaits parses the Go file name and returns "file:line:col: what" for
// each bare wait in it:
//   - time.Sleep, time.After and time.Tick, called or used as values, with
//     package time imported under any name (a dot import included);
//   - a shell sleep with a duration in a string literal;
//   - "sleep" followed by a duration argument in a call or a composite
//     literal (exec.Command("sleep", "5"), []string{"sleep", "5"}).
func bareWaits(fset *token.FileSet, name string, src []byte) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	timePkg := "" // the name package time goes by in this file
	for _, imp := range f.Imports {
		if imp.Path.Value == `"time"` {
			timePkg = "time"
			if imp.Name != nil {
				timePkg = imp.Name.Name
			}
		}
	}
	var found []string
	report := func(n ast.Node, what string) {
		found = append(found, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), what))
	}
	argvSleep := func(args []ast.Expr) {
		for i := 0; i+1 < len(args); i++ {
			if s, ok := stringLit(args[i]); ok && s == "sleep" {
				if next, ok := stringLit(args[i+1]); !ok || next != "infinity" {
					report(args[i], `"sleep" command`)
				}
			}
		}
	}
	notTime := map[*ast.Ident]bool{} // identifiers that are not package time's (selectors, declarations)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			notTime[n.Sel] = true
			if x, ok := n.X.(*ast.Ident); ok && x.Name == timePkg && bareTimeFuncs[n.Sel.Name] {
				report(n, "time."+n.Sel.Name)
			}
		case *ast.FuncDecl:
			notTime[n.Name] = true
		case *ast.Ident:
			if timePkg == "." && bareTimeFuncs[n.Name] && !notTime[n] {
				report(n, "time."+n.Name+" (dot import)")
			}
		case *ast.BasicLit:
			if s, ok := stringLit(n); ok && shellSleep.MatchString(s) {
				report(n, "shell sleep in a string")
			}
		case *ast.CallExpr:
			argvSleep(n.Args)
		case *ast.CompositeLit:
			argvSleep(n.Elts)
		}
		return true
	})
	return found, nil
}

// stringLit returns the value of e if it is a string literal.
func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// moduleRoot is the directory of this module's go.mod, two levels up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "no go.mod at the module root %s", root)
	require.Contains(t, string(gomod), "module "+strings.TrimSuffix(mod, "/")+"\n", "%s is not this module's root", root)
	return root
}

// testBareWaitsMatcher runs bareWaits on known-bad and known-good sources:
// the repository scan relies on it.
func testBareWaitsMatcher(t *testing.T) {
	// sh is "sh -c" plus a shell command line; split so this file itself
	// holds no shell sleep.
	const sl = "sl" + "eep"
	bad := map[string]string{
		"time.Sleep":              `import "time"; func f() { time.Sleep(time.Second) }`,
		"aliased import":          `import t "time"; func f() { t.Sleep(1) }`,
		"dot import":              `import . "time"; func f() { Sleep(Second) }`,
		"time.After in a select":  `import "time"; func f(c chan int) { select { case <-c: case <-time.After(time.Second): } }`,
		"time.After in a receive": `import "time"; func f() { <-time.After(5 * time.Second) }`,
		"time.Tick":               `import "time"; func f() { for range time.Tick(time.Second) {} }`,
		"time.Sleep as a value":   `import "time"; var nap = time.Sleep`,
		"shell sleep":             `import "os/exec"; func f() { exec.Command("sh", "-c", "` + sl + ` 5 && hdfs haadmin -getAllServiceState").Run() }`,
		"shell sleep in a script": "var script = `#!/bin/sh\nuntil nc -z zk1 2181; do " + sl + " 0.5; done\n`",
		"shell sleep of a var":    `var cmd = "` + sl + ` $DELAY; kill -9 $(cat /tmp/nn.pid)"`,
		"sleep argv in a call":    `import "os/exec"; func f() { exec.Command("` + sl + `", "3").Run() }`,
		"sleep argv in a literal": `var argv = []string{"` + sl + `", "3"}`,
		"time.Sleep in a closure": `import "time"; var f = func() { go func() { time.Sleep(1) }() }`,
		"time.Sleep in a test":    `import ("testing"; "time"); func TestX(t *testing.T) { time.Sleep(time.Millisecond) }`,
	}
	for name, body := range bad {
		found, err := bareWaits(token.NewFileSet(), "bad.go", []byte("package p\n"+body+"\n"))
		require.NoError(t, err, "%s: parse", name)
		assert.Len(t, found, 1, "%s: want exactly one bare wait in %s", name, body)
	}
	good := map[string]string{
		"poll.Sleep":              `import "x/internal/poll"; func f(ctx context.Context) { _ = poll.Sleep(ctx, time.Second) }`,
		"timer under a context":   `import "time"; func f() { t := time.NewTimer(time.Second); defer t.Stop() }`,
		"durations and deadlines": `import "time"; var d = 3 * time.Second; var at = time.Now().Add(d)`,
		"no time import":          `type x struct{}; func (x) Sleep() {}; func f(v x) { v.Sleep() }`,
		"method named Sleep":      `import "time"; type x struct{}; func (x) Sleep(time.Duration) {}; func f(v x) { v.Sleep(1) }`,
		"dot import, own Sleep":   `import . "time"; type x struct{}; func (x) Sleep(Duration) {}; func f(v x) { v.Sleep(Second) }`,
		"sleep in a property key": `var k = map[string]string{"dfs.client.failover.` + sl + `.base.millis": "200", "yarn.client.failover-` + sl + `-max-ms": "2000"}`,
		"keep-alive container":    `var cmd = []string{"` + sl + `", "infinity"}`,
		"word in prose":           `var msg = "the daemon went to ` + sl + `"`,
	}
	for name, body := range good {
		found, err := bareWaits(token.NewFileSet(), "good.go", []byte("package p\n"+body+"\n"))
		require.NoError(t, err, "%s: parse", name)
		assert.Empty(t, found, "%s: no bare wait in %s", name, body)
	}
	_, err := bareWaits(token.NewFileSet(), "broken.go", []byte("package p\nfunc {"))
	assert.Error(t, err, "a file that does not parse is an error, not a clean file")
}

// TestNoDockerCLI: the engine is reached through the Engine API only
// (internal/docker); no Go file execs the docker binary.
func TestNoDockerCLI(t *testing.T) {
	require.NotEmpty(t, gitGrep(t, `exec\.Command`, "*.go"),
		"git grep sees no exec.Command at all: the check below would prove nothing")
	assert.Empty(t, gitGrep(t, `exec\.Command\(Context\)\?(.*"docker"`, "*.go"), "Go code that execs the docker CLI")
}
