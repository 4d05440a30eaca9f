// Command testplan runs a test command's parts and prints where the time
// went (package testplan):
//
//	go run ./internal/testplan/cmd [-title T] [-budget 40m] [-out FILE] 'NAME=COMMAND' ...
//
// Run from another plan (HAHARNESS_PLAN_NESTED=1 in its environment), it
// prints its parts as `timing:` lines for the outer table instead of a
// table of its own. It exits 1 when a part fails, 2 on bad arguments.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/haharness/haharness/internal/testplan"
)

func main() {
	title := flag.String("title", "test", "name of the plan in its table")
	budget := flag.Duration("budget", 0, "time the whole plan should fit in (printed beside the total; 0: none)")
	out := flag.String("out", "", "also write the table to this `file`")
	flag.Parse()
	var parts []testplan.Part
	for _, a := range flag.Args() {
		p, err := testplan.ParsePart(a)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testplan:", err)
			os.Exit(2)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		fmt.Fprintln(os.Stderr, "testplan: no parts: give NAME=COMMAND arguments")
		os.Exit(2)
	}
	nested := os.Getenv("HAHARNESS_PLAN_NESTED") == "1"
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	outs, err := testplan.Run(ctx, parts, os.Stdout)
	if nested {
		fmt.Print(testplan.TimingLines(outs))
	} else {
		table := testplan.Table(*title, outs, time.Since(start), *budget)
		fmt.Print(table)
		if *out != "" {
			if werr := os.MkdirAll(filepath.Dir(*out), 0o755); werr == nil {
				werr = os.WriteFile(*out, []byte(table), 0o644)
				if werr != nil {
					fmt.Fprintln(os.Stderr, "testplan:", werr)
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testplan:", err)
		os.Exit(1)
	}
}
