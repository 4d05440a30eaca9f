package spark

import (
	"embed"
	"strings"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/images"
)

//go:embed image/pom.xml.tmpl image/SparkJobs.java image/launcher.sh
var recipes embed.FS

// image is Spark's layer of the add-on image: Spark's jars (spark-yarn,
// spark-sql and its streaming sources, with the shaded Hadoop client Spark was
// built against), resolved by Maven into /opt/spark/jars, a tree of its
// own beside Hadoop's; the same jars stored in one zip (ArchiveFile), which
// the start uploads to HDFS as spark.yarn.archive; the harness's jobs
// (image/SparkJobs.java), compiled in the builder image against those jars
// into JobsJar; and Spark's part of the image's launcher
// (image/launcher.sh): `spark history|submit|driver` (images/CONTRACT.md).
func image(version string) addon.Image {
	pom := strings.ReplaceAll(string(must(recipes.ReadFile("image/pom.xml.tmpl"))), "@VERSION@", version)
	return images.Layer{
		Name:     Name,
		Versions: map[string]string{"": version},
		Poms:     map[string][]byte{"jars": []byte(pom)},
		Files: map[string][]byte{
			"java/SparkJobs.java": must(recipes.ReadFile("image/SparkJobs.java")),
			"launcher.sh":         must(recipes.ReadFile("image/launcher.sh")),
		},
		Builder: `COPY spark/jars/ /jars/
COPY spark/java/ /src/
RUN set -e; mkdir /classes; javac --release 17 -nowarn -cp '/jars/*' -d /classes /src/*.java; \
    jar cf /haharness-spark-jobs.jar -C /classes .; cd /jars; jar --create --no-compress --no-manifest --file /spark-jars.zip *.jar`,
		Install: `COPY spark/jars/ /opt/spark/jars/
COPY --from=spark /spark-jars.zip ` + ArchiveFile + `
COPY --from=spark /haharness-spark-jobs.jar ` + JobsJar + `
COPY spark/launcher.sh /opt/hadoop/libexec/addons/spark.sh
RUN ln -s hadoop-launcher /opt/hadoop/bin/spark`,
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err) // embedded; cannot happen
	}
	return b
}
