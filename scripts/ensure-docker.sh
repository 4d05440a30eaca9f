#!/usr/bin/env bash
# Makes sure a Docker engine answers, and that the tools the harness uses
# to build its images are present. On Debian as root it installs what is
# missing (docker.io, debootstrap, maven) and starts dockerd; elsewhere it
# says what is missing and exits 1.
set -euo pipefail

answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

need_pkgs=()
command -v docker >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
command -v mvn >/dev/null 2>&1 || need_pkgs+=(maven)
command -v go >/dev/null 2>&1 || { echo "ensure-docker: Go is not installed: install Go 1.26+ first" >&2; exit 1; }

if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "ensure-docker: installing ${need_pkgs[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "ensure-docker: missing ${need_pkgs[*]}: install them (Debian: apt-get install ${need_pkgs[*]}) and rerun" >&2
    exit 1
  fi
fi

if answers; then exit 0; fi

if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: starting dockerd (log: /var/log/haharness-dockerd.log)" >&2
  # setsid: the engine must outlive this script and the shell that ran it.
  setsid nohup dockerd >/var/log/haharness-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if answers; then echo "ensure-docker: engine is up" >&2; exit 0; fi
    sleep 1
  done
  echo "ensure-docker: dockerd did not answer within 60 s; last log lines:" >&2
  tail -n 20 /var/log/haharness-dockerd.log >&2
  exit 1
fi
echo "ensure-docker: no Docker engine answers and this script cannot start one (needs root and dockerd): start Docker, or set DOCKER_HOST" >&2
exit 1
