// Command ownservice stands for your own service under test: a program that
// runs in its own container, next to the cluster, and talks to HDFS the way
// it would in production — by the cluster's host names, with nothing
// published or forwarded. It writes one file through the HA nameservice and
// exits 0, or prints why it could not and exits 1.
//
// The test (../ownservice_test.go) cross-compiles it, builds it into an
// image and runs it on the cluster's network.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"
)

func main() {
	nameNodes := flag.String("namenodes", "hadoop001:8020,hadoop002:8020", "NameNode RPC addresses of the nameservice, comma-separated")
	user := flag.String("user", "root", "HDFS user to act as")
	file := flag.String("path", "/ownservice/hello.txt", "HDFS file to write")
	payload := flag.String("payload", "hello from ownservice\n", "what to write")
	timeout := flag.Duration("timeout", time.Minute, "give up after this long")
	flag.Parse()

	// colinmarc/hdfs takes no context: bound the whole run from outside.
	time.AfterFunc(*timeout, func() {
		fmt.Fprintf(os.Stderr, "ownservice: gave up after %s\n", *timeout)
		os.Exit(1)
	})
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	err := run(ctx, strings.Split(*nameNodes, ","), *user, *file, []byte(*payload))
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ownservice: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("ownservice: wrote %d bytes to %s through %s\n", len(*payload), *file, *nameNodes)
}

func run(ctx context.Context, nameNodes []string, user, file string, data []byte) error {
	// The NameNodes are named by the cluster's host names, which the engine's
	// DNS resolves on the cluster network; DataNodes are reached at the
	// addresses the NameNode hands out, which are routable on that network.
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	client, err := hdfs.NewClient(hdfs.ClientOptions{
		Addresses:        nameNodes,
		User:             user,
		NamenodeDialFunc: dialer.DialContext,
		DatanodeDialFunc: dialer.DialContext,
	})
	if err != nil {
		return fmt.Errorf("connect %v: %w", nameNodes, err)
	}
	defer client.Close()

	if err := client.MkdirAll(path.Dir(file), 0o755); err != nil {
		return fmt.Errorf("mkdir %s: %w", path.Dir(file), err)
	}
	_ = client.Remove(file) // replace a file left by an earlier run
	w, err := client.Create(file)
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	// Close returns ErrReplicating while the last block is still being
	// replicated: retry it, as colinmarc/hdfs documents.
	for {
		err := w.Close()
		if !errors.Is(err, hdfs.ErrReplicating) {
			if err != nil {
				return fmt.Errorf("close %s: %w", file, err)
			}
			return nil
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("close %s: %w", file, ctx.Err())
		case <-t.C:
		}
	}
}
