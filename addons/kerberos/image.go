package kerberos

import (
	"embed"
	"strings"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/images"
)

//go:embed image/pom.xml.tmpl image/Kdc.java image/launcher.sh image/login.sh
var recipes embed.FS

// HDFSHome is the home of hdfs, the HDFS daemons' user: its SSH keys.
const HDFSHome = "/var/lib/hdfs"

// KerbyVersion is the Apache Kerby release of the KDC (the one Hadoop
// 3.5's MiniKdc uses).
const KerbyVersion = "2.0.3"

// image is the add-on's layer of the add-on image: Kerby's KDC jars
// (Maven Central) in /opt/kdc/jars and the harness's KDC daemon
// (image/Kdc.java) compiled against them; the launcher's part for `kdc
// server` (image/launcher.sh); MIT's client tools (kinit, klist,
// kdestroy: Debian's krb5-user) for users and for the script that gives
// root's commands a ticket (image/login.sh); the daemons' users hdfs and
// yarn (group hadoop) and directories they may write; and for hdfs, whose
// ZKFC fences, the image's SSH key pair in its home (HDFSHome): the fence
// logs in to the other NameNode's host as hdfs, the owner of the NameNode
// it kills (root in a container may not look into another user's
// processes: fuser finds nothing).
func image() addon.Image {
	return images.Layer{
		Name:     Name,
		Versions: map[string]string{"": KerbyVersion},
		Poms:     map[string][]byte{"jars": []byte(strings.ReplaceAll(string(must(recipes.ReadFile("image/pom.xml.tmpl"))), "@VERSION@", KerbyVersion))},
		Files: map[string][]byte{
			"java/Kdc.java": must(recipes.ReadFile("image/Kdc.java")),
			"launcher.sh":   must(recipes.ReadFile("image/launcher.sh")),
			"login.sh":      must(recipes.ReadFile("image/login.sh")),
		},
		Builder: `COPY kerberos/jars/ /jars/
COPY kerberos/java/ /src/
RUN set -e; mkdir /classes; javac --release 17 -nowarn -cp '/jars/*' -d /classes /src/*.java; jar cf /haharness-kdc.jar -C /classes .`,
		Install: `COPY kerberos/jars/ /opt/kdc/jars/
COPY --from=kerberos /haharness-kdc.jar /opt/kdc/haharness-kdc.jar
COPY kerberos/launcher.sh /opt/hadoop/libexec/addons/kdc.sh
COPY kerberos/login.sh ` + LoginScript + `
RUN set -e; ln -s hadoop-launcher /opt/hadoop/bin/kdc; chmod 755 ` + LoginScript + `; \
    apt-get update; apt-get install -y --no-install-recommends krb5-user; rm -rf /var/lib/apt/lists/*; \
    ln -sf /opt/hadoop/etc/hadoop/kerberos/krb5.conf /etc/krb5.conf; \
    groupadd -g 1100 hadoop; useradd -u 1101 -g hadoop -m -d ` + HDFSHome + ` -s /bin/bash hdfs; \
    useradd -u 1102 -g hadoop -m -d /var/lib/yarn -s /bin/bash yarn; \
    mkdir -p /home/hadoop/tmp; chmod 1777 /home/hadoop /home/hadoop/tmp /var/log/hadoop; \
    mkdir -p ` + HDFSHome + `/.ssh; cp /root/.ssh/id_rsa /root/.ssh/authorized_keys /root/.ssh/config ` + HDFSHome + `/.ssh/; \
    chown -R hdfs:hadoop ` + HDFSHome + `; chmod 700 ` + HDFSHome + ` ` + HDFSHome + `/.ssh; chmod 600 ` + HDFSHome + `/.ssh/*`,
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err) // embedded; cannot happen
	}
	return b
}
