# Two commands on a fresh machine with only python3:
#   make movie TEXT="a race between a car and an airplane"
#   make test        (lint, types, the whole suite: what CI runs)
# While working: make test-fast (lint and every test not marked slow), make lint (ruff check + format check).
# Both bootstrap .venv: torch==2.13.0 first (the CPU wheel; an unpinned torch would pull CUDA packages),
# then this package with its extras.

PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TEXT    ?= a race between a car and an airplane
ARGS    ?=

.PHONY: movie test test-fast lint bench clean-venv

# __init__.py holds the version the installed metadata repeats (pyproject reads it: dynamic version)
$(STAMP): pyproject.toml src/moviefactory/__init__.py
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[all,dev]"
	@touch $(STAMP)

movie: $(STAMP)
	@$(BIN)/moviefactory make "$(TEXT)" $(ARGS)

test: lint
	$(BIN)/mypy
	$(BIN)/python -m pytest -q $(ARGS)

# The quick lane: no end-to-end renders (pytest marker `slow`, see pyproject.toml); `make test` runs them.
test-fast: lint
	$(BIN)/python -m pytest -q -m "not slow" $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean-venv:
	rm -rf $(VENV)
