// Package images provides the container image a haharness cluster runs. The
// build needs only a Docker-compatible engine: every step runs in the engine,
// and the host needs no JDK, no Maven and no docker CLI (debootstrap only as
// a last resort, below).
//
// The Hadoop image is tagged by a hash of its recipes and versions (Ref), so
// a changed recipe or version makes a new image and an unchanged one is
// reused. Ensure returns it:
//
//  1. present on the engine: used as is;
//  2. else pulled from the engine's default registry, where the images
//     workflow (.github/workflows/images.yml) publishes exactly these refs;
//     a failed pull (no registry, no such tag) is logged and not an error;
//  3. else copied from another engine that has it (Builder.Sources, by
//     default HAHARNESS_IMAGES_FROM's addresses or the local Docker and
//     Podman sockets: DefaultSources), its save streamed into this engine's
//     load through the Engine API, then checked against the contract
//     (CheckContract); an engine that fails the copy is logged and the next
//     is tried. Builder.Native or HAHARNESS_IMAGES_NATIVE=1 skips this step;
//  4. else built from the layers below, each tagged by a hash of its own
//     recipe and reused when present.
//
// The layers:
//
//   - rootfs: debian:bookworm-slim when the engine has it, else an earlier
//     haharness/rootfs:bookworm-debootstrap, else debian:bookworm-slim
//     pulled; only when no registry answers, `debootstrap --variant=minbase
//     bookworm` on the host (from debootstrap's default mirror; needs root),
//     imported into the engine as haharness/rootfs:bookworm-debootstrap;
//   - builder: rootfs + JDK 17 + Maven, from Debian's packages
//     (builder/Dockerfile). Maven runs in a throwaway container of it and
//     resolves Apache Hadoop's jars from Maven Central (pom.xml.tmpl), its
//     repository cached in the named volume haharness-m2. The host's
//     ~/.m2/settings.xml (a configured mirror or proxy) and the CA
//     certificates added to the host's trust (a TLS-inspecting proxy's) are
//     passed to it;
//   - base: rootfs + JDK 17 runtime + the tools faults use (base/Dockerfile);
//   - hadoop: base + the resolved jars, HDFS web UI resources and launcher
//     scripts (hadoop/Dockerfile, CONTRACT.md). ZooKeeper runs from the
//     ZooKeeper jars Hadoop depends on.
//
// Pulls, copies and builds on one machine take turns (a lock file). `make images`
// calls Ensure through the CLI.
//
// Layering: imports internal/docker only.
package images

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/haharness/haharness/internal/docker"
)

//go:embed base/Dockerfile base/hostclock.c builder/Dockerfile hadoop/Dockerfile hadoop/entrypoint.sh hadoop/bin/* hadoop/classlist.gz pom.xml.tmpl
var recipes embed.FS

// Release describes one supported Hadoop version.
type Release struct {
	Hadoop string
	// ZooKeeper is the ZooKeeper version Hadoop depends on; the cluster's
	// ZooKeeper servers run it.
	ZooKeeper string
	// Examples is the hadoop-mapreduce-examples version installed. Maven
	// Central serves no examples jar for some releases (3.5.0, 3.4.3); the
	// newest served one is used, which runs on the same MapReduce API.
	Examples string
}

// Releases lists the Hadoop versions haharness knows, newest first. ZooKeeper
// is the version the release's hadoop-project pom names. The newest 3.4.x is
// the one e2e/version_test.go runs.
func Releases() []Release {
	return []Release{
		{Hadoop: "3.5.0", ZooKeeper: "3.8.6", Examples: "3.4.2"},
		{Hadoop: "3.4.3", ZooKeeper: "3.8.4", Examples: "3.4.2"},
		{Hadoop: "3.4.2", ZooKeeper: "3.8.4", Examples: "3.4.2"},
	}
}

// DefaultHadoop is the Hadoop version used when none is given.
const DefaultHadoop = "3.5.0"

// Lookup returns the release of a Hadoop version or an error naming the known ones.
func Lookup(version string) (Release, error) {
	var known []string
	for _, r := range Releases() {
		if r.Hadoop == version {
			return r, nil
		}
		known = append(known, r.Hadoop)
	}
	return Release{}, fmt.Errorf("unknown Hadoop version %q: haharness knows %s (add a Release in images/images.go to support another)",
		version, strings.Join(known, ", "))
}

// Image labels of the contract (CONTRACT.md).
const (
	LabelContract  = "io.haharness.contract"
	LabelHadoop    = "io.haharness.hadoop.version"
	LabelZooKeeper = "io.haharness.zookeeper.version"
)

// M2Volume is the named volume that caches Maven's repository between
// builds (labelled io.haharness=1). Removing it only costs a new download.
const M2Volume = "haharness-m2"

const (
	// slimRef is the preferred root filesystem, from the engine or its
	// default registry.
	slimRef = "debian:bookworm-slim"
	// debootstrapRef is the root filesystem made on the host when no
	// registry answers.
	debootstrapRef = "haharness/rootfs:bookworm-debootstrap"
)

// Builder provides images on an engine.
type Builder struct {
	Engine *docker.Engine
	Log    *slog.Logger
	// Out receives build output (pulls, image builds, Maven, debootstrap);
	// default io.Discard.
	Out io.Writer
	// Sources are the addresses (DOCKER_HOST values) of other engines a
	// missing image is copied from, tried in turn; nil: DefaultSources().
	// The Builder's own engine is left out.
	Sources []string
	// Native builds a missing image on the engine, never copying it (as
	// HAHARNESS_IMAGES_NATIVE=1 does).
	Native bool
}

func (b *Builder) log() *slog.Logger {
	if b.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Log
}

func (b *Builder) out() io.Writer {
	if b.Out == nil {
		return io.Discard
	}
	return b.Out
}

// Ref returns the tag of the Hadoop image for release r (without building).
// The images workflow publishes exactly this ref.
func Ref(r Release) string {
	return fmt.Sprintf("haharness/hadoop:%s-%s", r.Hadoop, hadoopHash(recipes, r)[:12])
}

// BaseRef returns the tag of the base image (JDK and tools, no Hadoop).
func BaseRef() string {
	return "haharness/base:" + recipeHash(recipes, "base/Dockerfile", "base/hostclock.c")[:12]
}

// BuilderRef returns the tag of the image Maven runs in.
func BuilderRef() string {
	return "haharness/builder:" + recipeHash(recipes, "builder/Dockerfile")[:12]
}

func recipeHash(fsys fs.FS, files ...string) string { return hashOf(fsys, files, nil) }

// hashOf hashes files (name and contents) and extra strings.
func hashOf(fsys fs.FS, files, extra []string) string {
	h := sha256.New()
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			panic(err) // embedded; cannot happen
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	for _, s := range extra {
		fmt.Fprintf(h, "%s\x00", s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hadoopHash covers everything that goes into the Hadoop image: its own
// recipe directory, the pom, the base layer, the builder that resolves the
// jars, and the release's versions.
func hadoopHash(fsys fs.FS, r Release) string {
	var files []string
	_ = fs.WalkDir(fsys, "hadoop", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	files = append(files, "pom.xml.tmpl", "base/Dockerfile", "base/hostclock.c", "builder/Dockerfile")
	return hashOf(fsys, files, []string{r.Hadoop, r.ZooKeeper, r.Examples})
}

// Ensure returns the Hadoop image for release r: the engine's, else the
// registry's, else one copied from another engine that has it, else one
// built now (building any missing layer). Concurrent callers on one machine
// take turns (a lock file) so an image is pulled, copied or built once.
func (b *Builder) Ensure(ctx context.Context, r Release) (string, error) {
	p, err := b.Provide(ctx, r)
	return p.Ref, err
}

// Provide is Ensure, saying how the image was provided.
func (b *Builder) Provide(ctx context.Context, r Release) (Provided, error) {
	return b.provide(ctx, Ref(r), func(ctx context.Context) error { return b.buildRelease(ctx, r) })
}

// provide returns ref: the engine's, else, holding the machine-wide build
// lock (lock) and checking the engine again, what find provides.
func (b *Builder) provide(ctx context.Context, ref string, build func(ctx context.Context) error) (Provided, error) {
	start := time.Now()
	if _, ok, err := b.Engine.ImageLabels(ctx, ref); err != nil {
		return Provided{}, err
	} else if ok {
		return Provided{Ref: ref, How: Present, Took: since(start)}, nil
	}
	unlock, err := lock(ctx)
	if err != nil {
		return Provided{}, err
	}
	defer unlock()
	return b.find(ctx, ref, build)
}

// order is what find tries for an image the engine lacks, in turn: the
// registry, then another engine (unless native), then the build.
func (b *Builder) order() []How {
	if b.native() {
		return []How{Pulled, Built}
	}
	return []How{Pulled, Copied, Built}
}

// find is provide under the lock the caller holds: the engine's ref, else
// the first of order that provides it.
func (b *Builder) find(ctx context.Context, ref string, build func(ctx context.Context) error) (Provided, error) {
	start := time.Now()
	if _, ok, err := b.Engine.ImageLabels(ctx, ref); err != nil {
		return Provided{}, err
	} else if ok {
		return Provided{Ref: ref, How: Present, Took: since(start)}, nil
	}
	for _, how := range b.order() {
		start := time.Now()
		p := Provided{Ref: ref, How: how}
		switch how {
		case Pulled:
			if ok, err := b.tryPull(ctx, ref); err != nil {
				return Provided{}, err
			} else if !ok {
				continue
			}
		case Copied:
			sources := b.sources()
			from, ok, err := b.copier().tryCopy(ctx, ref, sources)
			if err != nil {
				return Provided{}, err
			} else if !ok {
				b.log().Info("image on no other engine", "image", ref, "sources", strings.Join(sources, ","), "took", since(start))
				continue
			}
			p.From = from
		case Built:
			b.log().Info("image build start", "image", ref)
			if err := build(ctx); err != nil {
				return Provided{}, err
			}
			b.log().Info("image build done", "image", ref, "took", since(start))
		}
		p.Took = since(start)
		return p, nil
	}
	return Provided{}, fmt.Errorf("image %s: nothing provided it", ref) // Built ends every order
}

// buildRelease builds release r's Hadoop image and any layer it lacks.
func (b *Builder) buildRelease(ctx context.Context, r Release) error {
	l := &layers{Builder: b}
	builder, err := l.ensure(ctx, BuilderRef(), "builder", "builder image")
	if err != nil {
		return err
	}
	base, err := l.ensure(ctx, BaseRef(), "base", "base image")
	if err != nil {
		return err
	}
	return b.buildHadoop(ctx, r, builder, base, Ref(r))
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// tryPull pulls ref from the engine's default registry. A failed pull is
// logged and reported as ok=false; only a cancelled ctx is an error.
func (b *Builder) tryPull(ctx context.Context, ref string) (bool, error) {
	start := time.Now()
	if err := b.Engine.Pull(ctx, ref, b.out()); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		b.log().Info("image not pulled", "image", ref, "reason", err.Error(), "took", since(start))
		return false, nil
	}
	if _, ok, err := b.Engine.ImageLabels(ctx, ref); err != nil || !ok {
		return false, err
	}
	b.log().Info("pulled image", "image", ref, "took", since(start))
	return true, nil
}

// layers builds the layers of one Ensure; the root filesystem is found once.
type layers struct {
	*Builder
	rootfs string
}

// ensure returns ref, building the embedded recipe directory sub FROM the
// root filesystem when the engine lacks it.
func (l *layers) ensure(ctx context.Context, ref, sub, what string) (string, error) {
	if _, ok, err := l.Engine.ImageLabels(ctx, ref); err != nil || ok {
		return ref, err
	}
	if l.rootfs == "" {
		rootfs, err := l.ensureRootfs(ctx)
		if err != nil {
			return "", err
		}
		l.rootfs = rootfs
	}
	dir, err := os.MkdirTemp("", "haharness-"+sub+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := extract(sub, dir); err != nil {
		return "", err
	}
	start := time.Now()
	if err := l.Engine.Build(ctx, dir, ref, map[string]string{"ROOTFS": l.rootfs}, l.out()); err != nil {
		return "", fmt.Errorf("build %s: %w", what, err)
	}
	l.log().Info("built "+what, "image", ref, "from", l.rootfs, "took", since(start))
	return ref, nil
}

// ensureRootfs returns a Debian bookworm root filesystem image: one the
// engine has (debian:bookworm-slim, else an earlier debootstrap), else a
// pulled debian:bookworm-slim, else a debootstrap made on the host and
// imported.
func (b *Builder) ensureRootfs(ctx context.Context) (string, error) {
	for _, ref := range []string{slimRef, debootstrapRef} {
		if _, ok, err := b.Engine.ImageLabels(ctx, ref); err != nil {
			return "", err
		} else if ok {
			return ref, nil
		}
	}
	start := time.Now()
	pullErr := b.Engine.Pull(ctx, slimRef, b.out())
	if pullErr == nil {
		b.log().Info("pulled root filesystem", "image", slimRef, "took", since(start))
		return slimRef, nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	b.log().Info("root filesystem not pulled; trying debootstrap", "image", slimRef, "reason", pullErr.Error(), "took", since(start))
	fixes := fmt.Sprintf("either make the engine's registry reachable (or `docker load` a %s image), "+
		"or install debootstrap and run as root (scripts/setup.sh installs it on Debian)", slimRef)
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return "", fmt.Errorf("root filesystem: the engine has no %s and cannot pull it (%v), and debootstrap is not installed: %s",
			slimRef, pullErr, fixes)
	}
	if err := b.debootstrap(ctx); err != nil {
		return "", fmt.Errorf("root filesystem: the engine has no %s and cannot pull it (%v), and %w: %s", slimRef, pullErr, err, fixes)
	}
	b.log().Info("built root filesystem with debootstrap", "image", debootstrapRef, "took", since(start))
	return debootstrapRef, nil
}

// debootstrap makes a minimal bookworm in a temporary directory, from
// debootstrap's default mirror, and imports it as debootstrapRef. Host tar
// packs it: it keeps symlinks, modes, owners and device files right.
func (b *Builder) debootstrap(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "haharness-rootfs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tail := docker.TailWriter{Max: 8192}
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "bookworm", dir)
	cmd.Stdout = io.MultiWriter(b.out(), &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debootstrap bookworm failed (it needs root and a reachable Debian mirror): %w\n%s", err, lastLines(tail.String(), 10))
	}
	tarCmd := exec.CommandContext(ctx, "tar", "-C", dir, "-c", ".")
	pipe, err := tarCmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := tarCmd.Start(); err != nil {
		return fmt.Errorf("tar the debootstrap root filesystem: %w", err)
	}
	if err := b.Engine.Import(ctx, pipe, debootstrapRef); err != nil {
		_ = tarCmd.Wait()
		return fmt.Errorf("import the debootstrap root filesystem: %w", err)
	}
	if err := tarCmd.Wait(); err != nil {
		return fmt.Errorf("tar the debootstrap root filesystem: %w", err)
	}
	return nil
}

func (b *Builder) buildHadoop(ctx context.Context, r Release, builder, base, ref string) error {
	tmp, err := os.MkdirTemp("", "haharness-hadoop-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir, jars := filepath.Join(tmp, "context"), filepath.Join(tmp, "jars")
	if err := extract("hadoop", dir); err != nil {
		return err
	}
	start := time.Now()
	if err := b.resolveJars(ctx, "Hadoop "+r.Hadoop, renderPom(r), builder, jars); err != nil {
		return err
	}
	b.log().Info("resolved Hadoop jars with Maven", "hadoop", r.Hadoop, "builder", builder, "took", since(start))
	if err := stageJars(jars, dir); err != nil {
		return fmt.Errorf("stage Hadoop %s jars: %w", r.Hadoop, err)
	}
	start = time.Now()
	err = b.Engine.Build(ctx, dir, ref, map[string]string{
		"BASE": base, "HADOOP_VERSION": r.Hadoop, "ZOOKEEPER_VERSION": r.ZooKeeper, "EXAMPLES_VERSION": r.Examples,
	}, b.out())
	if err != nil {
		return fmt.Errorf("build hadoop image: %w", err)
	}
	b.log().Info("built hadoop image", "image", ref, "took", since(start))
	return nil
}

// stageJars lays the jars Maven resolved (flat in jars) out in the build
// context dir: the examples jar in examples/, HDFS's web UI resources
// (from the hadoop-hdfs tests jar, which is not installed) in webapps/, and
// every other jar in lib/.
func stageJars(jars, dir string) error {
	for _, d := range []string{"lib", "examples", "webapps"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(jars)
	if err != nil {
		return err
	}
	testsJar := ""
	for _, e := range entries {
		name := e.Name()
		dst := filepath.Join(dir, "lib", name)
		switch {
		case strings.HasPrefix(name, "hadoop-hdfs-") && strings.HasSuffix(name, "-tests.jar"):
			testsJar = filepath.Join(jars, name)
			continue
		case strings.HasPrefix(name, "hadoop-mapreduce-examples-"):
			dst = filepath.Join(dir, "examples", name)
		}
		if err := os.Rename(filepath.Join(jars, name), dst); err != nil {
			return err
		}
	}
	if testsJar == "" {
		return errors.New("no hadoop-hdfs tests jar: the HDFS web UI resources (webapps/) come from it")
	}
	return unzipPrefix(testsJar, "webapps/", filepath.Join(dir, "webapps"))
}

func unzipPrefix(jar, prefix, dst string) error {
	zr, err := zip.OpenReader(jar)
	if err != nil {
		return err
	}
	defer zr.Close()
	n := 0
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, prefix) || strings.HasSuffix(f.Name, "/") || strings.Contains(f.Name, "..") {
			continue
		}
		out := filepath.Join(dst, strings.TrimPrefix(f.Name, prefix))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		w, err := os.Create(out)
		if err == nil {
			_, err = io.Copy(w, rc)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		rc.Close()
		if err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no %s in %s", prefix, jar)
	}
	return nil
}

// extract writes the embedded recipe directory sub into dir.
func extract(sub, dir string) error {
	return fs.WalkDir(recipes, sub, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := recipes.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, strings.TrimPrefix(p, sub+"/"))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.Contains(p, "/bin/") || strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		return os.WriteFile(out, b, mode)
	})
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lock takes the machine-wide image build lock.
func lock(ctx context.Context) (func(), error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "haharness-images.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-done:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock image builds: %w", err)
		}
		return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
	case <-ctx.Done():
		f.Close()
		return nil, fmt.Errorf("wait for image build lock: %w", ctx.Err())
	}
}
