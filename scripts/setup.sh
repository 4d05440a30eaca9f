#!/usr/bin/env bash
# One-time (idempotent) set-up of a machine for haharness: makes sure a
# Docker engine answers, that debootstrap is there for the image build's
# fallback where no registry answers (the build itself needs only the
# engine: Maven runs in a builder container), that the report test's browser
# (chromium) is present, and installs Podman (the second engine `make
# test-podman` runs on; its API service is started by
# scripts/podman-service.sh, not here).
# On Debian as root it installs what is missing and starts dockerd; elsewhere
# it says what is missing and exits 1 (chromium and podman are only warned about).
set -euo pipefail

answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

need_pkgs=()
command -v docker >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then need_pkgs+=(chromium); else
    echo "setup: no chromium: the report's browser test will be skipped (set HAHARNESS_REQUIRE_BROWSER=1 to fail instead)" >&2; fi
fi
if ! command -v podman >/dev/null 2>&1; then
  # netavark (with aardvark-dns for the network aliases) rather than the CNI
  # plugins apt would pick without recommends: Podman 4's default backend.
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then need_pkgs+=(podman netavark aardvark-dns); else
    echo "setup: no podman: \`make test-podman\` cannot run (Debian: apt-get install podman)" >&2; fi
fi
command -v go >/dev/null 2>&1 || { echo "setup: Go is not installed: install Go 1.26+ first" >&2; exit 1; }

if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "setup: installing ${need_pkgs[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "setup: missing ${need_pkgs[*]}: install them (Debian: apt-get install ${need_pkgs[*]}) and rerun" >&2
    exit 1
  fi
fi

if answers; then exit 0; fi

if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null 2>&1; then
  echo "setup: starting dockerd (log: /var/log/haharness-dockerd.log)" >&2
  # setsid: the engine must outlive this script and the shell that ran it;
  # cd /: nor may it keep that shell's directory, which may be removed (a
  # CI clone) while the engine and its containers' shims still run in it.
  cd /
  setsid nohup dockerd >/var/log/haharness-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if answers; then echo "setup: engine is up" >&2; exit 0; fi
    sleep 1
  done
  echo "setup: dockerd did not answer within 60 s; last log lines:" >&2
  tail -n 20 /var/log/haharness-dockerd.log >&2
  exit 1
fi
echo "setup: no Docker engine answers and this script cannot start one (needs root and dockerd): start Docker, or set DOCKER_HOST" >&2
exit 1
