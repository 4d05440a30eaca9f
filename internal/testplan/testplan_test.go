package testplan

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestScannerTakesTopLevelGoResultsAndTimingLines(t *testing.T) {
	var s Scanner
	w := &Writer{W: &bytes.Buffer{}, S: &s}
	out := "=== RUN   TestGuideCluster\n" +
		"--- PASS: TestGuideCluster (91.62s)\n" +
		"    --- PASS: TestGuideCluster/sub (1.00s)\n" + // a subtest: not a row
		"--- SKIP: TestSoak (0.00s)\n" +
		"--- FAIL: TestFaultSmoke (87.10s)\n" +
		"timing: scenarios default: 8m1.5s (cluster start 31s, 10 files)\n" +
		"timing: not a duration: soon\n" +
		"timing: images (podman): 41.2s"
	for _, chunk := range []string{out[:17], out[17:90], out[90:]} { // lines split across writes
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	want := []Row{
		{"TestGuideCluster", 91620 * time.Millisecond, "PASS"},
		{"TestFaultSmoke", 87100 * time.Millisecond, "FAIL"},
		{"scenarios default", 8*time.Minute + 1500*time.Millisecond, "(cluster start 31s, 10 files)"},
		{"images (podman)", 41200 * time.Millisecond, ""},
	}
	if len(s.Rows) != len(want) {
		t.Fatalf("rows %+v, want %+v", s.Rows, want)
	}
	for i := range want {
		if s.Rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, s.Rows[i], want[i])
		}
	}
	if s.Skips != 1 {
		t.Errorf("skips = %d, want 1", s.Skips)
	}
}

func TestTableShowsFailuresPartsNotRunAndTheBudget(t *testing.T) {
	outs := []Outcome{
		{Part: Part{Name: "lint"}, Ran: true, Took: 62 * time.Second},
		{Part: Part{Name: "e2e"}, Ran: true, Took: 20 * time.Minute, Err: errors.New("exit status 1"),
			Rows: []Row{{"TestAddons", 301 * time.Second, "PASS"}}, Skips: 6},
		{Part: Part{Name: "podman"}},
	}
	got := Table("test", outs, 41*time.Minute, 40*time.Minute)
	for _, want := range []string{
		"== test: where the time went", "lint", "1m2s", "FAILED: exit status 1", "  TestAddons", "5m1s", "PASS",
		"(6 go tests skipped: other tiers)", "podman", "not run", "total", "41m0s", "budget 40m0s: OVER by 1m0s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(Table("t", outs[:1], time.Minute, 40*time.Minute), "OVER") {
		t.Error("a plan within its budget is reported over it")
	}
}

func TestNestedPlanReportsItsPartsAsTimingLines(t *testing.T) {
	outs := []Outcome{{Part: Part{Name: "images"}, Ran: true, Took: 41234 * time.Millisecond},
		{Part: Part{Name: "demo"}, Ran: true, Took: time.Second, Err: errors.New("x")}, {Part: Part{Name: "smoke"}}}
	var s Scanner
	for _, l := range strings.Split(TimingLines(outs), "\n") {
		s.Line(l)
	}
	if len(s.Rows) != 2 || s.Rows[0] != (Row{"images", 41200 * time.Millisecond, "ok"}) || s.Rows[1].Result != "FAILED" {
		t.Fatalf("outer plan read %+v", s.Rows)
	}
}

func TestParsePartRefusesWhatIsNotNameEqualsCommand(t *testing.T) {
	if p, err := ParsePart("unit = go test ./..."); err != nil || p.Name != "unit" || p.Command != "go test ./..." {
		t.Fatalf("got %+v, %v", p, err)
	}
	for _, bad := range []string{"make lint", "=make lint", "lint="} {
		if _, err := ParsePart(bad); err == nil || !strings.Contains(err.Error(), "NAME=COMMAND") {
			t.Errorf("ParsePart(%q) = %v, want an error naming NAME=COMMAND", bad, err)
		}
	}
}

func TestRunStopsAtTheFirstFailedPart(t *testing.T) {
	var out bytes.Buffer
	outs, err := Run(context.Background(), []Part{
		{"one", "echo '--- PASS: TestOne (1.50s)'"}, {"two", "exit 3"}, {"three", "echo never"},
	}, &out)
	if err == nil || !strings.Contains(err.Error(), "part two") {
		t.Fatalf("err = %v, want part two's failure", err)
	}
	if !outs[0].Ran || outs[0].Err != nil || len(outs[0].Rows) != 1 || !outs[1].Ran || outs[1].Err == nil || outs[2].Ran {
		t.Fatalf("outcomes %+v", outs)
	}
	if strings.Contains(out.String(), "never") {
		t.Errorf("a part after the failed one ran:\n%s", out.String())
	}
}
