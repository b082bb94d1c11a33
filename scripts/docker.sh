#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine: installs Debian's docker.io when dockerd is missing,
# starts dockerd when it is not running, and waits until it answers. Needs root for the first two.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker.sh: installing docker.io from Debian's packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/tmp/faultline-apt-docker.log 2>&1 ||
    { echo "docker.sh: apt-get install docker.io failed; see /tmp/faultline-apt-docker.log" >&2; exit 1; }
fi

if ! docker info >/dev/null 2>&1; then
  echo "docker.sh: starting dockerd (log: /tmp/faultline-dockerd.log)" >&2
  as_root sh -c 'nohup dockerd >/tmp/faultline-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi
docker info >/dev/null 2>&1 || { echo "docker.sh: dockerd did not answer within 60 s; see /tmp/faultline-dockerd.log" >&2; exit 1; }
echo "docker.sh: Docker $(docker version --format '{{.Server.Version}}') answers" >&2
