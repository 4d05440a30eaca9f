package ledger_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"

	"github.com/haharness/haharness/examples/ledger"
	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/harnesstest"
)

// TestLedgerSurvivesNameNodeFailover appends entries while the active
// NameNode is killed, and checks every acknowledged entry reads back.
func TestLedgerSurvivesNameNodeFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real HA cluster")
	}
	c := harnesstest.Start(t) // the guide's three hosts; removed when the test ends
	ctx := t.Context()

	l := &ledger.Ledger{
		Dir:       "/ledger",
		NewClient: func(ctx context.Context) (*hdfs.Client, error) { return c.HDFS(ctx) },
	}
	defer l.Close()
	appendN := func(from, to int) {
		for i := from; i < to; i++ {
			actx, cancel := context.WithTimeout(ctx, 90*time.Second)
			err := l.Append(actx, i, fmt.Appendf(nil, "entry %d\n", i))
			cancel()
			if err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
	}
	appendN(0, 10)

	before, err := c.Status(ctx, harness.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kill, err := c.Inject(ctx, fault.KillDaemon{Target: fault.ActiveNameNode})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed %v (active was %s)", kill.Targets, before.ActiveNameNode())
	appendN(10, 20) // rides out the failover

	after, err := c.Status(ctx, harness.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.ActiveNameNode() == before.ActiveNameNode() || after.ActiveNameNode() == "" {
		t.Fatalf("no failover happened: active before %q, after %q", before.ActiveNameNode(), after.ActiveNameNode())
	}
	got, err := l.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 {
		t.Fatalf("read %d entries, want 20", len(got))
	}
	for i, e := range got {
		if string(e) != fmt.Sprintf("entry %d\n", i) {
			t.Errorf("entry %d = %q", i, e)
		}
	}
}
