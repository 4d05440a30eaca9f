// Package images builds the container images a haharness cluster runs, on the
// machine itself: nothing is ever pulled. Three layers, each tagged by a hash
// of its recipe and versions, so a changed recipe or version builds anew and
// an unchanged one is reused:
//
//   - rootfs: debian:bookworm-slim when the engine already has it, else a
//     debootstrap of bookworm imported with `docker import`;
//   - base: rootfs + JDK 17 runtime + the tools faults use (base/Dockerfile);
//   - hadoop: base + Apache Hadoop jars resolved by Maven from Maven Central,
//     HDFS web UI resources, and launcher scripts (hadoop/Dockerfile,
//     CONTRACT.md). ZooKeeper runs from the ZooKeeper jars Hadoop depends on.
//
// Ensure builds whatever is missing; `make images` calls it through the CLI.
//
// Layering: imports harness/docker only.
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

	"github.com/haharness/haharness/harness/docker"
)

//go:embed base/Dockerfile hadoop/Dockerfile hadoop/entrypoint.sh hadoop/bin/* pom.xml.tmpl
var recipes embed.FS

// Release describes one supported Hadoop version.
type Release struct {
	Hadoop string
	// ZooKeeper is the ZooKeeper version Hadoop depends on; the cluster's
	// ZooKeeper servers run it.
	ZooKeeper string
	// Examples is the hadoop-mapreduce-examples version installed. Maven
	// Central serves no examples jar for some releases (3.5.0); the newest
	// served one is used, which runs on the same MapReduce API.
	Examples string
}

// Releases lists the Hadoop versions haharness knows, newest first.
func Releases() []Release {
	return []Release{
		{Hadoop: "3.5.0", ZooKeeper: "3.8.6", Examples: "3.4.2"},
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

// Builder builds images on an engine.
type Builder struct {
	Engine *docker.Engine
	Log    *slog.Logger
	// Out receives build output (docker build, Maven); default io.Discard.
	Out io.Writer
	// Mvn is the Maven command; default "mvn".
	Mvn string
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
func Ref(r Release) string {
	return fmt.Sprintf("haharness/hadoop:%s-%s", r.Hadoop, hadoopHash(r)[:12])
}

// BaseRef returns the tag of the base image (JDK and tools, no Hadoop).
func BaseRef() string { return "haharness/base:" + recipeHash("base/Dockerfile")[:12] }

const debootstrapRef = "haharness/rootfs:bookworm-debootstrap"

func recipeHash(files ...string) string {
	h := sha256.New()
	for _, f := range files {
		b, err := recipes.ReadFile(f)
		if err != nil {
			panic(err) // embedded; cannot happen
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hadoopHash(r Release) string {
	var files []string
	_ = fs.WalkDir(recipes, "hadoop", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	files = append(files, "pom.xml.tmpl", "base/Dockerfile")
	return recipeHash(files...) + fmt.Sprintf("-%s-%s-%s", r.Hadoop, r.ZooKeeper, r.Examples)
}

// Ensure returns the Hadoop image for release r, building any missing layer.
// Concurrent callers on one machine take turns (a lock file) so a layer is
// built once.
func (b *Builder) Ensure(ctx context.Context, r Release) (string, error) {
	ref := Ref(r)
	if _, ok, err := b.Engine.ImageLabels(ctx, ref); err != nil || ok {
		return ref, err
	}
	unlock, err := lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, ok, err := b.Engine.ImageLabels(ctx, ref); err != nil || ok {
		return ref, err
	}
	start := time.Now()
	b.log().Info("image build start", "image", ref)
	base, err := b.ensureBase(ctx)
	if err != nil {
		return "", err
	}
	if err := b.buildHadoop(ctx, r, base, ref); err != nil {
		return "", err
	}
	b.log().Info("image build done", "image", ref, "took", time.Since(start).Round(time.Millisecond))
	return ref, nil
}

func (b *Builder) ensureBase(ctx context.Context) (string, error) {
	ref := BaseRef()
	if _, ok, err := b.Engine.ImageLabels(ctx, ref); err != nil || ok {
		return ref, err
	}
	rootfs, err := b.ensureRootfs(ctx)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "haharness-base-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := extract("base", dir); err != nil {
		return "", err
	}
	start := time.Now()
	if err := b.Engine.Build(ctx, dir, ref, map[string]string{"ROOTFS": rootfs}, b.out()); err != nil {
		return "", fmt.Errorf("build base image: %w", err)
	}
	b.log().Info("built base image", "image", ref, "from", rootfs, "took", time.Since(start).Round(time.Millisecond))
	return ref, nil
}

func (b *Builder) ensureRootfs(ctx context.Context) (string, error) {
	for _, ref := range []string{"debian:bookworm-slim", debootstrapRef} {
		if _, ok, err := b.Engine.ImageLabels(ctx, ref); err != nil {
			return "", err
		} else if ok {
			return ref, nil
		}
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return "", errors.New("build rootfs: the engine has no debian:bookworm-slim and debootstrap is missing: " +
			"run scripts/setup.sh (installs it on Debian) or `docker load` a debian:bookworm-slim image")
	}
	dir, err := os.MkdirTemp("", "haharness-rootfs-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "bookworm", dir, "http://deb.debian.org/debian")
	cmd.Stdout, cmd.Stderr = b.out(), b.out()
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("debootstrap bookworm (needs root and Debian's mirror): %w", err)
	}
	tarCmd := exec.CommandContext(ctx, "tar", "-C", dir, "-c", ".")
	pipe, err := tarCmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := tarCmd.Start(); err != nil {
		return "", err
	}
	if err := b.Engine.Import(ctx, pipe, debootstrapRef); err != nil {
		_ = tarCmd.Wait()
		return "", fmt.Errorf("import rootfs: %w", err)
	}
	if err := tarCmd.Wait(); err != nil {
		return "", fmt.Errorf("tar rootfs: %w", err)
	}
	b.log().Info("built rootfs with debootstrap", "image", debootstrapRef, "took", time.Since(start).Round(time.Millisecond))
	return debootstrapRef, nil
}

func (b *Builder) buildHadoop(ctx context.Context, r Release, base, ref string) error {
	dir, err := os.MkdirTemp("", "haharness-hadoop-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := extract("hadoop", dir); err != nil {
		return err
	}
	start := time.Now()
	if err := b.stageJars(ctx, r, dir); err != nil {
		return err
	}
	b.log().Info("resolved Hadoop jars with Maven", "hadoop", r.Hadoop, "took", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	err = b.Engine.Build(ctx, dir, ref, map[string]string{
		"BASE": base, "HADOOP_VERSION": r.Hadoop, "ZOOKEEPER_VERSION": r.ZooKeeper, "EXAMPLES_VERSION": r.Examples,
	}, b.out())
	if err != nil {
		return fmt.Errorf("build hadoop image: %w", err)
	}
	b.log().Info("built hadoop image", "image", ref, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// stageJars runs Maven to copy Hadoop's jars into dir/lib, the examples jar
// into dir/examples, and HDFS's web UI resources into dir/webapps.
func (b *Builder) stageJars(ctx context.Context, r Release, dir string) error {
	mvn := b.Mvn
	if mvn == "" {
		mvn = "mvn"
	}
	if _, err := exec.LookPath(mvn); err != nil {
		return errors.New("stage Hadoop jars: Maven (mvn) is not on PATH: install it (apt-get install maven) so haharness can resolve Hadoop from Maven Central")
	}
	tmpl, err := recipes.ReadFile("pom.xml.tmpl")
	if err != nil {
		return err
	}
	pom := strings.NewReplacer("@HADOOP_VERSION@", r.Hadoop, "@ZOOKEEPER_VERSION@", r.ZooKeeper,
		"@EXAMPLES_VERSION@", r.Examples).Replace(string(tmpl))
	mdir := filepath.Join(dir, ".maven")
	if err := os.MkdirAll(mdir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(mdir, "pom.xml"), []byte(pom), 0o644); err != nil {
		return err
	}
	jars := filepath.Join(mdir, "jars")
	cmd := exec.CommandContext(ctx, mvn, "-B", "-q", "-Dstyle.color=never", "-f", filepath.Join(mdir, "pom.xml"),
		"dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory="+jars)
	var tail strings.Builder
	cmd.Stdout = io.MultiWriter(b.out(), &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("resolve Hadoop %s jars with Maven: %w\n%s", r.Hadoop, err, lastLines(tail.String(), 20))
	}
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
		return errors.New("stage Hadoop jars: no hadoop-hdfs tests jar: the HDFS web UI resources (webapps/) come from it")
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
