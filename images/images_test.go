package images

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	r, err := Lookup(DefaultHadoop)
	if err != nil || r.Hadoop != DefaultHadoop || r.ZooKeeper == "" || r.Examples == "" {
		t.Fatalf("Lookup(%s) = %+v, %v", DefaultHadoop, r, err)
	}
	_, err = Lookup("2.6.0")
	if err == nil || !strings.Contains(err.Error(), "3.5.0") || !strings.Contains(err.Error(), "unknown Hadoop version") {
		t.Fatalf("unknown version error %v must name the known versions", err)
	}
}

func TestRefIsStableAndVersioned(t *testing.T) {
	a, b := Releases()[0], Releases()[1]
	if Ref(a) != Ref(a) {
		t.Fatal("Ref not deterministic")
	}
	if Ref(a) == Ref(b) || !strings.HasPrefix(Ref(a), "haharness/hadoop:"+a.Hadoop+"-") {
		t.Fatalf("refs %s %s", Ref(a), Ref(b))
	}
}

func TestRecipesEmbedded(t *testing.T) {
	for _, f := range []string{"base/Dockerfile", "hadoop/Dockerfile", "hadoop/bin/hadoop-launcher", "hadoop/entrypoint.sh", "pom.xml.tmpl"} {
		b, err := recipes.ReadFile(f)
		if err != nil || len(b) == 0 {
			t.Errorf("%s not embedded: %v", f, err)
		}
	}
	pom, _ := recipes.ReadFile("pom.xml.tmpl")
	for _, v := range []string{"@HADOOP_VERSION@", "@ZOOKEEPER_VERSION@", "@EXAMPLES_VERSION@"} {
		if !strings.Contains(string(pom), v) {
			t.Errorf("pom template lacks %s", v)
		}
	}
}
