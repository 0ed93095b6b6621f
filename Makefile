# The commands the README names. Every target creates the environment first, so each one works
# on a fresh machine with Python 3.11 and nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run tokens browser test demo lint typecheck bench bench-web bench-load unit integration e2e rebuild-reports dead-letters clean lock

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements.lock
	@$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# "@": the web app's URL is the first line `make run` prints.
run: $(STAMP)
	@$(BIN)/python -m suite.launcher run

tokens: $(STAMP)
	@$(BIN)/python -m suite.launcher tokens

demo: $(STAMP)
	$(BIN)/python -m suite.launcher demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

# Playwright driving Debian's Chromium (/usr/bin/chromium; `apt-get install chromium chromium-l10n`).
browser: $(STAMP)
	$(BIN)/python -m pytest -q tests/browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy shared services suite asysta bench

bench: $(STAMP)
	$(BIN)/python -m bench.run

# The web pages alone (also the last section of `make bench`): the assistant's family list and
# the head's desk on a district of 15 x 15 cases with a year of history, against their API calls.
bench-web: $(STAMP)
	$(BIN)/python -m bench.web $(BENCH_WEB_ARGS)

# The end-to-end load benchmark (a few minutes): the suite as processes under wrk's load.
bench-load: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk >/dev/null 2>&1 || \
		{ echo "bench-load needs wrk: sudo apt-get install -y wrk"; exit 2; }
	$(BIN)/python -m bench.load $(BENCH_LOAD_ARGS)

rebuild-reports: $(STAMP)
	$(BIN)/asysta rebuild

dead-letters: $(STAMP)
	$(BIN)/asysta dead-letters list

# Regenerates the lock file from pyproject.toml (needs network access to PyPI).
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --extra tracing --python-version 3.11 -o requirements.lock --no-header

clean:
	rm -rf $(VENV) .asysta .pytest_cache .mypy_cache .ruff_cache
