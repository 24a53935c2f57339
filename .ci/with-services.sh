#!/usr/bin/env bash
# Run a command with throwaway Redis and PostgreSQL servers on free loopback ports,
# then stop them whatever happens. Exports CHAT_REDIS_TEST_URL and CHAT_PG_URL.
set -euo pipefail
workdir=$(mktemp -d /tmp/chat-services.XXXXXX)
chmod 755 "$workdir"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

cleanup() {
  if [ -f "$workdir/redis.pid" ]; then kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true; fi
  if [ -n "$pg_bin" ] && [ -d "$workdir/pg" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$workdir/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

if command -v redis-server >/dev/null; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize yes --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log"
  export CHAT_REDIS_TEST_URL="redis://127.0.0.1:$redis_port/0"
  export CHAT_REDIS_PORT="$redis_port"
fi

if [ -n "$pg_bin" ]; then
  pg_port=$(free_port)
  mkdir -p "$workdir/pg" "$workdir/sock"
  touch "$workdir/pg.log"
  chown postgres "$workdir/pg" "$workdir/sock" "$workdir/pg.log"
  runuser -u postgres -- "$pg_bin/initdb" -D "$workdir/pg" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$workdir/pg" -l "$workdir/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $workdir/sock -c fsync=off -c max_connections=300" start >/dev/null
  export CHAT_PG_URL="postgresql+asyncpg://postgres@127.0.0.1:$pg_port/postgres"
  export CHAT_PG_BIN="$pg_bin" CHAT_PG_DATA="$workdir/pg" CHAT_PG_PORT="$pg_port"
fi

"$@"
