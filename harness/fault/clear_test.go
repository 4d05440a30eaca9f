package fault

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scripted answers Shell with out (and err) and records the scripts.
type scripted struct {
	*fakeRuntime
	out  string
	code int
	err  error
	ran  []string
}

func (s *scripted) Shell(_ context.Context, _ string, script string) (string, int, error) {
	s.ran = append(s.ran, script)
	return s.out, s.code, s.err
}

func TestResidues(t *testing.T) {
	rt := &scripted{fakeRuntime: newFake(), out: "2 3 1 1 1\n"}
	r, err := Residues(ctx(t), rt, "hadoop001")
	require.NoError(t, err)
	assert.Equal(t, Residue{Frozen: 2, FaultRules: 3, DegradeRules: 1, Netem: 1, Clock: 1}, r)
	assert.Equal(t, "2 frozen JVM(s), 3 HH-FAULT rule(s), 1 HH-DEGRADE rule(s), 1 netem qdisc(s), a skewed clock", r.String())
	assert.False(t, r.Zero())
	assert.Equal(t, "nothing", Residue{}.String())
	assert.NotContains(t, rt.ran[0], "iptables -F", "reading residue changes nothing")

	rt.out = "garbage"
	_, err = Residues(ctx(t), rt, "hadoop001")
	require.ErrorContains(t, err, `read fault residue "garbage"`)
	rt.out, rt.code = "", 1
	_, err = Residues(ctx(t), rt, "hadoop001")
	require.ErrorContains(t, err, "exit 1")
}

func TestClearUndoesEveryKindAndChecksItsWork(t *testing.T) {
	rt := &scripted{fakeRuntime: newFake(), out: "1 4 1 0 1\n0 0 0 0 0\n"}
	found, err := Clear(ctx(t), rt, "hadoop002")
	require.NoError(t, err)
	assert.Equal(t, Residue{Frozen: 1, FaultRules: 4, DegradeRules: 1, Clock: 1}, found)
	script := rt.ran[0]
	for _, want := range []string{"pkill -CONT -f -- '-Dproc_'", "iptables -F HH-FAULT", "iptables -F HH-DEGRADE", "tc qdisc del dev eth0 root", "echo '+0' > " + ClockOffsetFile} {
		assert.Contains(t, script, want)
	}
	assert.Less(t, strings.Index(script, "grep -c '^T'"), strings.Index(script, "pkill -CONT"), "counts before clearing")
	assert.Greater(t, strings.LastIndex(script, "grep -c '^T'"), strings.Index(script, "pkill -CONT"), "and after")

	rt.out = "1 4 1 0 0\n0 2 0 0 0\n"
	found, err = Clear(ctx(t), rt, "hadoop002")
	require.ErrorContains(t, err, "still there after clearing: 2 HH-FAULT rule(s)")
	assert.Equal(t, 4, found.FaultRules)

	rt.out = "1 4 1 0 0\n"
	_, err = Clear(ctx(t), rt, "hadoop002")
	require.ErrorContains(t, err, "unexpected output")

	rt.err = errors.New("container is paused")
	_, err = Clear(ctx(t), rt, "hadoop002")
	require.ErrorContains(t, err, "container is paused")
}

// A heal that cannot tell whether the daemon runs must fail (and so be
// retried), not count the fault as healed.
func TestKillDaemonHealFailsWhenItCannotLook(t *testing.T) {
	f := newFake()
	a, err := KillDaemon{Target: ActiveNameNode}.Inject(ctx(t), f)
	require.NoError(t, err)
	broken := &scripted{fakeRuntime: f, err: errors.New("engine unreachable")}
	require.ErrorContains(t, a.Heal(ctx(t), broken), "engine unreachable")
	assert.Empty(t, f.started, "nothing restarted blind")
	require.NoError(t, a.Heal(ctx(t), f), "the next heal retries")
	assert.Len(t, f.started, 1)
}
