package flink

import (
	"embed"
	"fmt"
	"strings"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/images"
)

//go:embed image/pom.xml.tmpl image/KeyedCounts.java image/launcher.sh
var recipes embed.FS

// image is Flink's layer of the add-on image: Flink's module jars, resolved
// by Maven into /opt/flink/lib (Hadoop excluded: the cluster's own jars
// serve the client, the HistoryServer and the containers), with
// flink-yarn renamed flink-dist-VERSION.jar (no flink-dist is on Maven
// Central; flink-yarn holds the YARN descriptor and entry points, and with
// yarn.provided.lib.dirs Flink accepts only a lib/ with a jar named
// flink-dist*); the harness's job (image/KeyedCounts.java), compiled in the
// builder image against those jars into JobsJar; and Flink's part of the
// image's launcher (image/launcher.sh): `flink history|run ...`.
func image(version string) addon.Image {
	pom := strings.ReplaceAll(string(must(recipes.ReadFile("image/pom.xml.tmpl"))), "@VERSION@", version)
	return images.Layer{
		Name:     Name,
		Versions: map[string]string{"": version},
		Poms:     map[string][]byte{"lib": []byte(pom)},
		Files: map[string][]byte{
			"java/KeyedCounts.java": must(recipes.ReadFile("image/KeyedCounts.java")),
			"launcher.sh":           must(recipes.ReadFile("image/launcher.sh")),
		},
		Builder: fmt.Sprintf(`COPY flink/lib/ /lib/
COPY flink/java/ /src/
RUN set -e; mkdir /classes; javac --release 17 -nowarn -cp '/lib/*' -d /classes /src/*.java; \
    jar --create --file %s --main-class %s -C /classes .`, "/haharness-flink-jobs.jar", JobsClass),
		Install: fmt.Sprintf(`COPY flink/lib/ %[1]s/
RUN mv %[1]s/flink-yarn-%[2]s.jar %[1]s/%[3]s && mkdir -p /opt/flink/plugins
COPY --from=flink /haharness-flink-jobs.jar %[4]s
COPY flink/launcher.sh /opt/hadoop/libexec/addons/flink.sh
RUN ln -s hadoop-launcher /opt/hadoop/bin/flink`, LibDir, version, DistJar(version), JobsJar),
	}
}

// DistJar is the name lib/ gives flink-yarn: Flink's dist jar.
func DistJar(version string) string { return "flink-dist-" + version + ".jar" }

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err) // embedded; cannot happen
	}
	return b
}
