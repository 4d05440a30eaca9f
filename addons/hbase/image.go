package hbase

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/images"
)

//go:embed image/pom.xml.tmpl image/HBaseWorkload.java image/launcher.sh
var recipes embed.FS

// image is HBase's layer of the add-on image: HBase's jars (its -hadoop3
// build with the Hadoop client it was built against, resolved by Maven into
// hbase/lib, a tree of its own beside Hadoop's), the web UI resources
// hbase-webapps/ taken from the hbase-server tests jar (not installed), and
// the harness's HBase client (image/HBaseWorkload.java), compiled in the
// builder image (JDK 17) against those jars; and HBase's part of the
// image's launcher (image/launcher.sh), so `hbase --daemon start
// master|regionserver` runs them (images/CONTRACT.md).
func image(version string) addon.Image {
	pom := strings.ReplaceAll(string(must(recipes.ReadFile("image/pom.xml.tmpl"))), "@VERSION@", version)
	return images.Layer{
		Name:     Name,
		Versions: map[string]string{"": version},
		Poms:     map[string][]byte{"lib": []byte(pom)},
		Files: map[string][]byte{
			"java/HBaseWorkload.java": must(recipes.ReadFile("image/HBaseWorkload.java")),
			"launcher.sh":             must(recipes.ReadFile("image/launcher.sh")),
		},
		Stage: stageWebapps,
		Builder: `COPY hbase/lib/ /jars/
COPY hbase/java/ /src/
RUN set -e; mkdir /classes; javac --release 17 -nowarn -cp '/jars/*' -d /classes /src/*.java; \
    jar cf /haharness-hbase-workload.jar -C /classes .`,
		Install: `COPY hbase/lib/ /opt/hbase/lib/
COPY hbase/webapps/ /opt/hbase/hbase-webapps/
COPY --from=hbase /haharness-hbase-workload.jar /opt/hbase/lib/
COPY hbase/launcher.sh /opt/hadoop/libexec/addons/hbase.sh
RUN ln -s hadoop-launcher /opt/hadoop/bin/hbase`,
	}
}

// stageWebapps moves the hbase-server tests jar out of lib/ and unpacks
// its hbase-webapps/ (the info servers' resources; not in the main jar)
// into webapps/, which the launcher puts on HBase's classpath as HBase's
// own layout does.
func stageWebapps(dir string) error {
	jars, err := filepath.Glob(filepath.Join(dir, "lib", "hbase-server-*-tests.jar"))
	if err != nil || len(jars) != 1 {
		return fmt.Errorf("want one hbase-server tests jar, found %v (%v)", jars, err)
	}
	if err := images.UnzipPrefix(jars[0], "hbase-webapps/", filepath.Join(dir, "webapps")); err != nil {
		return err
	}
	return os.Remove(jars[0])
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err) // embedded; cannot happen
	}
	return b
}
