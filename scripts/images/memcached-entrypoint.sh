#!/bin/bash
# Entry point of Faultline's locally built memcached image. Like the official image, `memcached` runs as
# the memcache user, listens on every interface of the container on 11211 (the published port is the
# boundary) and accepts the same arguments, e.g. `memcached -m 64`.
set -euo pipefail
if [ "$#" -eq 0 ] || [ "${1:0:1}" = '-' ]; then set -- memcached "$@"; fi
if [ "$1" != memcached ]; then exec "$@"; fi
shift
exec setpriv --reuid=memcache --regid=memcache --init-groups -- memcached "$@"
