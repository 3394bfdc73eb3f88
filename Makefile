PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Processes for the suite (pytest-xdist); tests that must not overlap share an xdist_group.
TEST_WORKERS ?= 4
# Two stamps: `make run` installs the bot alone, `make test` adds the dev extras.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test check test-pg typecheck lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(RUNTIME_STAMP) $(DEV_STAMP)

run: $(RUNTIME_STAMP)
	$(BIN)/newsbot run

test: $(DEV_STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist=loadgroup --durations=20 -m "not serial"
	$(BIN)/python -m pytest -q --durations=5 -m serial

# Lint, types and the fast tier (no bot processes, clusters, outages or corpus): ~90 s.
check: $(DEV_STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m "not slow"

test-pg: $(DEV_STAMP)
	NEWSBOT_TEST_BACKENDS=postgresql $(BIN)/python -m pytest -q

# The import contract (pyproject.toml [tool.importlinter]) and the type checker, alone.
typecheck: $(DEV_STAMP)
	$(BIN)/lint-imports
	$(BIN)/mypy

lint: $(DEV_STAMP)
	$(BIN)/ruff check --fix bot tests bench
	$(BIN)/ruff format bot tests bench

clean:
	rm -rf $(VENV) newsbot.db newsbot.db-wal newsbot.db-shm
