package kafka

import (
	_ "embed"
	"strings"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/images"
)

//go:embed image/pom.xml.tmpl
var pomTemplate string

//go:embed image/launcher.sh
var launcherPart []byte

// image is Kafka's layer of the add-on image: the broker's jars
// (kafka_2.13 with slf4j-reload4j), resolved by Maven into a tree of their
// own (/opt/kafka/libs), and Kafka's part of the image's launcher
// (image/launcher.sh), so `kafka --daemon start server` runs a broker
// (images/CONTRACT.md).
func image(version string) addon.Image {
	return images.Layer{
		Name:     Name,
		Versions: map[string]string{"": version},
		Poms:     map[string][]byte{"libs": []byte(strings.ReplaceAll(pomTemplate, "@VERSION@", version))},
		Files:    map[string][]byte{"launcher.sh": launcherPart},
		Install: `COPY kafka/libs/ /opt/kafka/libs/
COPY kafka/launcher.sh /opt/hadoop/libexec/addons/kafka.sh
RUN ln -s hadoop-launcher /opt/hadoop/bin/kafka`,
	}
}
