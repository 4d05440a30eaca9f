package testplan

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// Run runs the parts in order with bash, their output passed to out, and
// stops at the first that fails; it returns every part's outcome (those
// after a failure not run) and the first error.
func Run(ctx context.Context, parts []Part, out io.Writer) ([]Outcome, error) {
	outs := make([]Outcome, len(parts))
	var first error
	for i, p := range parts {
		outs[i].Part = p
		if first != nil {
			continue
		}
		fmt.Fprintf(out, "\n== part %d of %d: %s: %s\n", i+1, len(parts), p.Name, p.Command)
		s := &Scanner{}
		w := &Writer{W: out, S: s}
		cmd := exec.CommandContext(ctx, "bash", "-c", p.Command)
		cmd.Stdout, cmd.Stderr, cmd.Stdin = w, w, nil
		cmd.Env = append(os.Environ(), "HAHARNESS_PLAN_NESTED=1")
		start := time.Now()
		err := cmd.Run()
		w.Flush()
		outs[i].Took, outs[i].Ran, outs[i].Rows, outs[i].Skips = time.Since(start), true, s.Rows, s.Skips
		if err != nil {
			outs[i].Err = err
			first = fmt.Errorf("part %s (%s): %w", p.Name, p.Command, err)
		}
	}
	return outs, first
}
