#!/bin/bash
# Entry point of Faultline's locally built Redis image. Like the official image, `redis-server` runs with
# protected mode off (the container's port mapping is the boundary) and accepts the same arguments,
# e.g. `redis-server --requirepass secret` as @testcontainers/redis passes them.
set -euo pipefail
if [ "$#" -eq 0 ] || [ "${1:0:1}" = '-' ]; then set -- redis-server "$@"; fi
if [ "$1" != redis-server ]; then exec "$@"; fi
shift
conf=()
if [ "$#" -gt 0 ] && [ "${1:0:1}" != '-' ]; then conf=("$1"); shift; fi
mkdir -p /data && chown redis:redis /data
cd /data
exec setpriv --reuid=redis --regid=redis --init-groups -- \
  redis-server "${conf[@]}" --protected-mode no --bind '* -::*' --daemonize no --dir /data "$@"
