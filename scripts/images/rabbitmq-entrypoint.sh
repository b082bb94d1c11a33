#!/bin/bash
# Entry point of Faultline's locally built RabbitMQ image. It honours the official image's
# RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS / RABBITMQ_DEFAULT_VHOST, logs to stdout (so
# "Server startup complete" reaches `docker logs`, which @testcontainers/rabbitmq waits for), lets the
# default user connect from outside the container, and runs the management plugin (HTTP API on 15672).
set -euo pipefail
if [ "$#" -eq 0 ]; then set -- rabbitmq-server; fi
if [ "$1" != rabbitmq-server ]; then exec "$@"; fi
shift
export RABBITMQ_LOGS="${RABBITMQ_LOGS:--}"
export HOME=/var/lib/rabbitmq
{
  echo 'loopback_users = none'
  echo 'listeners.tcp.default = 5672'
  echo 'management.tcp.port = 15672'
  echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
  echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
  echo "default_vhost = ${RABBITMQ_DEFAULT_VHOST:-/}"
} >/etc/rabbitmq/rabbitmq.conf
mkdir -p /var/lib/rabbitmq /var/log/rabbitmq
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq /etc/rabbitmq
exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
