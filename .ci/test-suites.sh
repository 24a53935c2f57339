#!/usr/bin/env bash
# The suites make test runs. The SQLite suite and the PostgreSQL + Redis suite run side by
# side (they mostly wait on sockets and timers), each in its own pytest process; the
# browser suite runs alone afterwards (Playwright must not share a run with
# pytest-asyncio tests). Services come from with-services.sh.
set -uo pipefail
PYTEST=".venv/bin/pytest -p no:cacheprovider -q"
logs=$(mktemp -d)
status=0

backends_pid=""
if [ -n "${CHAT_PG_URL:-}" ] && [ -n "${CHAT_REDIS_TEST_URL:-}" ]; then
  CHAT_TEST_NO_SKIPS=1 CHAT_TEST_DATABASE_URL="$CHAT_PG_URL" CHAT_TEST_REDIS_URL="$CHAT_REDIS_TEST_URL" \
    $PYTEST -m backends tests --ignore=tests/browser >"$logs/backends.log" 2>&1 &
  backends_pid=$!
fi

echo "== suite on SQLite, in-process bus"
env -u CHAT_TEST_DATABASE_URL -u CHAT_TEST_REDIS_URL $PYTEST tests --ignore=tests/browser || status=1

if [ -n "$backends_pid" ]; then
  wait "$backends_pid" || status=1
  echo "== storage and bus suite on PostgreSQL + Redis"
  cat "$logs/backends.log"
else
  echo "== PostgreSQL + Redis suite not run: no PostgreSQL or Redis server available" >&2
  status=1
fi

if ls tests/browser/test_*.py >/dev/null 2>&1; then
  echo "== browser suite (Chromium)"
  env -u CHAT_TEST_DATABASE_URL -u CHAT_TEST_REDIS_URL $PYTEST tests/browser || status=1
fi
rm -rf "$logs"
exit $status
