package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/scenarios/spec"
)

// Files are the built-in scenario files (scenarios/files/*.yaml): most of
// the catalogue is kept as files, which read as what they do and which a
// user copies and edits to reproduce a report.
//
//go:embed files/*.yaml
var Files embed.FS

var (
	filesOnce sync.Once
	fileScs   []Scenario
	filesErr  error
)

// FileScenarios returns the built-in scenario files as scenarios, in file
// name order. A built-in file that does not load is a build defect
// (TestBuiltInFiles) and is reported by All as a panic.
func FileScenarios() ([]Scenario, error) {
	filesOnce.Do(func() {
		fileScs, filesErr = readFiles(Files, "scenarios")
		for _, m := range harness.AddonModules() {
			if m.Scenarios == nil || filesErr != nil {
				continue
			}
			var scs []Scenario
			scs, filesErr = readFiles(m.Scenarios, "addons/"+m.Name)
			fileScs = append(fileScs, scs...)
		}
	})
	return fileScs, filesErr
}

// readFiles parses the scenario files files/*.yaml of fsys, naming them
// under dir.
func readFiles(fsys fs.FS, dir string) ([]Scenario, error) {
	names, err := fs.Glob(fsys, "files/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []Scenario
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		f, err := spec.Parse(path.Join(dir, n), b, SpecAddons()...)
		if err != nil {
			return nil, err
		}
		out = append(out, FromFile(f))
	}
	return out, nil
}

// All returns every built-in scenario, in a stable order: the files of
// scenarios/files, then those written in Go (random-chaos, in chaos.go: a
// generator, whose executed schedule each run saves as a file). The
// add-ons' files (addons/NAME/files) come after scenarios/files.
func All() []Scenario {
	files, err := FileScenarios()
	if err != nil {
		panic(fmt.Sprintf("built-in scenario files: %v", err))
	}
	return append(files,
		Scenario{
			Name:        "random-chaos",
			Description: "A seeded schedule of faults (kills, freezes, partitions, degraded links) with the workload running; the same seed replays the same schedule, and each run saves the schedule it executed as scenario.yaml.",
			Steps:       randomChaos,
		},
	)
}

// firstLine is the first line of s, at most 200 bytes of it.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// lastLine is the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
