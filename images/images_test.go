package images

import (
	"archive/zip"
	"encoding/pem"
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestLookup(t *testing.T) {
	r, err := Lookup(DefaultHadoop)
	require.NoError(t, err)
	require.Equal(t, DefaultHadoop, r.Hadoop)
	require.NotEmpty(t, r.ZooKeeper)
	require.NotEmpty(t, r.Examples)

	_, err = Lookup("2.6.0")
	require.ErrorContains(t, err, "unknown Hadoop version")
	require.ErrorContains(t, err, "3.5.0", "the error names the known versions")
}

func TestRefIsStableAndVersioned(t *testing.T) {
	a, b := Releases()[0], Releases()[1]
	require.Equal(t, Ref(a), Ref(a), "Ref is deterministic")
	require.NotEqual(t, Ref(a), Ref(b))
	require.NotEqual(t, Ref(a)[strings.LastIndex(Ref(a), "-"):], Ref(b)[strings.LastIndex(Ref(b), "-"):],
		"the hash part of the tag covers the versions")
	require.True(t, strings.HasPrefix(Ref(a), "haharness/hadoop:"+a.Hadoop+"-"), Ref(a))
	require.True(t, strings.HasPrefix(BaseRef(), "haharness/base:"), BaseRef())
	require.True(t, strings.HasPrefix(BuilderRef(), "haharness/builder:"), BuilderRef())
	require.NotEqual(t, strings.TrimPrefix(BaseRef(), "haharness/base:"), strings.TrimPrefix(BuilderRef(), "haharness/builder:"))
}

// copyRecipes returns the embedded recipes as a MapFS the test can change.
func copyRecipes(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(recipes, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := recipes.ReadFile(p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	}))
	return m
}

func TestHadoopHashChangesWithEveryRecipe(t *testing.T) {
	r := Releases()[0]
	orig := copyRecipes(t)
	want := hadoopHash(recipes, r)
	require.Equal(t, want, hadoopHash(orig, r), "a copy of the recipes hashes the same")

	for _, f := range []string{"hadoop/Dockerfile", "hadoop/entrypoint.sh", "hadoop/bin/hadoop-launcher",
		"pom.xml.tmpl", "base/Dockerfile", "base/hostclock.c", "builder/Dockerfile"} {
		changed := copyRecipes(t)
		require.Contains(t, changed, f)
		changed[f] = &fstest.MapFile{Data: append(slices.Clone(changed[f].Data), '\n')}
		require.NotEqual(t, want[:12], hadoopHash(changed, r)[:12], "changing %s must change the Hadoop image tag", f)
	}

	added := copyRecipes(t)
	added["hadoop/bin/new-tool"] = &fstest.MapFile{Data: []byte("#!/bin/sh\n")}
	require.NotEqual(t, want, hadoopHash(added, r), "a new file in hadoop/ changes the tag")

	for _, v := range []Release{
		{Hadoop: "9.9.9", ZooKeeper: r.ZooKeeper, Examples: r.Examples},
		{Hadoop: r.Hadoop, ZooKeeper: "9.9.9", Examples: r.Examples},
		{Hadoop: r.Hadoop, ZooKeeper: r.ZooKeeper, Examples: "9.9.9"},
	} {
		require.NotEqual(t, want[:12], hadoopHash(recipes, v)[:12], "versions %+v change the tag", v)
	}
}

func TestLayerHashesFollowTheirOwnRecipe(t *testing.T) {
	changed := copyRecipes(t)
	changed["builder/Dockerfile"] = &fstest.MapFile{Data: []byte("FROM scratch\n")}
	require.Equal(t, recipeHash(recipes, "base/Dockerfile"), recipeHash(changed, "base/Dockerfile"))
	require.NotEqual(t, recipeHash(recipes, "builder/Dockerfile"), recipeHash(changed, "builder/Dockerfile"))
}

func TestRecipesEmbedded(t *testing.T) {
	for _, f := range []string{"base/Dockerfile", "base/hostclock.c", "builder/Dockerfile", "hadoop/Dockerfile", "hadoop/bin/hadoop-launcher",
		"hadoop/entrypoint.sh", "pom.xml.tmpl"} {
		b, err := recipes.ReadFile(f)
		require.NoError(t, err, "%s not embedded", f)
		require.NotEmpty(t, b, f)
	}
	builder, _ := recipes.ReadFile("builder/Dockerfile")
	for _, want := range []string{"FROM ${ROOTFS}", "openjdk-17-jdk-headless", "maven"} {
		require.Contains(t, string(builder), want)
	}
}

func TestRenderPom(t *testing.T) {
	r := Release{Hadoop: "3.5.0", ZooKeeper: "3.8.6", Examples: "3.4.2"}
	pom := string(renderPom(r))
	require.NotContains(t, pom, "@", "every placeholder is replaced")

	var p struct {
		Properties struct {
			Hadoop string `xml:"hadoop.version"`
		} `xml:"properties"`
		Deps []struct {
			Group      string `xml:"groupId"`
			Artifact   string `xml:"artifactId"`
			Version    string `xml:"version"`
			Classifier string `xml:"classifier"`
		} `xml:"dependencies>dependency"`
	}
	require.NoError(t, xml.Unmarshal([]byte(pom), &p), "the rendered pom is XML")
	require.Equal(t, "3.5.0", p.Properties.Hadoop)
	got := map[string]string{}
	for _, d := range p.Deps {
		got[d.Artifact+":"+d.Classifier] = d.Version
	}
	require.Equal(t, "3.8.6", got["zookeeper:"])
	require.Equal(t, "3.4.2", got["hadoop-mapreduce-examples:"])
	require.Equal(t, "${hadoop.version}", got["hadoop-hdfs:tests"], "the tests jar carries webapps/")
	require.Equal(t, "${hadoop.version}", got["hadoop-common:"])

	// ZooKeeper comes without its logback, as in Hadoop's own build: logback
	// 1.2 (ZooKeeper 3.8.4, Hadoop 3.4.x) would bind SLF4J ahead of reload4j.
	type exclusion struct {
		Group    string `xml:"groupId"`
		Artifact string `xml:"artifactId"`
	}
	type dep struct {
		Artifact   string      `xml:"artifactId"`
		Exclusions []exclusion `xml:"exclusions>exclusion"`
	}
	var zk struct {
		Deps []dep `xml:"dependencies>dependency"`
	}
	require.NoError(t, xml.Unmarshal([]byte(pom), &zk))
	i := slices.IndexFunc(zk.Deps, func(d dep) bool { return d.Artifact == "zookeeper" })
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, []exclusion{{Group: "ch.qos.logback", Artifact: "*"}}, zk.Deps[i].Exclusions)
}

func TestMavenCmd(t *testing.T) {
	plain := mavenCmd(false, false)
	require.Equal(t, "mvn", plain[0])
	for _, want := range []string{"-B", "-q", "-f", mavenPom, "-Dmaven.repo.local=/root/.m2/repository",
		"dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory=/out/jars"} {
		require.Contains(t, plain, want)
	}
	require.NotContains(t, plain, "-s")

	with := mavenCmd(true, false)
	i := slices.Index(with, "-s")
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, mavenSettings, with[i+1])
	require.Less(t, i, slices.Index(with, "dependency:copy-dependencies"), "options come before the goal")

	trusting := mavenCmd(true, true)
	require.Equal(t, []string{"bash", "-c"}, trusting[:2])
	require.Contains(t, trusting[2], "update-ca-certificates")
	require.Contains(t, trusting[2], `exec "$0" "$@"`)
	require.Equal(t, with, trusting[3:], "then Maven runs exactly as without CAs")
}

// testCert is a PEM certificate block; hostCAs only splits PEM, it does not
// parse certificates.
func testCert(body string) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte(body)}))
}

func TestHostCAs(t *testing.T) {
	deb, rhel, missing := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "none")
	require.NoError(t, os.MkdirAll(filepath.Join(deb, "corp"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(deb, "proxy.crt"), []byte(testCert("a")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(deb, "corp", "bundle.crt"), []byte(testCert("b")+"junk\n"+testCert("c")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(deb, "README"), []byte(testCert("ignored: not .crt")), 0o644))
	key := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("k")}))
	require.NoError(t, os.WriteFile(filepath.Join(rhel, "anchor.pem"), []byte(key+testCert("d")), 0o644))

	got := hostCAs([]string{deb, missing, rhel})
	var bodies []string
	for name, data := range got {
		require.True(t, strings.HasPrefix(name, "usr/local/share/ca-certificates/haharness-host/"), name)
		require.True(t, strings.HasSuffix(name, ".crt"), "update-ca-certificates reads only .crt: %s", name)
		block, rest := pem.Decode(data)
		require.NotNil(t, block)
		require.Empty(t, rest, "one certificate a file")
		bodies = append(bodies, string(block.Bytes))
	}
	slices.Sort(bodies)
	require.Equal(t, []string{"a", "b", "c", "d"}, bodies)

	require.Empty(t, hostCAs([]string{missing}))
}

func writeJar(t *testing.T, file string, entries map[string]string) {
	t.Helper()
	f, err := os.Create(file)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	for name, body := range entries {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
}

func TestStageJars(t *testing.T) {
	jars, dir := t.TempDir(), t.TempDir()
	for _, j := range []string{"hadoop-common-3.5.0.jar", "hadoop-hdfs-3.5.0.jar", "zookeeper-3.8.6.jar",
		"hadoop-mapreduce-examples-3.4.2.jar"} {
		writeJar(t, filepath.Join(jars, j), map[string]string{"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n"})
	}
	writeJar(t, filepath.Join(jars, "hadoop-hdfs-3.5.0-tests.jar"), map[string]string{
		"webapps/hdfs/index.html":         "<html>nn</html>",
		"webapps/datanode/dn.js":          "dn",
		"webapps/static/":                 "",
		"org/apache/hadoop/Test.class":    "class",
		"META-INF/MANIFEST.MF":            "Manifest-Version: 1.0\n",
		"notwebapps/hdfs/not-copied.html": "no",
	})
	require.NoError(t, stageJars(jars, dir))

	list := func(sub string) []string {
		var out []string
		require.NoError(t, filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(filepath.Join(dir, sub), p)
				out = append(out, filepath.ToSlash(rel))
			}
			return err
		}))
		slices.Sort(out)
		return out
	}
	require.Equal(t, []string{"hadoop-common-3.5.0.jar", "hadoop-hdfs-3.5.0.jar", "zookeeper-3.8.6.jar"}, list("lib"),
		"the tests jar and the examples jar are not on the daemons' classpath")
	require.Equal(t, []string{"hadoop-mapreduce-examples-3.4.2.jar"}, list("examples"))
	require.Equal(t, []string{"datanode/dn.js", "hdfs/index.html"}, list("webapps"), "only webapps/ is taken from the tests jar")
	b, err := os.ReadFile(filepath.Join(dir, "webapps", "hdfs", "index.html"))
	require.NoError(t, err)
	require.Equal(t, "<html>nn</html>", string(b))
}

func TestStageJarsNeedsTheTestsJar(t *testing.T) {
	jars := t.TempDir()
	writeJar(t, filepath.Join(jars, "hadoop-common-3.5.0.jar"), map[string]string{"a": "b"})
	require.ErrorContains(t, stageJars(jars, t.TempDir()), "no hadoop-hdfs tests jar")

	empty := t.TempDir()
	writeJar(t, filepath.Join(empty, "hadoop-hdfs-3.5.0-tests.jar"), map[string]string{"org/X.class": "x"})
	require.ErrorContains(t, stageJars(empty, t.TempDir()), "no webapps/")
}

func TestExtract(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, extract("hadoop", dir))
	for f, exec := range map[string]bool{"Dockerfile": false, "entrypoint.sh": true, "bin/hadoop-launcher": true} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		require.Equal(t, exec, st.Mode().Perm()&0o111 != 0, "%s executable", f)
	}
}

func TestStripANSI(t *testing.T) {
	require.Equal(t, "[ERROR] no plugin\nok", string(stripANSI("\x1b[0m\x1b[1;31m[ERROR] no plugin\x1b[0m\nok\x1b[0m")))
	require.Equal(t, "plain [INFO]", string(stripANSI("plain [INFO]")))
}
