package fault

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSkewClockOffset(t *testing.T) {
	for _, c := range []struct {
		f       SkewClock
		want    string
		wantErr string
	}{
		{SkewClock{Ahead: 10 * time.Minute}, "+600", ""},
		{SkewClock{Behind: 90 * time.Second}, "-90", ""},
		{SkewClock{}, "", "give one of ahead and behind"},
		{SkewClock{Ahead: time.Minute, Behind: time.Minute}, "", "give one of ahead and behind"},
		{SkewClock{Ahead: 1500 * time.Millisecond}, "", "whole seconds"},
		{SkewClock{Ahead: -time.Second}, "", ">= 0"},
	} {
		got, err := c.f.offset()
		if c.wantErr != "" {
			assert.ErrorContains(t, err, c.wantErr, "%+v", c.f)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
	assert.Equal(t, "skew-clock active-namenode ahead=10m0s", SkewClock{Target: ActiveNameNode, Ahead: 10 * time.Minute}.String())
	assert.Equal(t, "skew-clock hadoop002 behind=1m0s", SkewClock{Target: "hadoop002", Behind: time.Minute}.String())
}

// clockRuntime answers the clock script as a host whose with-host-clock
// reads the offset file (lag seconds late), or as an image without
// the clock library.
type clockRuntime struct {
	*fakeRuntime
	offset  map[string]string
	noLib   bool
	ignores bool // with-host-clock does not apply the offset
}

func (c *clockRuntime) Shell(ctx context.Context, host, script string) (string, int, error) {
	if !strings.Contains(script, ClockOffsetFile) {
		return c.fakeRuntime.Shell(ctx, host, script)
	}
	c.scripts[host] = append(c.scripts[host], script)
	if c.noLib {
		return "no host clock library", 3, nil
	}
	var off int64
	for _, o := range []string{"+600", "-600", "+0"} {
		if strings.Contains(script, "echo '"+o+"'") {
			c.offset[host] = o
			fmt.Sscan(o, &off)
		}
	}
	if c.ignores {
		off = 0
	}
	now := time.Now().Unix()
	return fmt.Sprintf("%d %d\n", now, now+off), 0, nil
}

func TestSkewClockInjectsAndHeals(t *testing.T) {
	rt := &clockRuntime{fakeRuntime: newFake(), offset: map[string]string{}}
	start := time.Now()
	a, err := SkewClock{Target: ActiveNameNode, Ahead: 10 * time.Minute}.Inject(ctx(t), rt)
	require.NoError(t, err)
	assert.Equal(t, []string{"hadoop001"}, a.Targets, "the active NameNode's host")
	assert.Equal(t, "+600", rt.offset["hadoop001"])
	assert.GreaterOrEqual(t, time.Since(start), ClockReread, "returns once running daemons re-read the offset")
	healed := time.Now()
	require.NoError(t, a.Heal(ctx(t), rt))
	assert.Equal(t, "+0", rt.offset["hadoop001"])
	assert.GreaterOrEqual(t, time.Since(healed), ClockReread, "the heal, too, returns once running daemons re-read it")
	assert.Empty(t, rt.offset["hadoop002"], "only the target's host")
}

func TestSkewClockFailsClearly(t *testing.T) {
	rt := &clockRuntime{fakeRuntime: newFake(), offset: map[string]string{}, noLib: true}
	_, err := SkewClock{Target: "hadoop002", Behind: 10 * time.Minute}.Inject(ctx(t), rt)
	require.ErrorContains(t, err, "no host clock library")

	rt = &clockRuntime{fakeRuntime: newFake(), offset: map[string]string{}, ignores: true}
	_, err = SkewClock{Target: "hadoop002", Behind: 10 * time.Minute}.Inject(ctx(t), rt)
	require.ErrorContains(t, err, "reads +0s from the true time, want -600s")
	assert.Equal(t, "+0", rt.offset["hadoop002"], "a failed injection is undone")
}
