# The two commands a newcomer needs: `make serve` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# `make demo`: the seeded demo world in its own data directory (.data/demo) and Neo4j port, loaded once,
# then served; the keys it printed are shown again on every start.
DEMO_ENV = OPUSTRACE_DATA_DIR=.data/demo NEO4J_LOCAL_PORT=$${DEMO_NEO4J_PORT:-7688} NEO4J_LOCAL_LIB_DIR=$(CURDIR)/.data/neo4j/lib

.PHONY: demo serve test lint typecheck unit integration e2e schema bench install clean-data

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

serve: install
	$(BIN)/opustrace serve --host $(HOST) --port $(PORT)

demo: install
	$(BIN)/opustrace neo4j fetch
	@if [ -f .data/demo/demo-keys.txt ]; then echo "demo world already loaded; its API keys:"; \
		$(DEMO_ENV) $(BIN)/opustrace demo keys; else $(DEMO_ENV) $(BIN)/opustrace demo load; fi
	@echo "explorer at http://$(HOST):$(PORT)/ (paste a key above), GraphiQL at http://$(HOST):$(PORT)/graphql"
	$(DEMO_ENV) $(BIN)/opustrace serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy registry graph resolvers attribution_adapters migrations opustrace tests benchmarks

unit: install
	$(BIN)/pytest -q tests/unit

integration: install
	$(BIN)/pytest -q tests/integration

e2e: install
	$(BIN)/pytest -q tests/e2e

test: lint typecheck
	$(BIN)/opustrace neo4j fetch
	$(BIN)/pytest -q -p no:cacheprovider tests

schema: install
	$(BIN)/opustrace export-schema > schema.graphql

# Benchmarks run apart from the tests (each starts its own throwaway Neo4j); sizes here are modest,
# the issue notes quote the 100,000 runs: e.g. `.venv/bin/python -m benchmarks.import_cwr 100000`.
bench: install
	$(BIN)/opustrace neo4j fetch
	$(BIN)/python -m benchmarks.import_cwr 10000
	$(BIN)/python -m benchmarks.manifest_write 10000
	$(BIN)/python -m benchmarks.trace_latency --influences 100 --requests 20
	$(BIN)/python -m benchmarks.distribution 10000

clean-data:
	$(BIN)/opustrace neo4j stop || true
	rm -rf .data
