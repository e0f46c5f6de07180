# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export POSTURE_SEED_TEXT_DIR ?= $(abspath ../shared/seeds)

.PHONY: run test install lint typecheck pytest bench bench-overview bench-extract span-coding eval train-pairs soak fuzz screenshots clean

$(BIN)/posture: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/posture

## Create .venv, install, migrate, seed a new database, serve on 127.0.0.1:8000.
run: install
	$(BIN)/posture serve --host 127.0.0.1 --port 8000

## Lint, type-check, then the test suite on SQLite and PostgreSQL.
test: install lint typecheck pytest

lint:
	$(BIN)/ruff check app tests migrations bench scripts
	$(BIN)/ruff format --check app tests migrations bench scripts

typecheck:
	$(BIN)/mypy app

pytest:
	$(BIN)/pytest -n auto --dist loadfile

## The positions questions on 1,000,000 claims, SQLite and PostgreSQL, against a raw floor
## (docs/benchmarks.md). Options through ARGS, e.g. make bench ARGS=--quick (100,000 claims).
bench: install
	$(BIN)/python bench/positions.py $(ARGS)

## Overview size and time to usable in headless Chromium (200 actors x 13 roles).
bench-overview: install
	$(BIN)/python bench/overview.py

## Score the claim extractor on the seed article, ../shared/eval/dev and each set of bench/eval
## (P, R, F1, agreement; per register; a blind set's misses are never listed). ARGS=--verbose.
eval: install
	$(BIN)/python bench/eval_extraction.py $(ARGS)

## Retrain the extractor's pair scorer on the sets the rules were written on (never a blind
## one): leave-one-set-out figures, then app/extraction/patterns/pair_scorer.json.
train-pairs: install
	$(BIN)/pip install --quiet -e '.[train]'
	$(BIN)/python bench/train_pair_scorer.py $(ARGS)

## Claim extraction speed: ~800-word articles per second on one core.
bench-extract: install
	$(BIN)/python bench/extract_speed.py

## Coding the seed article's 21 claims by selection in headless Chromium: keystrokes and
## clicks per claim and in total, and how many fields the prefill got right.
span-coding: install
	$(BIN)/python bench/span_coding.py $(ARGS)

## Reliability soak (docs/reliability.md): concurrent editors, 60 s of load, PostgreSQL
## stopped under load, SIGKILL during a 100,000-row import, a full disk; prints a summary.
soak: install
	$(BIN)/python bench/soak.py $(ARGS)

## Schemathesis over the OpenAPI document, longer than `make test`: every check, anonymous and
## with a token, then the stateful phase; fails on any failure. Options through ARGS.
fuzz: install
	$(BIN)/python bench/fuzz_api.py $(ARGS)

## Screenshots of the main pages for the README (docs/screenshots/).
screenshots: install
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) posture.db .mypy_cache .ruff_cache .pytest_cache
