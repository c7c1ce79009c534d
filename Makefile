# tui-inkasso: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint typecheck setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Start the app; the first start creates a demo database.
run: $(STAMP)
	$(BIN)/tui-inkasso demo --if-missing
	$(BIN)/tui-inkasso

## Lint, type-check (the layers in pyproject's [tool.mypy] files) and run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check tui_inkasso tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -rs

## Benchmarks: build large synthetic data and print figures (not part of the tests).
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check tui_inkasso tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
