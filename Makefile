# Everything runs inside a project-local virtual environment that these targets create.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The console's browser tests drive Debian's Chromium through Playwright; Playwright's own
# browser download is never used.
CHROMIUM := /usr/bin/chromium

.PHONY: run test check lint types test-sqlite test-postgres bench mutation fmt clean

# setup.py builds the compiled parts (src/casework/screening/*.c) in place.
$(STAMP): pyproject.toml setup.py $(wildcard src/casework/screening/*.c)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CHROMIUM):
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "no $(CHROMIUM): the browser tests will be skipped (apt-get install chromium)"; \
	fi

## Install and run casework on the embedded default (SQLite, demo data). `make run PORT=8080`
## listens on another port (as CASEWORK_PORT=8080 does); CASEWORK_HOST, CASEWORK_DATA_DIR and
## the other settings come from the environment.
run: $(STAMP)
	$(BIN)/casework serve$(if $(PORT), --port $(PORT))

## The whole suite: format, lint, types, then the tests on SQLite and on PostgreSQL.
test: $(STAMP) $(CHROMIUM) lint types test-sqlite test-postgres

check: test

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python scripts/check_selects.py
	$(BIN)/python scripts/check_cycles.py
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy

test-sqlite: $(STAMP)
	CASEWORK_TEST_DATABASE=sqlite $(BIN)/pytest -n 2 -q

test-postgres: $(STAMP)
	CASEWORK_TEST_DATABASE=postgresql $(BIN)/pytest -n 2 -q

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

bench: $(STAMP)
	$(BIN)/python bench/api_cases.py

## Mutation testing of the guard code, one module at a time (minutes each; not in `test`).
mutation: $(STAMP)
	$(BIN)/python bench/mutation.py --fresh

clean:
	rm -rf $(VENV) casework-data .pytest_cache .mypy_cache .ruff_cache
