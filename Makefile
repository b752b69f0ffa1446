# Steward: `make run` to try it, `make test` for the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
PLUGINS := build/test-plugins
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEMO_CONTACTS ?= 300
# `make test` runs one pytest worker per core, at most four (each drives its
# own Chromium); TEST_WORKERS=1 for one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: run demo upgrade test lint bench clean help

help:
	@echo "make run    install (first time), migrate, and serve on http://$(HOST):$(PORT) with a worker"
	@echo "make demo   the same, with $(DEMO_CONTACTS) demo contacts added to an empty database"
	@echo "make upgrade after a git pull: install the pinned requirements, back up, migrate (flask upgrade)"
	@echo "make test   run the whole test suite (browser tests included)"
	@echo "make lint   ruff"
	@echo "make bench  benchmark: seed BENCH_CONTACTS (100000), serve with gunicorn, drive with wrk (docs/benchmarks.md)"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP)
	$(BIN)/flask db upgrade
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m app.devserver

demo: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed --contacts $(DEMO_CONTACTS) --if-empty
	@$(MAKE) --no-print-directory run

# The $(STAMP) prerequisite installs requirements.txt again whenever it (or
# pyproject.toml) changed; `flask upgrade` backs up, migrates, and puts the
# backup back if a migration fails (docs/deploy.md).
upgrade: $(STAMP)
	$(BIN)/flask upgrade

# The test-only plugin distribution is installed beside the venv, not into
# it, so the app `make run` serves never shows it.
$(PLUGINS)/.installed: $(STAMP) $(shell find tests/plugin -type f -not -path '*/__pycache__/*' 2>/dev/null)
	rm -rf $(PLUGINS) tests/plugin/build
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --target $(PLUGINS) ./tests/plugin
	@touch $@

test: $(STAMP) $(PLUGINS)/.installed
	@bash scripts/ensure-test-packages.sh
	PYTHONPATH=$(PLUGINS) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Options in the environment: BENCH_CONTACTS, BENCH_DURATION, DATABASE_URL,
# BENCH_RESET, BENCH_PROFILE ... (docs/benchmarks.md).
bench: $(STAMP)
	@bash bench/ensure-wrk.sh
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build .pytest_cache
