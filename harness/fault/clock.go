package fault

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haharness/haharness/internal/poll"
)

// The host clock, as the images provide it (images/CONTRACT.md): every
// daemon the launcher starts runs through with-host-clock, which preloads
// the base image's libhostclock.so (images/base/hostclock.c) with the
// offset file below; the harness's own commands (docker exec) read the true
// time, so observing a skewed host still works.
const (
	// ClockOffsetFile holds the host's clock offset in whole seconds
	// ("+0", "+600", "-600").
	ClockOffsetFile = "/var/lib/haharness/clock-offset"
	// clockLib is the host clock library in the image.
	clockLib = "/usr/local/lib/haharness/libhostclock.so"
	// ClockReread is how often a running daemon re-reads the offset.
	ClockReread = time.Second
	// trueClock is the offset file's content when no fault holds.
	trueClock = "+0"
)

// SkewClock shifts the wall clock of every daemon on the target's hosts
// by Ahead (later) or Behind (earlier), as a host whose NTP failed would
// see it: the daemons keep running and read the skewed time from then on
// (within ClockReread); their monotonic clocks, and so their timeouts and
// sleeps, are untouched. Heal sets the offset back to zero. Whatever
// compares timestamps across hosts (tickets, tokens, leases by wall time)
// sees the difference.
type SkewClock struct {
	Target Selector
	Ahead  time.Duration
	Behind time.Duration
}

func (f SkewClock) Kind() string { return KindSkewClock }
func (f SkewClock) String() string {
	if f.Behind > 0 {
		return fmt.Sprintf("skew-clock %s behind=%v", f.Target, f.Behind)
	}
	return fmt.Sprintf("skew-clock %s ahead=%v", f.Target, f.Ahead)
}

// offset is the skew in whole seconds, as the offset file holds it.
func (f SkewClock) offset() (string, error) {
	switch {
	case f.Ahead < 0 || f.Behind < 0:
		return "", fmt.Errorf("skew-clock: ahead and behind must be >= 0, got %v", f)
	case (f.Ahead > 0) == (f.Behind > 0):
		return "", fmt.Errorf("skew-clock: give one of ahead and behind (e.g. ahead: 10m)")
	case f.Ahead%time.Second != 0 || f.Behind%time.Second != 0:
		return "", fmt.Errorf("skew-clock: the offset is whole seconds, got %v", f)
	case f.Ahead > 0:
		return fmt.Sprintf("+%d", int64(f.Ahead/time.Second)), nil
	}
	return fmt.Sprintf("-%d", int64(f.Behind/time.Second)), nil
}

// clockScript writes offset to the host's offset file and prints the
// true and the host's time (seconds), read by a new process through
// with-host-clock; it exits 3 when the image has no host clock library.
func clockScript(offset string) string {
	return fmt.Sprintf(`[ -f %[1]s ] && [ -f %[2]s ] || { echo "no host clock library (%[1]s) or no %[2]s in this image: build it from haharness's images/base"; exit 3; }; `+
		`echo '%[3]s' > %[2]s && echo "$(date +%%s) $(with-host-clock date +%%s)"`, clockLib, ClockOffsetFile, offset)
}

func (f SkewClock) Inject(ctx context.Context, rt Runtime) (Applied, error) {
	offset, err := f.offset()
	if err != nil {
		return Applied{}, err
	}
	want, _ := strconv.ParseInt(offset, 10, 64)
	hosts, err := resolveHosts(ctx, rt, f.Target)
	if err != nil {
		return Applied{}, err
	}
	applied := Applied{Targets: hosts, heal: func(ctx context.Context, rt Runtime) error {
		written := time.Now()
		for _, h := range hosts {
			out, err := mustShell(ctx, rt, h, clockScript(trueClock))
			if err == nil {
				err = checkSkew(out, 0)
			}
			if err != nil {
				return fmt.Errorf("heal skew-clock on %s: %w", h, err)
			}
		}
		return awaitReread(ctx, written)
	}}
	written := time.Now()
	for _, h := range hosts {
		out, err := mustShell(ctx, rt, h, clockScript(offset))
		if err == nil {
			err = checkSkew(out, want)
		}
		if err != nil {
			_ = applied.Heal(context.WithoutCancel(ctx), rt)
			return Applied{}, fmt.Errorf("skew-clock %s: %w", h, err)
		}
	}
	if err := awaitReread(ctx, written); err != nil {
		_ = applied.Heal(context.WithoutCancel(ctx), rt)
		return Applied{}, err
	}
	return applied, nil
}

// awaitReread returns once the running daemons have re-read an offset
// written at written: a new process reads it at once, a running one when
// its clock library next re-reads the file (within ClockReread).
func awaitReread(ctx context.Context, written time.Time) error {
	return poll.Until(ctx, "the daemons re-reading the clock offset", ClockReread/5, func(context.Context) (bool, string, error) {
		since := time.Since(written)
		return since > ClockReread+ClockReread/2, fmt.Sprintf("%v since the offset was written", since.Round(time.Millisecond)), nil
	})
}

// checkSkew checks clockScript's output: the host's time is the true time
// plus want seconds (give or take the seconds between the two reads).
func checkSkew(out string, want int64) error {
	var real, host int64
	if _, err := fmt.Sscan(strings.TrimSpace(out), &real, &host); err != nil {
		return fmt.Errorf("read the host's clock from %q: %w", strings.TrimSpace(out), err)
	}
	if d := host - real - want; d < -2 || d > 2 {
		return fmt.Errorf("the host's clock reads %+ds from the true time, want %+ds: is %s preloaded by with-host-clock?", host-real, want, clockLib)
	}
	return nil
}
