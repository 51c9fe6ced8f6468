# Two commands do all the set-up on a fresh machine (python3 and make only):
#   make demo   sandbox → extract → dbt build on DuckDB → the monthly P&L
#   make test   ruff, sqlfluff and every test (CI runs this through .ci/run)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install demo test lint pytest docs clean emulators test-bigquery

help:
	@echo "make demo | make test | make lint | make docs | make emulators | make test-bigquery | make clean"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/procountor-loader demo --duckdb warehouse.duckdb

# sqlfluff's jinja templater reads the macros as dbt resolves them on BigQuery: lint/macros is generated
# from macros/ on every lint (scripts/lint_macros.py), never edited by hand.
lint: $(STAMP)
	$(BIN)/ruff check loader tests bench scripts
	$(BIN)/python scripts/lint_macros.py
	$(BIN)/sqlfluff lint models macros tests/dbt --processes 2

# Workers share nothing but the CPU: each has its own dbt target/ and log dirs (tests/conftest.py);
# suites built around one session fixture (tests/user's warehouse, tests/bigquery's emulators) stay on
# one worker each. PYTEST_WORKERS=0 runs everything in this process.
PYTEST_WORKERS ?= auto
pytest: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadgroup

test: lint pytest

# The BigQuery emulators live in their own virtualenvs under .emulators/ (make test installs them
# on first use too).
emulators:
	scripts/emulators/install.sh

test-bigquery: $(STAMP)
	$(BIN)/pytest -q tests/bigquery

docs: $(STAMP)
	$(BIN)/procountor-loader docs --duckdb warehouse.duckdb --serve --port 8080

clean:
	rm -rf target logs .spool .pytest_cache warehouse.duckdb
