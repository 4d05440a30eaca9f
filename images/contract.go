package images

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/haharness/haharness/internal/docker"
)

// contractProbe runs inside a throwaway container of the image and prints
// one line per unmet requirement of CONTRACT.md.
const contractProbe = `
for c in hdfs yarn mapred hadoop zookeeper java bash ps pgrep pkill kill fuser sshd ssh iptables tc nc tini; do
  command -v "$c" >/dev/null 2>&1 || echo "missing command: $c"
done
[ "${HADOOP_CONF_DIR:-}" = /opt/hadoop/etc/hadoop ] || echo "HADOOP_CONF_DIR must be /opt/hadoop/etc/hadoop, is '${HADOOP_CONF_DIR:-}'"
[ "${HADOOP_LOG_DIR:-}" = /var/log/hadoop ] || echo "HADOOP_LOG_DIR must be /var/log/hadoop, is '${HADOOP_LOG_DIR:-}'"
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] || echo "JAVA_HOME must point at a JDK 17 runtime"
[ -f /opt/hadoop/share/hadoop/mapreduce/hadoop-mapreduce-examples.jar ] || echo "missing /opt/hadoop/share/hadoop/mapreduce/hadoop-mapreduce-examples.jar"
[ -f /root/.ssh/id_rsa ] && [ -f /root/.ssh/authorized_keys ] || echo "missing root ssh key pair for sshfence (/root/.ssh/id_rsa, authorized_keys)"
hdfs version >/dev/null 2>&1 || echo "hdfs version fails"
`

// CheckContract verifies that an image (for example one built from the
// official Hadoop tarball) has what the harness relies on (CONTRACT.md). An
// image the engine lacks is pulled first: a prebuilt image may live in a
// registry. It runs the probe in a throwaway container and lists every unmet
// requirement.
func CheckContract(ctx context.Context, eng *docker.Engine, ref string) error {
	if _, ok, err := eng.ImageLabels(ctx, ref); err != nil {
		return err
	} else if !ok {
		if err := eng.Pull(ctx, ref, io.Discard); err != nil {
			return fmt.Errorf("image %q is neither on the engine nor pullable (%w): build it, `docker load` it, or name one a registry serves", ref, err)
		}
	}
	res, _, err := eng.Run(ctx, docker.RunSpec{Image: ref, Cmd: []string{"bash", "-c", contractProbe}})
	if err != nil {
		return fmt.Errorf("check image %s: %w", ref, err)
	}
	if out := strings.TrimSpace(res.Stdout); out != "" || res.ExitCode != 0 {
		return fmt.Errorf("image %s does not meet the haharness contract (images/CONTRACT.md):\n%s", ref, strings.TrimSpace(out+"\n"+strings.TrimSpace(res.Stderr)))
	}
	return nil
}
