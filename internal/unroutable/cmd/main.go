// Command unroutable runs a command unable to reach container addresses
// (see package unroutable): `go run ./internal/unroutable/cmd -- go test ./e2e`.
// It is what `make e2e` runs the end-to-end suite under, so the suite runs
// the way tests run on Docker Desktop, Colima, Podman and remote engines.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/haharness/haharness/internal/unroutable"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: unroutable -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	remove, err := unroutable.Install()
	if err != nil {
		fmt.Fprintf(os.Stderr, "unroutable: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "unroutable: packets of group %d to %v are rejected; running %v\n", unroutable.GID, unroutable.Ranges, args)
	cmd := unroutable.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt, syscall.SIGTERM) // the child gets them from the terminal; rules come off after it ends
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		fmt.Fprintf(os.Stderr, "unroutable: %v\n", err)
		code = 1
	}
	if rerr := remove(); rerr != nil {
		fmt.Fprintf(os.Stderr, "unroutable: remove rules: %v\n", rerr)
		code = 1
	}
	os.Exit(code)
}
