// Package unroutable runs a process the way most users' test processes run:
// unable to reach any container address. On Docker Desktop, Colima, Podman
// machines and remote engines, container addresses are not routable from
// the test process; only published ports are. On a Linux machine with a
// native engine they are routable, which hides every place that dials a
// container directly. This package takes that away: it runs a command
// under a dedicated group id and installs iptables rules that reject that
// group's packets to the container address ranges (packets to published
// ports, which the engine may translate to a container address, pass).
//
// Linux, root and iptables only. Layering: imports no project package.
package unroutable

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// Env is set to "1" in the environment of a process Command runs.
const Env = "HAHARNESS_UNROUTABLE"

// GID is the group id blocked processes run as.
const GID = 4242

// Ranges are the container address ranges rejected: every private range
// engines allocate networks from (Docker's 172.17+ and 192.168, Podman's
// 10.88). The rest of 10.0.0.0/8 stays open for the machine's resolvers.
var Ranges = []string{"172.16.0.0/12", "192.168.0.0/16", "10.88.0.0/16"}

// Active reports whether this process runs blocked.
func Active() bool { return os.Getenv(Env) == "1" }

func ruleArgs(op, cidr string) []string {
	return []string{op, "OUTPUT", "-m", "owner", "--gid-owner", strconv.Itoa(GID), "-d", cidr,
		"-m", "conntrack", "!", "--ctstate", "DNAT",
		"-m", "comment", "--comment", "haharness-unroutable", "-j", "REJECT"}
}

// Install adds the rules (once: it checks before adding) and returns a
// function that removes them.
func Install() (remove func() error, err error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("blocking container addresses needs root (iptables)")
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		return nil, errors.New("blocking container addresses needs iptables on PATH")
	}
	var added []string
	remove = func() error {
		var errs []error
		for _, cidr := range added {
			if out, err := exec.Command("iptables", ruleArgs("-D", cidr)...).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("iptables -D %s: %v: %s", cidr, err, strings.TrimSpace(string(out))))
			}
		}
		return errors.Join(errs...)
	}
	for _, cidr := range Ranges {
		if exec.Command("iptables", ruleArgs("-C", cidr)...).Run() == nil {
			continue // present already (another blocked run): leave it to its owner
		}
		if out, err := exec.Command("iptables", ruleArgs("-I", cidr)...).CombinedOutput(); err != nil {
			return nil, errors.Join(fmt.Errorf("iptables -I %s: %v: %s", cidr, err, strings.TrimSpace(string(out))), remove())
		}
		added = append(added, cidr)
	}
	return remove, nil
}

// Command returns cmd set to run blocked: as root but with group GID, and
// Env=1 in its environment.
func Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), Env+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: GID, NoSetGroups: true}}
	return cmd
}
