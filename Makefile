# The two commands a newcomer needs (see README.md):
#   make demo   builds everything on the embedded DuckDB default, from generated demo data
#   make test   everything `make demo` needs, then the whole test suite
# Both bootstrap their own pinned environment (.venv, from uv.lock) and are safe to re-run.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= data/demo
DEMO_SEED ?= 42
DEMO_USERS ?= 2000

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DUCKDB_PATH ?= $(CURDIR)/warehouse/kpikit.duckdb
DBT_DEMO_VARS := {raw_path: "$(CURDIR)/$(DEMO_DIR)"}

.PHONY: help env env-all demo-data demo test dbt-test pytest lint clean

help:
	@echo "make demo   build the KPI warehouse from generated demo data ($(DUCKDB_PATH)),"
	@echo "            publish the marts for BI tools and render the scorecard report"
	@echo "make test   build, then run dbt tests, unit tests, pytest, sqlfluff and ruff"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Both syncs compile the packages' bytecode up front: where PYTHONDONTWRITEBYTECODE is set (as
# on this project's machines) Python would otherwise recompile dbt from source on every start,
# about a second and a half of every dbt command.

# The core environment (dbt, DuckDB, the dev tools). --inexact keeps the optional groups that
# `make test` adds, so switching between the two commands does not reinstall anything.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --inexact --compile-bytecode --quiet
	@touch $@

# Everything, with the optional groups (postgres, metricflow, dagster) the test suite covers.
$(VENV)/.synced-all: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-groups --compile-bytecode --quiet
	@touch $@ $(VENV)/.synced

env: $(VENV)/.synced

env-all: $(VENV)/.synced-all

demo-data: env
	$(BIN)/kpikit generate --out $(DEMO_DIR) --seed $(DEMO_SEED) --users $(DEMO_USERS)

demo: demo-data
	@mkdir -p warehouse/tmp
	$(BIN)/dbt build --vars '$(DBT_DEMO_VARS)'
	$(BIN)/kpikit publish --database $(DUCKDB_PATH) --out warehouse/published/kpikit.duckdb
	$(BIN)/kpikit report --database warehouse/published/kpikit.duckdb --schema marts --out warehouse/report/kpi_scorecard.html

test: env-all demo
	$(BIN)/dbt source freshness --vars '$(DBT_DEMO_VARS)'
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -q

lint: env
	$(BIN)/ruff check kpikit tests
	$(BIN)/ruff format --check kpikit tests
	$(BIN)/sqlfluff lint models macros analyses tests

clean:
	rm -rf target logs warehouse data $(VENV) $(TOOLS)
