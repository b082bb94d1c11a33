#!/bin/bash
# Entry point of Faultline's locally built MariaDB image. It mirrors the official image's contract:
# MARIADB_ROOT_PASSWORD / MARIADB_ALLOW_EMPTY_ROOT_PASSWORD / MARIADB_DATABASE / MARIADB_USER /
# MARIADB_PASSWORD (and their MYSQL_* names), /docker-entrypoint-initdb.d, `mariadbd --option …`
# arguments, and a server that listens on TCP only once initialisation is over (so a listening port means
# the database is usable).
set -euo pipefail
if [ "$#" -eq 0 ] || [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then exec "$@"; fi
shift

root_password="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}"
allow_empty="${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
database="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"
user="${MARIADB_USER:-${MYSQL_USER:-}}"
password="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"
datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock

mkdir -p "$datadir" /run/mysqld
chown -R mysql:mysql "$datadir" /run/mysqld

if [ ! -d "$datadir/mysql" ]; then
  if [ -z "$root_password" ] && [ -z "$allow_empty" ]; then
    echo 'faultline-mariadb: MARIADB_ROOT_PASSWORD is empty; set it, or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1' >&2
    exit 1
  fi
  mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >/dev/null
  # A socket-only server for initialisation: nothing outside the container can reach it yet.
  mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --skip-networking --skip-name-resolve &
  server=$!
  for _ in $(seq 1 300); do
    mariadb-admin --socket="$socket" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  sql() { mariadb --protocol=socket --socket="$socket" -uroot "$@"; }
  quote() { printf "%s" "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g"; }
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    # As the official image: root@localhost (the socket) and root@'%' only; no anonymous or per-host users.
    echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host <> 'localhost';"
    echo "DELETE FROM mysql.proxies_priv WHERE host <> 'localhost';"
    echo "FLUSH PRIVILEGES;"
    echo "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$(quote "$root_password")';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "$database" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"; fi
    if [ -n "$user" ]; then
      echo "CREATE USER '$(quote "$user")'@'%' IDENTIFIED BY '$(quote "$password")';"
      if [ -n "$database" ]; then echo "GRANT ALL ON \`$database\`.* TO '$(quote "$user")'@'%';"; fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | sql
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "faultline-mariadb: running $f"; . "$f" ;;
      *.sql) echo "faultline-mariadb: running $f"; sql ${database:+"$database"} <"$f" ;;
      *) ;;
    esac
  done
  # Last: from here on root needs its password on the socket too.
  echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(quote "$root_password")'; FLUSH PRIVILEGES;" | sql
  kill -TERM "$server"
  wait "$server" || true
  echo 'faultline-mariadb: init process complete; ready for start up.'
fi

exec mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --bind-address='*' --port=3306 \
  --skip-name-resolve --host-cache-size=0 "$@"
