// Command genschema writes the fault parts of scenarios/spec's schema.json
// from the fault registry (spec.GenerateSchema). Run it with `go generate
// ./scenarios/spec`; it works in the package's directory.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/haharness/haharness/scenarios/spec"
)

func main() {
	if err := run("schema.json"); err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	gen, err := spec.GenerateSchema(old)
	if err != nil {
		return err
	}
	if bytes.Equal(old, gen) {
		return nil
	}
	if err := os.WriteFile(path, gen, 0o644); err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	fmt.Println("genschema: wrote", path)
	return nil
}
