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

# Benchmarks run apart from the tests, every one at a modest size in one throwaway Neo4j, printing one
# table (BENCHMARKS.md says more); `python -m benchmarks --full` or `python -m benchmarks.X --full` for full size.
bench: install
	$(BIN)/opustrace neo4j fetch
	$(BIN)/python -m benchmarks

clean-data:
	$(BIN)/opustrace neo4j stop || true
	rm -rf .data
