package images

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/haharness/haharness/internal/docker"
)

// Paths inside the Maven container.
const (
	mavenDir      = "/tmp/haharness"
	mavenPom      = mavenDir + "/pom.xml"
	mavenSettings = mavenDir + "/settings.xml"
	mavenRepo     = "/root/.m2/repository"
	mavenOut      = "/out"
	// mavenCADir receives the host's added CA certificates; Debian's
	// update-ca-certificates puts them in the JDK's trust store.
	mavenCADir = "/usr/local/share/ca-certificates/haharness-host"
)

// hostCADirs are where a machine's administrator adds CA certificates the
// machine trusts (Debian and Ubuntu, then Fedora and RHEL) — for example the
// CA of a TLS-inspecting proxy between the machine and Maven Central.
var hostCADirs = []string{"/usr/local/share/ca-certificates", "/etc/pki/ca-trust/source/anchors"}

// renderPom is pom.xml.tmpl with r's versions.
func renderPom(r Release) []byte {
	tmpl, err := recipes.ReadFile("pom.xml.tmpl")
	if err != nil {
		panic(err) // embedded; cannot happen
	}
	return []byte(strings.NewReplacer("@HADOOP_VERSION@", r.Hadoop, "@ZOOKEEPER_VERSION@", r.ZooKeeper,
		"@EXAMPLES_VERSION@", r.Examples).Replace(string(tmpl)))
}

// mavenCmd copies the runtime dependencies of the pom into /out/jars. The
// repository is the cache volume's even when a settings file names another.
// With trustHostCAs, the CA certificates copied into mavenCADir are added to
// the JDK's trust store first.
func mavenCmd(withSettings, trustHostCAs bool) []string {
	cmd := []string{"mvn", "-B", "-q", "-Dstyle.color=never", "-f", mavenPom, "-Dmaven.repo.local=" + mavenRepo}
	if withSettings {
		cmd = append(cmd, "-s", mavenSettings)
	}
	cmd = append(cmd, "dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory="+mavenOut+"/jars")
	if trustHostCAs {
		cmd = append([]string{"bash", "-c", `update-ca-certificates >/dev/null && exec "$0" "$@"`}, cmd...)
	}
	return cmd
}

// hostMavenSettings returns ~/.m2/settings.xml, or nil when there is none.
func hostMavenSettings() ([]byte, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(home, ".m2", "settings.xml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read Maven settings: %w", err)
	}
	return b, nil
}

// hostCAs returns the CA certificates added to the machine's trust under
// dirs, one certificate a file, as files for the Maven container (path
// relative to / → PEM). Unreadable or non-certificate files are skipped.
func hostCAs(dirs []string) map[string][]byte {
	out := map[string][]byte{}
	for i, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".crt") || strings.HasSuffix(p, ".pem")) {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			name := strings.NewReplacer("/", "_", ".crt", "", ".pem", "").Replace(filepath.ToSlash(rel))
			for n := 0; ; n++ {
				var block *pem.Block
				block, data = pem.Decode(data)
				if block == nil {
					break
				}
				if block.Type != "CERTIFICATE" {
					continue
				}
				file := fmt.Sprintf("%s/%d-%s-%d.crt", strings.TrimPrefix(mavenCADir, "/"), i, name, n)
				out[file] = pem.EncodeToMemory(block)
			}
			return nil
		})
	}
	return out
}

// resolveJars runs Maven in a throwaway container of the builder image on
// pom and writes the jars it resolved into dir (flat). what names the jars
// in messages ("Hadoop 3.5.0").
func (b *Builder) resolveJars(ctx context.Context, what string, pom []byte, builder, dir string) error {
	if err := b.Engine.EnsureVolume(ctx, M2Volume, map[string]string{docker.LabelManaged: "1"}); err != nil {
		return fmt.Errorf("Maven cache volume: %w", err)
	}
	settings, err := hostMavenSettings()
	if err != nil {
		return err
	}
	files := hostCAs(hostCADirs)
	trust := len(files) > 0
	if trust {
		b.log().Info("Maven trusts the CA certificates added to this machine", "certificates", len(files), "dirs", hostCADirs)
	}
	files[strings.TrimPrefix(mavenPom, "/")] = pom
	if settings != nil {
		files[strings.TrimPrefix(mavenSettings, "/")] = settings
		b.log().Info("Maven uses this machine's settings file", "file", "~/.m2/settings.xml")
	}
	res, out, err := b.Engine.Run(ctx, docker.RunSpec{
		Image: builder, Cmd: mavenCmd(settings != nil, trust), Volumes: map[string]string{M2Volume: "/root/.m2"},
		Files: files, CopyOut: mavenOut,
	})
	_, _ = b.out().Write(stripANSI(res.Stdout + res.Stderr))
	if err != nil {
		return fmt.Errorf("resolve %s jars with Maven: %w", what, err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("resolve %s jars with Maven in %s: exit code %d (can containers reach Maven Central, "+
			"or the mirror or proxy in ~/.m2/settings.xml? a TLS-inspecting proxy's CA must be in %s):\n%s",
			what, builder, res.ExitCode, strings.Join(hostCADirs, " or "), lastLines(string(stripANSI(res.Combined())), 20))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	n := 0
	for name, data := range out {
		base := path.Base(name)
		if !strings.HasSuffix(base, ".jar") {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, base), data, 0o644); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("resolve %s jars with Maven: no jars under %s/jars", what, mavenOut)
	}
	return nil
}

// stripANSI drops the colour escapes Maven prints even in batch mode.
func stripANSI(s string) []byte {
	var out bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		out.WriteByte(s[i])
	}
	return out.Bytes()
}
