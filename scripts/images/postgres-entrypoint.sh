#!/bin/bash
# Entry point of Faultline's locally built PostgreSQL image. It mirrors the official image's contract:
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB / POSTGRES_HOST_AUTH_METHOD, /docker-entrypoint-initdb.d,
# and a server that listens on TCP only once initialisation is over (so `pg_isready --host localhost`
# and the "ready to accept connections" log line mean the database is usable).
set -euo pipefail
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "${1:-}" != postgres ]; then exec "$@"; fi
shift

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
AUTH="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
if [ -z "${POSTGRES_PASSWORD:-}" ] && [ -z "${POSTGRES_HOST_AUTH_METHOD:-}" ]; then
  echo 'faultline-postgres: POSTGRES_PASSWORD is empty; set it, or POSTGRES_HOST_AUTH_METHOD=trust' >&2
  exit 1
fi
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  printf '%s' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" \
    -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host="$AUTH" >/dev/null
  rm -f "$pwfile"
  echo "host all all all $AUTH" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"

  # A socket-only server for initialisation: nothing outside the container can reach it yet.
  as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start >/dev/null
  psql_init=(as_postgres psql -v ON_ERROR_STOP=1 --no-psqlrc --host /var/run/postgresql --username "$POSTGRES_USER")
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql_init[@]}" --dbname postgres -q -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "faultline-postgres: running $f"; . "$f" ;;
      *.sql) echo "faultline-postgres: running $f"; "${psql_init[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *) ;;
    esac
  done
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo 'faultline-postgres: init process complete; ready for start up.'
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups -- postgres -D "$PGDATA" "$@"
