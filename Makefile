# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# Tests start hundreds of Python processes (servers and `chat-server` commands): let them
# keep compiled bytecode, or each one compiles every module again (twice the start-up).
unexport PYTHONDONTWRITEBYTECODE
# uv from PATH, else the one pip installs next to python3 (run as a module, wherever its script went).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export CHAT_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test setup system-packages lint unit browser bench bench-quick clean

setup:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --all-extras --frozen --quiet
	$(PY) -m chat_server.tracking.geo_data --if-missing  # DB-IP City Lite, 100 MB, not in git

## Start the server with the demo storefront and demo accounts on SQLite.
run: setup
	.venv/bin/chat-server demo --host $(HOST) --port $(PORT)
	.venv/bin/chat-server run --host $(HOST) --port $(PORT)

## Debian packages the tests use (real Redis, PostgreSQL, Chromium, and openssl for a TLS certificate).
system-packages:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

LINTED := chat_server tests migrations tools $(wildcard bench)

lint: setup
	.venv/bin/ruff check $(LINTED)
	.venv/bin/ruff format --check $(LINTED)
	.venv/bin/mypy
	.venv/bin/lint-imports

## Everything: lint, types, the suite on SQLite, the backend suite on PostgreSQL + Redis, the browser suite.
test: setup system-packages lint
	bash .ci/with-services.sh bash .ci/test-suites.sh

## Benchmarks against a bare relay, with py-spy profiles: docs/benchmarks.md (under 10 minutes).
bench: setup system-packages
	bash .ci/with-services.sh .venv/bin/python -m bench.run

## Every benchmark phase at small sizes (under 2 minutes): a smoke test, the report goes to /tmp.
bench-quick: setup system-packages
	bash .ci/with-services.sh .venv/bin/python -m bench.run --quick --output /tmp/chat-bench-quick.md

clean:
	rm -rf .venv var .pytest_cache .mypy_cache .ruff_cache
