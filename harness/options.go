package harness

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/images"
)

// Option configures Start.
type Option func(*options) error

type options struct {
	name          string
	topo          topology.Topology
	hadoopVersion string
	image         string
	fencing       config.Fencing
	overrides     config.Overrides
	log           *slog.Logger
	readyTimeout  time.Duration
	owner         string
	memCheck      bool
	failureDir    string
	fresh         bool
	// addons are the add-ons asked for (WithAddons).
	addons []string
	// engine replaces the engine found by connectEngine (unit tests).
	engine engine
}

func defaultOptions() options {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return options{
		name:          "hh" + hex.EncodeToString(b),
		topo:          topology.Guide(),
		hadoopVersion: images.DefaultHadoop,
		image:         os.Getenv(EnvImage),
		fencing:       config.FenceSSHThenShell,
		overrides:     config.Overrides{},
		log:           slog.New(slog.DiscardHandler),
		readyTimeout:  5 * time.Minute,
		owner:         processOwner(),
		memCheck:      true,
		fresh:         os.Getenv(EnvFresh) != "" && os.Getenv(EnvFresh) != "0",
	}
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// WithName names the cluster; containers are hh-NAME-HOST and the network
// hh-NAME. Default: "hh" and six random hex digits. Two clusters with
// different names run side by side.
func WithName(name string) Option {
	return func(o *options) error {
		if !nameRE.MatchString(name) {
			return fmt.Errorf("cluster name %q: use 1-31 lower-case letters, digits or '-', starting with a letter", name)
		}
		o.name = name
		return nil
	}
}

// WithTopology sets the hosts and roles. Default: topology.Guide(), the
// reference guide's three hosts.
func WithTopology(t topology.Topology) Option {
	return func(o *options) error { o.topo = t.WithDefaults(); return nil }
}

// WithHadoopVersion picks the Hadoop release built into the image. Default
// images.DefaultHadoop (3.5.0). Known versions: images.Releases().
func WithHadoopVersion(v string) Option {
	return func(o *options) error { o.hadoopVersion = v; return nil }
}

// EnvFresh set to anything but "" or "0" is WithFreshInit for every start.
const EnvFresh = "HAHARNESS_FRESH"

// EnvImage names a prebuilt image to run instead of building one, as
// WithImage does (WithImage wins).
const EnvImage = "HAHARNESS_IMAGE"

// WithImage runs the cluster on a prebuilt image (your own, built for
// example from the official binary tarball, or one the images workflow
// published) instead of building one; it is pulled if the engine does not
// have it. It must meet images/CONTRACT.md: Start checks it before creating
// anything and names every missing part. Default: $HAHARNESS_IMAGE, else
// the release's image, pulled or built.
func WithImage(ref string) Option {
	return func(o *options) error { o.image = ref; return nil }
}

// WithFencing sets dfs.ha.fencing.methods. Default config.FenceSSHThenShell.
func WithFencing(f config.Fencing) Option {
	return func(o *options) error { o.fencing = f; return nil }
}

// WithConfig overrides keys of one rendered config file (core-site.xml,
// hdfs-site.xml, yarn-site.xml, mapred-site.xml, capacity-scheduler.xml,
// zoo.cfg, log4j.properties, hadoop-env.sh). An empty value removes a key.
// May be given several times; later values win.
func WithConfig(file string, kv map[string]string) Option {
	return func(o *options) error {
		if o.overrides[file] == nil {
			o.overrides[file] = map[string]string{}
		}
		for k, v := range kv {
			o.overrides[file][k] = v
		}
		return nil
	}
}

// WithLogger sends progress (each init step with its duration) to l.
// Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error { o.log = l; return nil }
}

// WithReadyTimeout bounds the whole init sequence. Default 5 minutes.
func WithReadyTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("ready timeout %v: must be positive", d)
		}
		o.readyTimeout = d
		return nil
	}
}

// WithDetached marks the cluster as not owned by this process, so
// `haharness gc` leaves it alone after the process exits (the CLI's `up`).
// Default: owned; gc removes it once this process is gone.
func WithDetached() Option {
	return func(o *options) error { o.owner = ownerDetached; return nil }
}

// WithoutMemoryCheck skips the check that the machine has the memory the
// topology needs. Default: checked.
func WithoutMemoryCheck() Option {
	return func(o *options) error { o.memCheck = false; return nil }
}

// WithFailureArtifacts makes a failed Start save logs, configs, a ZooKeeper
// dump and events into dir before it removes the cluster. Default: none.
func WithFailureArtifacts(dir string) Option {
	return func(o *options) error { o.failureDir = dir; return nil }
}

// WithFreshInit runs the guide's whole init sequence (format, bootstrap
// the standby, format the HA znode) even when a snapshot of the same
// configuration exists, and saves none. Tests of the init sequence itself
// use it. Default: a warm start from the configuration's snapshot when
// there is one; the first start of a configuration saves it. $HAHARNESS_FRESH
// set to anything but "" or "0" does the same.
func WithFreshInit() Option {
	return func(o *options) error { o.fresh = true; return nil }
}
