#!/usr/bin/env bash
# The suites make test runs, each in its own pytest process (Playwright's browser tests
# must not share a run with pytest-asyncio tests). Services come from with-services.sh.
set -euo pipefail
PYTEST=".venv/bin/pytest -p no:cacheprovider -q"

echo "== suite on SQLite, in-process bus"
env -u CHAT_TEST_DATABASE_URL -u CHAT_TEST_REDIS_URL $PYTEST tests --ignore=tests/browser

if [ -n "${CHAT_PG_URL:-}" ] && [ -n "${CHAT_REDIS_TEST_URL:-}" ]; then
  echo "== storage and bus suite on PostgreSQL + Redis"
  CHAT_TEST_DATABASE_URL="$CHAT_PG_URL" CHAT_TEST_REDIS_URL="$CHAT_REDIS_TEST_URL" \
    $PYTEST -m backends tests --ignore=tests/browser
fi

if [ -d tests/browser ] && ls tests/browser/test_*.py >/dev/null 2>&1; then
  echo "== browser suite (Chromium)"
  env -u CHAT_TEST_DATABASE_URL -u CHAT_TEST_REDIS_URL $PYTEST tests/browser
fi
