//go:build !linux

package docker

// sameNetNSAsPeer cannot tell outside Linux.
func sameNetNSAsPeer(string) (same, known bool) { return false, false }
