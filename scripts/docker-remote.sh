#!/usr/bin/env bash
# A second Docker engine on this machine, on its own socket, data and bridge, standing in for a remote CI
# Docker host or a cloud Docker service: the test of remote engines (test/remote/) points DOCKER_HOST at
# it. It shares nothing with the first engine: its own data root (so its own images, loaded here from the
# first engine), its own bridge (10.213.0.0/24), and no iptables rules (published ports go through
# docker-proxy), so it cannot disturb the first engine's networking. It answers on a Unix socket and on
# TCP on loopback (127.0.0.1:23750, without TLS: loopback only), as a remote engine would. Needs root.
#
#   bash scripts/docker-remote.sh          # starts it if needed, loads the images; prints its socket
#   bash scripts/docker-remote.sh --stop   # stops it
set -euo pipefail
root=/tmp/faultline-docker-remote
sock="unix://$root/docker.sock"
tcp="tcp://127.0.0.1:23750"
bridge=br-fl-remote
images=("${FAULTLINE_REDIS_IMAGE:-faultline-local/redis:bookworm}" "${FAULTLINE_MEMCACHED_IMAGE:-faultline-local/memcached:bookworm}")

if [ "${1:-}" = --stop ]; then
  if [ -f "$root/docker.pid" ]; then kill "$(cat "$root/docker.pid")" 2>/dev/null || true; fi
  for _ in $(seq 1 30); do [ -S "$root/docker.sock" ] && docker -H "$sock" info >/dev/null 2>&1 || break; sleep 1; done
  ip link delete "$bridge" 2>/dev/null || true
  exit 0
fi

if [ "$(id -u)" != 0 ]; then echo "docker-remote.sh: needs root (it starts a dockerd)" >&2; exit 1; fi
mkdir -p "$root"
if ! docker -H "$sock" info >/dev/null 2>&1; then
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add 10.213.0.1/24 dev "$bridge"
    ip link set "$bridge" up
  fi
  echo "docker-remote.sh: starting a second dockerd on $sock (log: $root/dockerd.log)" >&2
  nohup dockerd -H "$sock" -H "$tcp" --data-root "$root/data" --exec-root "$root/exec" --pidfile "$root/docker.pid" \
    --bridge "$bridge" --iptables=false --ip6tables=false --ip-masq=false >"$root/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do docker -H "$sock" info >/dev/null 2>&1 && break; sleep 1; done
  docker -H "$sock" info >/dev/null 2>&1 || { echo "docker-remote.sh: the second dockerd did not answer; see $root/dockerd.log" >&2; exit 1; }
fi
# Its own images: copied from the first engine (no registry is reachable to pull them).
for image in "${images[@]}"; do
  if ! docker -H "$sock" image inspect "$image" >/dev/null 2>&1; then
    echo "docker-remote.sh: loading $image into the second engine" >&2
    docker save "$image" | docker -H "$sock" load >/dev/null
  fi
done
echo "$sock"
