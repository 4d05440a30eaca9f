package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

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
// (TestBuiltInFilesLoad) and is reported by All as a panic.
func FileScenarios() ([]Scenario, error) {
	filesOnce.Do(func() {
		names, err := fs.Glob(Files, "files/*.yaml")
		if err != nil {
			filesErr = err
			return
		}
		for _, n := range names {
			b, err := Files.ReadFile(n)
			if err != nil {
				filesErr = err
				return
			}
			f, err := spec.Parse(path.Join("scenarios", n), b)
			if err != nil {
				filesErr = err
				return
			}
			fileScs = append(fileScs, FromFile(f))
		}
	})
	return fileScs, filesErr
}

// All returns every built-in scenario, in a stable order: the files of
// scenarios/files, then those written in Go (random-chaos, in chaos.go: a
// generator, whose executed schedule each run saves as a file), then the
// add-ons' (AddonScenarios: a cluster with HBase and Kafka).
func All() []Scenario {
	files, err := FileScenarios()
	if err != nil {
		panic(fmt.Sprintf("built-in scenario files: %v", err))
	}
	return append(append(files,
		Scenario{
			Name:        "random-chaos",
			Description: "A seeded schedule of faults (kills, freezes, partitions, degraded links) with the workload running; the same seed replays the same schedule, and each run saves the schedule it executed as scenario.yaml.",
			Steps:       randomChaos,
		},
	), AddonScenarios()...)
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
