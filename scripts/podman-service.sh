#!/usr/bin/env bash
# Makes Podman's Docker-compatible API answer on a unix socket, so haharness
# (and testcontainers-go) can use Podman as its engine, then prints the
# DOCKER_HOST to use:
#
#   export DOCKER_HOST=$(bash scripts/podman-service.sh)
#
# If the socket already answers, nothing is started. Otherwise
# `podman system service --time=0` (no idle timeout) is started in the
# background, detached from this shell (setsid nohup), logging to
# /var/log/haharness-podman.log, and the script waits up to 30 s for it.
# Podman itself comes from scripts/setup.sh (Debian: apt-get install podman).
# Nothing in Podman's configuration is changed.
#
# PODMAN_SOCKET overrides the socket path (default /run/podman/podman.sock,
# root's socket).
set -euo pipefail

sock=${PODMAN_SOCKET:-/run/podman/podman.sock}
log=/var/log/haharness-podman.log
host="unix://$sock"

answers() { [ -S "$sock" ] && curl -fsS --max-time 5 --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; }

if answers; then echo "$host"; exit 0; fi

command -v podman >/dev/null 2>&1 || { echo "podman-service: podman is not installed (scripts/setup.sh installs it on Debian as root)" >&2; exit 1; }
command -v curl >/dev/null 2>&1 || { echo "podman-service: curl is needed to check the socket" >&2; exit 1; }
if [ "$(id -u)" != 0 ] && [ -z "${PODMAN_SOCKET:-}" ]; then
  echo "podman-service: $sock is root's socket: run as root, or set PODMAN_SOCKET (e.g. \$XDG_RUNTIME_DIR/podman/podman.sock)" >&2
  exit 1
fi

mkdir -p "$(dirname "$sock")"
# A socket file left by a service that died would make bind fail.
if [ -S "$sock" ]; then rm -f "$sock"; fi
echo "podman-service: starting podman system service on $host (log: $log)" >&2
# setsid: the service must outlive this script and the shell (or make) that ran it.
# cd /: it must not keep the caller's directory either. Every container's
# conmon inherits the service's working directory; once that directory is
# removed (a CI clone deleted after its run) conmon fails ("Failed to get
# working directory") and every container start is refused with "write
# child: broken pipe".
cd /
setsid nohup podman system service --time=0 "$host" >>"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if answers; then echo "podman-service: up" >&2; echo "$host"; exit 0; fi
  sleep 0.5
done
echo "podman-service: $host did not answer within 30 s; last log lines:" >&2
tail -n 20 "$log" >&2
exit 1
