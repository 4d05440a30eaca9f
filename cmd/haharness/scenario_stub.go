//go:build hh_noscenarios

package main

import (
	"context"
	"fmt"
)

// Built without package scenarios: the scenario commands say so.

func cmdScenario(_ context.Context, e *env, _ []string) error { return notAvailable(e, "scenario") }
func cmdReport(_ context.Context, e *env, _ []string) error   { return notAvailable(e, "report") }
func cmdSoak(_ context.Context, e *env, _ []string) error     { return notAvailable(e, "soak") }

func notAvailable(e *env, name string) error {
	fmt.Fprintf(e.stderr, "haharness %s: not available in this build (built with -tags hh_noscenarios)\n", name)
	return errUsage
}
