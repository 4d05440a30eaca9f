package report

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/haharness/haharness/scenarios/invariant"
)

func TestTmpShots(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewSource(1))
	h := invariant.History{Scenario: "soak: random faults", Seed: 42}
	nnActive := "nn1"
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	faults := []struct {
		s, e       float64
		name, kind string
	}{
		{20, 45, "kill-daemon hadoop001/namenode", "kill"},
		{70, 80, "partition hadoop002 <-> zk & jn", "part"},
		{110, 150, "freeze-daemon hadoop002/namenode", "freeze"},
		{140, 160, "kill-daemon hadoop003/resourcemanager", "rm"},
		{200, 0, "disk-full hadoop001", "none"},
	}
	for _, f := range faults {
		h.Add(invariant.Event{Time: at(f.s), Kind: invariant.KindFaultStart, Fault: f.name})
		if f.e > 0 {
			h.Add(invariant.Event{Time: at(f.e), Kind: invariant.KindFaultEnd, Fault: f.name})
		}
	}
	for s := 0.0; s < 240; s += 1 {
		st := map[string]string{"nn1": "standby", "nn2": "standby", "rm1": "active", "rm2": "standby", "zk-lock": "active"}
		switch {
		case s >= 20 && s < 45:
			st["nn1"] = "down"
			if s >= 31 {
				nnActive = "nn2"
			}
		case s >= 110 && s < 150:
			st["nn2"] = "frozen"
			if s >= 118 {
				nnActive = "nn1"
			}
		}
		if s >= 70 && s < 80 {
			st["zk-lock"] = "unknown"
		}
		if s >= 140 && s < 160 {
			st["rm1"] = "down"
			if s >= 146 {
				st["rm2"] = "active"
			}
		}
		if s >= 160 {
			st["rm1"] = "standby"
			st["rm2"] = "active"
		}
		if st[nnActive] != "down" && st[nnActive] != "frozen" {
			st[nnActive] = "active"
		}
		for _, d := range []string{"nn1", "nn2", "rm1", "rm2", "zk-lock"} {
			role := map[string]string{"nn1": "namenode", "nn2": "namenode", "rm1": "resourcemanager", "rm2": "resourcemanager"}[d]
			h.Add(invariant.Event{Time: at(s), Kind: invariant.KindState, Daemon: d, Role: role, State: st[d]})
		}
	}
	for i := 0; i < 400; i++ {
		s := r.Float64() * 240
		d := 0.05 + r.Float64()*1.5
		op := "write"
		if i%3 == 0 {
			op = "read"
		}
		ok := r.Intn(10) > 0
		e := invariant.Event{Time: at(s + d), Start: at(s), Kind: invariant.KindOp, Op: op, Key: fmt.Sprintf("/ha/k%d", i), OK: ok}
		if !ok {
			e.Err = "java.io.IOException: <timeout> & retry"
		}
		h.Add(e)
	}
	res := []invariant.Result{invariant.SingleActive(h, "namenode"), invariant.FailoverWithin(h, "namenode", 10*time.Second)}
	for name, hh := range map[string]invariant.History{"soak": h} {
		path := "/tmp/shots/" + name + ".html"
		if err := WriteFile(path, hh, res); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--screenshot=/tmp/shots/"+name+".png", "--window-size=1400,1100", "file://"+path).CombinedOutput()
		if err != nil {
			t.Fatal(err, string(out))
		}
	}
	for _, fx := range []string{"never-failover", "slow-failover", "lost-write"} {
		hh := loadFixture(t, fx)
		path := "/tmp/shots/" + fx + ".html"
		if err := WriteFile(path, hh, checks(hh)); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--screenshot=/tmp/shots/"+fx+".png", "--window-size=1400,900", "file://"+path).CombinedOutput()
		if err != nil {
			t.Fatal(err, string(out))
		}
	}
	_ = os.Stdout
}
