#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and RabbitMQ answer on their standard local
# ports, starting the local installations that are down. Prints the
# ZUJU_TEST_* settings for them.
set -euo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name port seconds
  local i
  for ((i = 0; i < $3; i++)); do
    up "$2" && return 0
    sleep 1
  done
  echo "services: $1 is not answering on 127.0.0.1:$2" >&2
  return 1
}

if ! up 5432; then
  echo "services: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
if ! up 6379; then
  echo "services: starting Redis" >&2
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
if ! up 5672; then
  echo "services: starting RabbitMQ" >&2
  rabbitmq-server -detached
fi
wait_for PostgreSQL 5432 60
wait_for Redis 6379 30
wait_for RabbitMQ 5672 120

# A port answering is not enough: check each server really works.
for i in $(seq 1 30); do
  psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1 && break
  [[ $i == 30 ]] && { echo "services: PostgreSQL does not accept queries" >&2; exit 1; }
  sleep 1
done
psql -h 127.0.0.1 -U postgres -d postgres -Atc "select 1 from pg_database where datname='test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -c 'create database test' >/dev/null
[[ $(redis-cli -h 127.0.0.1 -p 6379 ping) == PONG ]] || { echo "services: Redis does not answer PING" >&2; exit 1; }

cat <<'ENV'
export ZUJU_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
export ZUJU_TEST_REDIS='redis://127.0.0.1:6379/0'
export ZUJU_TEST_AMQP='amqp://guest:guest@127.0.0.1:5672/'
ENV
