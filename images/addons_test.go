package images

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func widgetLayers() []Layer {
	return []Layer{
		{Name: "widget", Versions: map[string]string{"": "1.2"}, Poms: map[string][]byte{"lib": []byte("<project/>")},
			Builder: "COPY widget/lib/ /jars/", Install: "COPY --from=widget /x.jar /opt/widget/"},
		{Name: "gadget", Versions: map[string]string{"": "3.0", "gadget-client": "3.1"}, Install: "COPY gadget/libs/ /opt/gadget/libs/"},
	}
}

// The add-on image's Dockerfile: each layer's build stage, then the Hadoop
// image with every layer installed, in name order, labelled with its
// versions and listing them in VERSIONS.
func TestAddonsDockerfile(t *testing.T) {
	df := addonsDockerfile(sortedLayers(widgetLayers()))
	for _, want := range []string{
		"ARG BUILDER\nARG HADOOP_IMAGE\n",
		"FROM ${BUILDER} AS widget\nCOPY widget/lib/ /jars/\n",
		"FROM ${HADOOP_IMAGE}\nCOPY gadget/libs/ /opt/gadget/libs/\nCOPY --from=widget /x.jar /opt/widget/\n",
		`io.haharness.gadget.version="3.0"`, `io.haharness.gadget-client.version="3.1"`, `io.haharness.widget.version="1.2"`,
		"'GADGET_VERSION=3.0'", "'WIDGET_VERSION=1.2'",
	} {
		assert.Contains(t, df, want)
	}
	assert.NotContains(t, df, "AS gadget", "a layer without Builder lines has no stage")
	assert.Less(t, strings.Index(df, "AS widget"), strings.Index(df, "FROM ${HADOOP_IMAGE}"), "stages come before the final image")
}

// The tag follows the layers' content, not their order.
func TestAddonsRef(t *testing.T) {
	r := Release{Hadoop: "3.5.0", ZooKeeper: "3.8.6"}
	ls := widgetLayers()
	ref := AddonsRef(r, ls)
	assert.True(t, strings.HasPrefix(ref, "haharness/hadoop-addons:3.5.0-"), ref)
	assert.Equal(t, ref, AddonsRef(r, []Layer{ls[1], ls[0]}), "order does not matter")
	changed := widgetLayers()
	changed[0].Versions[""] = "1.3"
	assert.NotEqual(t, ref, AddonsRef(r, changed), "a version is in the tag")
	changed = widgetLayers()
	changed[1].Install += "\nRUN true"
	assert.NotEqual(t, ref, AddonsRef(r, changed), "the install lines are in the tag")
	assert.NotEqual(t, ref, AddonsRef(r, ls[:1]), "another set of layers, another image")
}
