package e2e

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The e2e tests come in three tiers, so that each command that runs them
// fits its time:
//
//   - quick: what plain `go test ./e2e` (and `go test ./...`) runs, within
//     go test's default 10-minute timeout while another package's cluster
//     shares the machine: the guide's cluster from a fresh init, a warm
//     start, the shared cluster's reset, unreachable container addresses,
//     the image contract and the cleanup guarantees.
//   - test: what `make test` adds (README's test command, CI): every fault
//     kind injected and healed once, the add-ons' cluster with its
//     scenarios.
//   - long: `make test-long`: the heal of every fault kind in rounds, the
//     soak's seeds, random chaos, the shrink demonstration, the Hadoop 3.4.x
//     matrix and its bug reproduction, a binary ended by its timeout.
//
// EnvTier names the tiers to run, comma-separated ("quick,test" is what
// `make test` sets, "long" what `make test-long` sets, "all" every one);
// unset, only quick. HAHARNESS_LONG=1, the older switch, means "all".
const EnvTier = "HAHARNESS_TIER"

// Tier names.
const (
	tierQuick = "quick"
	tierTest  = "test"
	tierLong  = "long"
)

// tiers is the set of tiers this process runs, from the environment.
func tiers() []string {
	v := strings.TrimSpace(os.Getenv(EnvTier))
	if v == "" {
		if l := os.Getenv("HAHARNESS_LONG"); l != "" && l != "0" {
			return []string{tierQuick, tierTest, tierLong}
		}
		return []string{tierQuick}
	}
	var out []string
	for _, f := range strings.Split(v, ",") {
		switch f = strings.TrimSpace(f); f {
		case "all":
			out = append(out, tierQuick, tierTest, tierLong)
		case "":
		default:
			out = append(out, f)
		}
	}
	return out
}

// tier skips t, saying how to run it, unless its tier is one this process
// runs. Every test of the package calls it first.
func tier(t *testing.T, name string) {
	t.Helper()
	run := tiers()
	for _, r := range run {
		if r != tierQuick && r != tierTest && r != tierLong {
			t.Fatalf("%s=%q: unknown tier %q (want quick, test, long or all, comma-separated)", EnvTier, os.Getenv(EnvTier), r)
		}
	}
	if slices.Contains(run, name) {
		return
	}
	switch name {
	case tierTest:
		t.Skipf("tier test (make test runs it): %s=quick,test go test -timeout 60m ./e2e", EnvTier)
	case tierLong:
		t.Skipf("tier long (make test-long runs it): %s=long go test -timeout 120m ./e2e", EnvTier)
	default:
		t.Skipf("tier %s: not in %s=%q", name, EnvTier, os.Getenv(EnvTier))
	}
}

// TestTiersFromTheEnvironment checks the tier switch itself (pure: no
// cluster), in every tier.
func TestTiersFromTheEnvironment(t *testing.T) {
	for _, tc := range []struct {
		tier, long string
		want       []string
	}{
		{"", "", []string{tierQuick}},
		{"", "1", []string{tierQuick, tierTest, tierLong}},
		{"", "0", []string{tierQuick}},
		{"quick,test", "", []string{tierQuick, tierTest}},
		{" long ", "1", []string{tierLong}},
		{"all", "", []string{tierQuick, tierTest, tierLong}},
	} {
		t.Setenv(EnvTier, tc.tier)
		t.Setenv("HAHARNESS_LONG", tc.long)
		if got := tiers(); !slices.Equal(got, tc.want) {
			t.Errorf("%s=%q HAHARNESS_LONG=%q: tiers %v, want %v", EnvTier, tc.tier, tc.long, got, tc.want)
		}
	}
}
