# The two jobs a user runs: `make demo` (the main job) and `make test` (everything CI checks).
# Both set themselves up: a virtualenv in .venv, reinstalled only when pyproject.toml or
# this Makefile changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SIZE ?= full

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,plot,bench]'
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/ledger demo

lint: $(STAMP)
	$(BIN)/ruff check ledger migrations tests bench
	$(BIN)/ruff format --check ledger migrations tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench --size $(SIZE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
