package docker

import (
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

// sameNetNSAsPeer reports whether the process serving the unix socket at
// path (the engine) runs in this process's network namespace, from the
// socket's peer credentials (SO_PEERCRED) and the two processes'
// /proc/PID/ns/net. known is false when that cannot be told: the engine runs
// in another PID namespace (a socket mounted into a container: the peer's
// PID reads as 0), or /proc does not say.
func sameNetNSAsPeer(path string) (same, known bool) {
	conn, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return false, false
	}
	defer conn.Close()
	raw, err := conn.(*net.UnixConn).SyscallConn()
	if err != nil {
		return false, false
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || credErr != nil || cred == nil || cred.Pid <= 0 {
		return false, false
	}
	peer, err := os.Readlink("/proc/" + strconv.Itoa(int(cred.Pid)) + "/ns/net")
	if err != nil {
		return false, false
	}
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return false, false
	}
	return peer == self, true
}
