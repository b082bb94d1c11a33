#!/usr/bin/env bash
# Builds PostgreSQL, Redis, RabbitMQ, MariaDB and memcached images from Debian's packages, for machines
# that cannot pull from a container registry (air-gapped CI, this project's own CI). The images keep the
# official images' contract (environment variables, ports, readiness log lines), so
# @testcontainers/postgresql, /redis and /rabbitmq use them unchanged, and so does a generic container()
# written for the official mariadb or memcached image.
#
#   bash scripts/images.sh            # build what is missing or out of date, print the env to use them
#   bash scripts/images.sh --env      # print only the `export FAULTLINE_*_IMAGE=...` lines
#   bash scripts/images.sh --force    # rebuild everything
#
# The apt mirror is read from this machine's apt configuration (or FAULTLINE_APT_MIRROR); the Debian suite
# is this machine's (or FAULTLINE_DEBIAN_SUITE). Needs root, debootstrap and a running Docker engine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${FAULTLINE_LOCAL_IMAGE_PREFIX:-faultline-local}"
force=0
only_env=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --env) only_env=1 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "images.sh: unknown argument '$arg' (use --force, --env or --help)" >&2; exit 2 ;;
  esac
done

# A recipe hash: the images are rebuilt when this script or an entry point changes.
recipe="$(cat "$0" "$here"/images/*.sh | sha256sum | cut -c1-12)"
suite="${FAULTLINE_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}"
base="$prefix/debian-base:$suite-$recipe"
pg_image="$prefix/postgres:$suite"
redis_image="$prefix/redis:$suite"
rabbit_image="$prefix/rabbitmq:$suite"
mariadb_image="$prefix/mariadb:$suite"
memcached_image="$prefix/memcached:$suite"

print_env() {
  echo "export FAULTLINE_POSTGRES_IMAGE=$pg_image"
  echo "export FAULTLINE_REDIS_IMAGE=$redis_image"
  echo "export FAULTLINE_RABBITMQ_IMAGE=$rabbit_image"
  echo "export FAULTLINE_MARIADB_IMAGE=$mariadb_image"
  echo "export FAULTLINE_MEMCACHED_IMAGE=$memcached_image"
}
if [ "$only_env" = 1 ]; then print_env; exit 0; fi

log() { echo "images.sh: $*" >&2; }
die() { echo "images.sh: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "the Docker engine does not answer; start it (sudo dockerd &) or run .ci/run, which installs and starts it"

current() { # image is present and built from this recipe
  [ "$(docker image inspect -f '{{ index .Config.Labels "faultline.recipe" }}' "$1" 2>/dev/null || true)" = "$recipe" ]
}

all_images=("$pg_image" "$redis_image" "$rabbit_image" "$mariadb_image" "$memcached_image")
up_to_date() {
  local image
  for image in "${all_images[@]}"; do current "$image" || return 1; done
}
if [ "$force" = 0 ] && up_to_date; then
  log "images are up to date (recipe $recipe): ${all_images[*]}"
  print_env
  exit 0
fi

apt_mirror() {
  if [ -n "${FAULTLINE_APT_MIRROR:-}" ]; then echo "$FAULTLINE_APT_MIRROR"; return; fi
  local uri
  # deb822 sources first (Debian 12+), then one-line sources; the first URI that is not the security archive.
  uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)"
  if [ -z "$uri" ]; then
    uri="$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -E 's/\[[^]]*\] //' | awk '{ print $2 }' | grep -v security | head -n1 || true)"
  fi
  [ -n "$uri" ] || die "no apt mirror found in /etc/apt/sources.list*; set FAULTLINE_APT_MIRROR"
  echo "$uri"
}

build_base() {
  if [ "$force" = 0 ] && docker image inspect "$base" >/dev/null 2>&1; then return; fi
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing: apt-get install -y debootstrap"
  local mirror rootfs
  mirror="$(apt_mirror)"
  rootfs="$(mktemp -d /tmp/faultline-rootfs.XXXXXX)"
  trap 'umount -l "$rootfs/proc" 2>/dev/null || true; rm -rf "$rootfs"' EXIT
  log "debootstrap $suite into $rootfs (mirror from apt configuration)"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >/tmp/faultline-debootstrap.log 2>&1 ||
    die "debootstrap failed; see /tmp/faultline-debootstrap.log"
  # No service may start inside the chroot while packages install.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod +x "$rootfs/usr/sbin/policy-rc.d"
  mount -t proc proc "$rootfs/proc"
  log "installing postgresql, redis-server, rabbitmq-server, mariadb-server, memcached"
  chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    postgresql redis-server rabbitmq-server mariadb-server memcached procps netcat-openbsd ca-certificates \
    >/tmp/faultline-apt.log 2>&1 || die "apt-get install in the rootfs failed; see /tmp/faultline-apt.log"
  umount -l "$rootfs/proc"
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs/usr/sbin/policy-rc.d" "$rootfs"/var/lib/postgresql/*/main \
    "$rootfs"/var/lib/rabbitmq/mnesia "$rootfs"/var/log/rabbitmq/* "$rootfs"/var/lib/mysql
  echo '[rabbitmq_management].' >"$rootfs/etc/rabbitmq/enabled_plugins"
  install -m 0755 "$here/images/postgres-entrypoint.sh" "$rootfs/usr/local/bin/faultline-postgres-entrypoint"
  install -m 0755 "$here/images/redis-entrypoint.sh" "$rootfs/usr/local/bin/faultline-redis-entrypoint"
  install -m 0755 "$here/images/rabbitmq-entrypoint.sh" "$rootfs/usr/local/bin/faultline-rabbitmq-entrypoint"
  install -m 0755 "$here/images/mariadb-entrypoint.sh" "$rootfs/usr/local/bin/faultline-mariadb-entrypoint"
  install -m 0755 "$here/images/memcached-entrypoint.sh" "$rootfs/usr/local/bin/faultline-memcached-entrypoint"
  log "importing $base"
  tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
}

build_service() { # name dockerfile
  log "building $1"
  docker build -q -t "$1" - >/dev/null 2>/tmp/faultline-docker-build.log <<<"$2" ||
    die "docker build of $1 failed; see /tmp/faultline-docker-build.log"
}

build_base
pg_bin="$(docker run --rm --entrypoint sh "$base" -c 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1')"
build_service "$pg_image" "FROM $base
ENV PATH=$pg_bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PGDATA=/var/lib/postgresql/data
LABEL faultline.recipe=$recipe faultline.service=postgres
EXPOSE 5432
STOPSIGNAL SIGINT
RUN ln -s faultline-postgres-entrypoint /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT [\"faultline-postgres-entrypoint\"]
CMD [\"postgres\"]"
build_service "$redis_image" "FROM $base
ENV LANG=C.UTF-8
LABEL faultline.recipe=$recipe faultline.service=redis
EXPOSE 6379
WORKDIR /data
RUN ln -s faultline-redis-entrypoint /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT [\"faultline-redis-entrypoint\"]
CMD [\"redis-server\"]"
build_service "$rabbit_image" "FROM $base
ENV LANG=C.UTF-8 RABBITMQ_LOGS=-
LABEL faultline.recipe=$recipe faultline.service=rabbitmq
EXPOSE 5672 15672
RUN ln -s faultline-rabbitmq-entrypoint /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT [\"faultline-rabbitmq-entrypoint\"]
CMD [\"rabbitmq-server\"]"
build_service "$mariadb_image" "FROM $base
ENV LANG=C.UTF-8
LABEL faultline.recipe=$recipe faultline.service=mariadb
EXPOSE 3306
RUN ln -s faultline-mariadb-entrypoint /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT [\"faultline-mariadb-entrypoint\"]
CMD [\"mariadbd\"]"
build_service "$memcached_image" "FROM $base
ENV LANG=C.UTF-8
LABEL faultline.recipe=$recipe faultline.service=memcached
EXPOSE 11211
RUN ln -s faultline-memcached-entrypoint /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT [\"faultline-memcached-entrypoint\"]
CMD [\"memcached\"]"
# Older bases of this suite are dead weight once the services are rebuilt.
docker images --format '{{.Repository}}:{{.Tag}}' "$prefix/debian-base" | grep -v "^$base\$" | xargs -r docker rmi >/dev/null 2>&1 || true
log "built ${all_images[*]} (recipe $recipe)"
print_env
