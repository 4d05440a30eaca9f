package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Addons are the versions of the opt-in systems the add-on image carries
// beside Hadoop: Apache HBase (its -hadoop3 build) and Apache Kafka (3.9,
// the last line that runs on ZooKeeper, so the brokers share the
// cluster's ensemble).
type Addons struct {
	HBase string
	Kafka string
}

// DefaultAddons are the add-on versions used when none is given: the
// newest HBase 2.6 and Kafka 3.9 releases on Maven Central.
var DefaultAddons = Addons{HBase: "2.6.4", Kafka: "3.9.2"}

// AddonsRef returns the tag of the add-on image for release r (without
// building): the Hadoop image's recipes and versions and the add-ons'
// hashed together.
func AddonsRef(r Release, a Addons) string {
	return fmt.Sprintf("haharness/hadoop-addons:%s-%s", r.Hadoop, addonsHash(r, a)[:12])
}

func addonsHash(r Release, a Addons) string {
	return hashOf(recipes, []string{"addons/Dockerfile", "addons/hbase-pom.xml.tmpl", "addons/kafka-pom.xml.tmpl", "addons/java/HBaseWorkload.java"},
		[]string{hadoopHash(recipes, r), a.HBase, a.Kafka})
}

// renderAddonPom is the add-on pom tmpl with version v.
func renderAddonPom(tmpl, v string) []byte {
	b, err := recipes.ReadFile("addons/" + tmpl)
	if err != nil {
		panic(err) // embedded; cannot happen
	}
	return []byte(strings.ReplaceAll(string(b), "@VERSION@", v))
}

// EnsureAddons returns the add-on image for release r: the Hadoop image
// (Ensure) plus HBase's and Kafka's jars, each resolved by Maven with its
// own dependency tree into a directory of its own (HBase brings the Hadoop
// client it was built against, Kafka its ZooKeeper client; neither mixes
// with Hadoop's share/hadoop/lib). Like Ensure: the engine's, else the
// registry's, else another engine's, else built now (on the Hadoop image,
// which Ensure provides).
func (b *Builder) EnsureAddons(ctx context.Context, r Release, a Addons) (string, error) {
	p, err := b.ProvideAddons(ctx, r, a)
	return p.Ref, err
}

// ProvideAddons is EnsureAddons, saying how the image was provided.
func (b *Builder) ProvideAddons(ctx context.Context, r Release, a Addons) (Provided, error) {
	ref := AddonsRef(r, a)
	return b.provide(ctx, ref, func(ctx context.Context) error {
		hadoop, err := b.find(ctx, Ref(r), func(ctx context.Context) error { return b.buildRelease(ctx, r) })
		if err != nil {
			return err
		}
		return b.buildAddons(ctx, a, hadoop.Ref, ref)
	})
}

// buildAddons builds the add-on image ref on the Hadoop image hadoop.
func (b *Builder) buildAddons(ctx context.Context, a Addons, hadoop, ref string) error {
	builder, err := (&layers{Builder: b}).ensure(ctx, BuilderRef(), "builder", "builder image")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "haharness-addons-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "context")
	if err := extract("addons", dir); err != nil {
		return err
	}
	for _, part := range []struct{ name, what, pom, version string }{
		{"hbase", "HBase " + a.HBase, "hbase-pom.xml.tmpl", a.HBase},
		{"kafka", "Kafka " + a.Kafka, "kafka-pom.xml.tmpl", a.Kafka},
	} {
		t := time.Now()
		if err := b.resolveJars(ctx, part.what, renderAddonPom(part.pom, part.version), builder, filepath.Join(dir, part.name)); err != nil {
			return err
		}
		b.log().Info("resolved "+part.what+" jars with Maven", "took", since(t))
	}
	if err := stageHBaseWebapps(dir); err != nil {
		return fmt.Errorf("stage HBase %s web UI: %w", a.HBase, err)
	}
	t := time.Now()
	err = b.Engine.Build(ctx, dir, ref, map[string]string{"BUILDER": builder, "HADOOP_IMAGE": hadoop, "HBASE_VERSION": a.HBase, "KAFKA_VERSION": a.Kafka}, b.out())
	if err != nil {
		return fmt.Errorf("build add-on image: %w", err)
	}
	b.log().Info("built add-on image", "image", ref, "took", since(t))
	return nil
}

// stageHBaseWebapps moves the hbase-server tests jar out of dir/hbase and
// unpacks its hbase-webapps/ (the info servers' resources; not in the main
// jar, and the tests jar is not installed) into dir/hbase-webapps, which
// the launcher puts on HBase's classpath as HBase's own layout does.
func stageHBaseWebapps(dir string) error {
	jars, err := filepath.Glob(filepath.Join(dir, "hbase", "hbase-server-*-tests.jar"))
	if err != nil || len(jars) != 1 {
		return fmt.Errorf("want one hbase-server tests jar, found %v (%v)", jars, err)
	}
	if err := unzipPrefix(jars[0], "hbase-webapps/", filepath.Join(dir, "hbase-webapps")); err != nil {
		return err
	}
	return os.Remove(jars[0])
}
