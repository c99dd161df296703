# The two commands a newcomer needs: `make serve` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint typecheck unit integration e2e schema bench install clean-data

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

serve: install
	$(BIN)/opustrace serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tests.assertion_lint

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
