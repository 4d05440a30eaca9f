package harness

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/topology"
	"github.com/haharness/haharness/internal/docker"
)

// A snapshot is what the guide's init sequence leaves behind, kept so that
// later starts of the same configuration skip it (a warm start): the
// formatted NameNode directories (nn1 formatted, the others bootstrapped),
// the formatted JournalNode directories and ZooKeeper's data with the HA
// znode, taken once those steps are done and before anything else starts.
// A warm start creates fresh hosts from it, restores each host's part and
// starts every daemon as the guide's second start (§7) does.
//
// It is an image of the engine: the cluster image plus one layer holding a
// tar file per host, tagged SnapshotRepo:KEY and labelled LabelSnapshot=KEY
// and LabelSnapshotBase=the cluster image's ID. KEY hashes everything that
// decides the init sequence's result (SnapshotKey), so a changed version,
// topology, override or image makes a new snapshot, and a snapshot whose
// base image is gone is stale (ListSnapshots says so; GCSnapshots removes
// it). An image is written atomically (the tag comes last), so two
// processes saving the same snapshot at once both succeed.
const (
	// SnapshotRepo is the repository of snapshot images.
	SnapshotRepo = "haharness/snapshot"
	// LabelSnapshot carries a snapshot image's key.
	LabelSnapshot = "io.haharness.snapshot.key"
	// LabelSnapshotBase carries the ID of the image a snapshot was made on.
	LabelSnapshotBase = "io.haharness.snapshot.base"
	// snapshotDir holds each host's tar file inside a snapshot image.
	snapshotDir = "/var/lib/haharness/snapshot"
	// snapshotFormat changes when what a snapshot holds changes.
	snapshotFormat = "2"
)

// SnapshotKey is the key of the snapshot for a cluster of topology t with
// the rendered configuration conf on the image with ID imageID.
func SnapshotKey(imageID string, t topology.Topology, conf config.Files) string {
	h := sha256.New()
	topo, _ := json.Marshal(t)
	fmt.Fprintf(h, "format %s\nimage %s\ntopology %s\n", snapshotFormat, imageID, topo)
	for _, name := range slices.Sorted(maps.Keys(conf)) {
		fmt.Fprintf(h, "file %s %d\n", name, len(conf[name]))
		h.Write(conf[name])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// snapshotRef is the image of the snapshot with key.
func snapshotRef(key string) string { return SnapshotRepo + ":" + key }

// stateDirs are the directories of host h that the init sequence formats
// for roles (all of them when none is given).
func stateDirs(t topology.Topology, h string, roles ...topology.Role) []string {
	var dirs []string
	for _, r := range []struct {
		role topology.Role
		dir  string
	}{{topology.ZooKeeper, config.ZooKeeperDir}, {topology.JournalNode, config.JournalDir}, {topology.NameNode, config.NameDir}} {
		if t.Has(h, r.role) && (len(roles) == 0 || slices.Contains(roles, r.role)) {
			dirs = append(dirs, strings.TrimPrefix(r.dir, "/"))
		}
	}
	return dirs
}

// snapshotter saves a snapshot while a cold start goes on: each part is
// captured (a tar file per host) as soon as the init sequence has written
// it, and the image is built in the background once every part is there.
// A nil *snapshotter saves nothing (a fresh init).
type snapshotter struct {
	c      *Cluster
	e      *docker.Engine
	baseID string
	mu     sync.Mutex
	tars   map[string][]byte // file name in the image → tar
	// failed is set when a part could not be captured: nothing is saved.
	failed bool
	done   chan error
}

// capture reads the directories of roles on every host that has them as a
// tar file (sparse files kept sparse: ZooKeeper preallocates its log),
// named HOST-part.tar. It runs when those daemons' formatted state is
// complete and nothing writes it. A part that cannot be captured is logged
// and the snapshot given up: the start goes on (it never needs one).
func (s *snapshotter) capture(ctx context.Context, part string, roles ...topology.Role) error {
	if s == nil {
		return nil
	}
	if err := s.read(ctx, part, roles); err != nil {
		if ctx.Err() != nil {
			return err // the start itself is ending
		}
		s.c.log.Warn("snapshot not saved: a part could not be captured; the next start of this configuration is cold too",
			"part", part, "err", err)
		s.mu.Lock()
		s.failed = true
		s.mu.Unlock()
	}
	return nil
}

func (s *snapshotter) read(ctx context.Context, part string, roles []topology.Role) error {
	var fns []stepFn
	for _, h := range s.c.topo.Hosts {
		dirs := stateDirs(s.c.topo, h, roles...)
		if len(dirs) == 0 {
			continue
		}
		fns = append(fns, func(ctx context.Context) error {
			res, err := s.c.mustShell(ctx, h, "tar -cSf - -C / --exclude=in_use.lock --exclude=myid "+strings.Join(dirs, " "))
			if err != nil {
				return fmt.Errorf("snapshot %s: %w", part, err)
			}
			s.mu.Lock()
			s.tars[h+"-"+part+".tar"] = []byte(res.Stdout)
			s.mu.Unlock()
			return nil
		})
	}
	return parallel(ctx, fns...)
}

// build writes the captured parts as the snapshot image, in the
// background; wait reports how it ended.
func (s *snapshotter) build() {
	if s == nil || s.failed {
		return
	}
	s.done = make(chan error, 1)
	go func() {
		start := time.Now()
		// Not the start's context: a snapshot whose parts are all captured
		// is worth finishing even if the start fails later.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := buildSnapshot(ctx, s.e, s.c.image, s.baseID, s.c.key, s.tars)
		if err == nil {
			s.c.log.Info("snapshot saved: later starts of this configuration are warm", "image", snapshotRef(s.c.key),
				"took", time.Since(start).Round(time.Millisecond))
		}
		s.done <- err
	}()
}

// wait waits for the background build, if one started, and logs a
// failure: the next start of this configuration is then a cold one again.
func (s *snapshotter) wait() {
	if s == nil || s.done == nil {
		return
	}
	if err := <-s.done; err != nil {
		s.c.log.Warn("snapshot not saved: the next start of this configuration is cold too", "err", err)
	}
	s.done = nil
}

// buildSnapshot writes tars (file name → contents) as the snapshot image
// with key on image base.
func buildSnapshot(ctx context.Context, e *docker.Engine, base, baseID, key string, tars map[string][]byte) error {
	dir, err := os.MkdirTemp("", "haharness-snapshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "snapshot"), 0o755); err != nil {
		return err
	}
	for name, b := range tars {
		if err := os.WriteFile(filepath.Join(dir, "snapshot", name), b, 0o644); err != nil {
			return err
		}
	}
	dockerfile := fmt.Sprintf("FROM %s\nCOPY snapshot/ %s/\nLABEL %s=%q %s=%q %s=%q\n",
		base, snapshotDir, LabelSnapshot, key, LabelSnapshotBase, baseID, docker.LabelManaged, "1")
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return err
	}
	return e.Build(ctx, dir, snapshotRef(key), nil, io.Discard)
}

// restoreSnapshot puts each host's part of the snapshot in place.
func (c *Cluster) restoreSnapshot(ctx context.Context) error {
	var fns []stepFn
	for _, h := range c.topo.Hosts {
		if len(stateDirs(c.topo, h)) == 0 {
			continue
		}
		fns = append(fns, func(ctx context.Context) error {
			_, err := c.mustShell(ctx, h, fmt.Sprintf(`for f in %s/%s-*.tar; do tar -xf "$f" -C / || exit 1; done`, snapshotDir, h))
			return err
		})
	}
	return parallel(ctx, fns...)
}

// Snapshot is a saved init state (see SnapshotKey).
type Snapshot struct {
	Ref     string    `json:"ref"`
	Key     string    `json:"key"`
	Base    string    `json:"base"`
	Created time.Time `json:"created"`
	// SizeMiB is the snapshot layer's own size (the image's size less its base's).
	SizeMiB float64 `json:"size_mib"`
	// Stale is true when the image it was made on is gone (rebuilt), or
	// when it lost its tag to a newer save of the same key: no start will
	// use it again.
	Stale bool `json:"stale"`
}

// ListSnapshots lists the snapshot images of the engine, newest first.
func ListSnapshots(ctx context.Context) ([]Snapshot, error) {
	e, err := docker.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return listSnapshots(ctx, e)
}

func listSnapshots(ctx context.Context, e *docker.Engine) ([]Snapshot, error) {
	imgs, err := e.Images(ctx)
	if err != nil {
		return nil, err
	}
	return snapshotsOf(imgs), nil
}

// snapshotsOf picks the snapshots out of every image of the engine, newest
// first, and says which are stale.
func snapshotsOf(imgs []docker.Image) []Snapshot {
	// Image ID → the image, for images that have a tag. IDs are compared
	// without their "sha256:" (engines differ on it).
	id := func(s string) string { return strings.TrimPrefix(s, "sha256:") }
	tagged := map[string]docker.Image{}
	for _, im := range imgs {
		if len(im.Tags) > 0 && !slices.Contains(im.Tags, "<none>:<none>") {
			tagged[id(im.ID)] = im
		}
	}
	var out []Snapshot
	for _, im := range imgs {
		key := im.Labels[LabelSnapshot]
		if key == "" {
			continue
		}
		s := Snapshot{Ref: im.ID, Key: key, Base: im.Labels[LabelSnapshotBase], Created: im.Created,
			SizeMiB: float64(im.Size) / (1 << 20)}
		_, named := tagged[id(im.ID)]
		if named {
			s.Ref = im.Tags[0]
		}
		// Stale: its image is gone, or it lost its tag to a newer save of
		// the same key (no start finds it by name any more).
		base, ok := tagged[id(s.Base)]
		s.Stale = !ok || !named
		if ok {
			s.SizeMiB = float64(im.Size-base.Size) / (1 << 20)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return b.Created.Compare(a.Created) })
	return out
}

// GCSnapshots removes snapshot images: the stale ones, or every one with
// all. A snapshot a cluster still runs on stays (the engine refuses to
// remove it) and is reported in the error. It returns what it removed.
func GCSnapshots(ctx context.Context, all bool) ([]string, error) {
	e, err := docker.Connect(ctx)
	if err != nil {
		return nil, err
	}
	snaps, err := listSnapshots(ctx, e)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, s := range snaps {
		if !all && !s.Stale {
			continue
		}
		if err := e.RemoveImage(ctx, s.Ref); err != nil {
			if errors.Is(err, docker.ErrConflict) {
				err = fmt.Errorf("%s is in use by a cluster: remove the cluster first (`haharness ls`): %w", s.Ref, err)
			}
			errs = append(errs, err)
			continue
		}
		removed = append(removed, s.Ref)
	}
	return removed, errors.Join(errs...)
}
