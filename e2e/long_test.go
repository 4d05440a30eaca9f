package e2e

import (
	"os"
	"testing"
)

// EnvLong set to anything but "" or "0" runs the long suites too (the
// heal of every fault kind both ways, random chaos, the soak, the add-ons,
// the timed-out binary): `make e2e` and `make soak` set it, so CI runs
// everything. Without it `go test ./e2e` runs the rest within go test's
// default 10-minute timeout.
const EnvLong = "HAHARNESS_LONG"

// long skips t, saying how to run it, unless EnvLong is set.
func long(t *testing.T) {
	t.Helper()
	if v := os.Getenv(EnvLong); v == "" || v == "0" {
		t.Skipf("a long suite (minutes of real clusters): run it with %s=1 (make e2e sets it), with -timeout 90m", EnvLong)
	}
}
