# The two commands a newcomer needs: `make serve` and `make test`.
SHELL := /bin/bash
# Python 3.12 when the machine has it (on PATH, or installed by pyenv), else python3 (3.11 or newer). On
# 3.11 the Neo4j driver reads each message through its own wait_for shim, which makes a task per socket
# read: a result row costs about twice what it costs on 3.12 (BENCHMARKS.md, "Python 3.12").
ifndef PYTHON
PYTHON := $(shell for p in python3.12 "$$(pyenv prefix 3.12 2>/dev/null)/bin/python3.12"; do \
	"$$p" -c '' >/dev/null 2>&1 && { echo "$$p"; exit 0; }; done; echo python3)
endif
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

# `make demo`: the seeded demo world in its own data directory (.data/demo) and Neo4j port, loaded once,
# then served; the keys it printed are shown again on every start.
DEMO_ENV = OPUSTRACE_DATA_DIR=.data/demo NEO4J_LOCAL_PORT=$${DEMO_NEO4J_PORT:-7688} NEO4J_LOCAL_LIB_DIR=$(CURDIR)/.data/neo4j/lib

.PHONY: demo serve test lint typecheck unit integration e2e e2e-workers schema bench install lock lock-upgrade clean-data

# The stamp names the interpreter, so a venv made by another Python is made again rather than reused.
INSTALLED := $(VENV)/.installed-$(notdir $(PYTHON))

install: $(INSTALLED)

# Everything comes from requirements.lock (exact versions, hashes checked); the project itself is installed
# without resolving anything. `make lock` regenerates the lock after a change to pyproject.toml.
$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
	--python-version 3.11 --custom-compile-command 'make lock' --quiet -o requirements.lock

# Keeps every pin that still fits pyproject.toml; adds (or drops) only what the change needs.
lock: install
	$(UV_COMPILE)
	$(MAKE) install

# Moves every pin to the newest release that pyproject.toml allows.
lock-upgrade: install
	$(UV_COMPILE) --upgrade
	$(MAKE) install

serve: install
	$(BIN)/opustrace serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

demo: install
	$(BIN)/opustrace neo4j fetch
	@if [ -f .data/demo/demo-keys.txt ]; then echo "demo world already loaded; its API keys:"; \
		$(DEMO_ENV) $(BIN)/opustrace demo keys; else $(DEMO_ENV) $(BIN)/opustrace demo load; fi
	@echo "explorer at http://$(HOST):$(PORT)/ (paste a key above), GraphiQL at http://$(HOST):$(PORT)/graphql"
	$(DEMO_ENV) $(BIN)/opustrace serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tests.assertion_lint

typecheck: install
	$(BIN)/mypy registry graph resolvers attribution_adapters interchange migrations opustrace tests benchmarks

unit: install
	$(BIN)/pytest -q tests/unit

integration: install
	$(BIN)/pytest -q tests/integration

e2e: install
	$(BIN)/pytest -q tests/e2e

# The end-to-end suite against `opustrace serve --workers 4`, as production runs it. Kept out of `make test`
# (which serves the e2e app with one worker) for the time four workers a module cost on 2 cores; run it
# before a release and after changing start-up, workers, bookmarks, metrics or the rate limit.
e2e-workers: install
	E2E_SERVE_WORKERS=4 $(BIN)/pytest -q tests/e2e

test: lint typecheck
	$(BIN)/pytest -q -p no:cacheprovider tests/unit/test_lock_file.py
	$(BIN)/opustrace neo4j fetch
	$(BIN)/pytest -q -p no:cacheprovider tests

schema: install
	$(BIN)/opustrace export-schema > schema.graphql

# Benchmarks run apart from the tests, every one at a modest size in one throwaway Neo4j, printing one
# table (BENCHMARKS.md says more); `python -m benchmarks --full` or `python -m benchmarks.X --full` for full size.
bench: install
	$(BIN)/opustrace neo4j fetch
	$(BIN)/python -m benchmarks

clean-data:
	$(BIN)/opustrace neo4j stop || true
	rm -rf .data
