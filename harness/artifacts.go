package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/observe"
)

// DumpArtifacts writes what is needed to debug a failed run into dir: every
// daemon's logs per host, the rendered configs, a ZooKeeper dump, the HA
// status, the jps view and the event history. It keeps going past errors
// and returns them joined.
func (c *Cluster) DumpArtifacts(ctx context.Context, dir string) error {
	var errs []error
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			errs = append(errs, err)
			return
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	for name, b := range c.conf {
		write(filepath.Join("config", name), b)
	}
	var jps strings.Builder
	for _, h := range c.topo.Hosts {
		files, err := c.engine.CopyFrom(ctx, c.Container(h), config.LogDir)
		if err != nil {
			errs = append(errs, fmt.Errorf("copy logs of %s: %w", h, err))
			continue
		}
		for p, b := range files {
			write(filepath.Join("logs", h, filepath.Base(p)), b)
		}
		ps, err := c.Processes(ctx, h)
		fmt.Fprintf(&jps, "%s:\n", h)
		if err != nil {
			fmt.Fprintf(&jps, "  (%v)\n", err)
		}
		for _, p := range ps {
			fmt.Fprintf(&jps, "  %d %s%s\n", p.PID, p.Class, map[bool]string{true: " (frozen)"}[p.Frozen])
		}
	}
	write("jps.txt", []byte(jps.String()))
	if conn, err := c.zkConn(ctx); err == nil {
		dump, derr := observe.DumpZooKeeper(conn, "/")
		conn.Close()
		write("zookeeper.txt", []byte(dump))
		errs = append(errs, derr)
	} else {
		write("zookeeper.txt", []byte("unreachable: "+err.Error()+"\n"))
	}
	if s, err := c.Status(ctx, StatusOptions{}); err == nil {
		b, _ := json.MarshalIndent(s, "", "  ")
		write("status.json", b)
	}
	b, _ := json.MarshalIndent(c.Events(), "", "  ")
	write("events.json", b)
	return errors.Join(errs...)
}
