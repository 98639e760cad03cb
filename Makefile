# One command each: `make run` (set up, migrate, import courses, demo accounts, serve) and
# `make test` (set up with test extras, run the whole suite on SQLite, then the database tests on PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= auto

# axe-core (npm), which the browser tests inject into pages to check accessibility; kept inside the venv.
AXE_VERSION := 4.14.1
AXE_DIR := $(VENV)/axe

.PHONY: run test test-sqlite test-postgres test-faults test-security test-install install system-deps axe translations extract-messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d lms/translations >/dev/null

# `lms demo` prints the sign-in address of the server started next (LMS_PUBLIC_URL when set). The job queue's
# worker (mail, reminders, large exports, the periodic jobs) runs beside the web server and stops with it; the
# links in the mails it writes point at that server unless LMS_PUBLIC_URL says otherwise (a job has no request).
run: install
	$(BIN)/lms init
	$(BIN)/lms demo --host $(HOST) --port $(PORT)
	LMS_PUBLIC_URL="$${LMS_PUBLIC_URL:-http://$(HOST):$(PORT)}" $(BIN)/lms worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/lms run --host $(HOST) --port $(PORT)

# Debian packages the tests use: Chromium for the browser tests, pdftotext to read certificates,
# LibreOffice Calc to open the CSV and XLSX exports as a user would; wrk for `make bench`'s throughput run;
# npm to fetch axe-core (`make axe`); nginx, the reverse proxy the deployment test puts in front of gunicorn;
# PostgreSQL's client programs (pg_dump, pg_restore, psql), which `lms backup` and `lms restore` run.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v libreoffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	command -v pg_dump >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
			sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "NOTE: cannot install$$missing: browser, PDF and proxy tests will skip (and fail with CI=true)"; \
		fi; \
	fi

# axe-core at the pinned version in $(AXE_DIR); without npm the accessibility checks skip (and fail with CI=true).
axe: system-deps
	@if ! grep -qs '"version": "$(AXE_VERSION)"' $(AXE_DIR)/node_modules/axe-core/package.json; then \
		if command -v npm >/dev/null 2>&1; then \
			npm install --silent --no-audit --no-fund --no-save --prefix $(AXE_DIR) axe-core@$(AXE_VERSION); \
		else \
			echo "NOTE: npm is missing: the accessibility checks will skip (and fail with CI=true)"; \
		fi; \
	fi

test: install system-deps axe
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# --dist worksteal: a worker that runs out of tests takes some of the other's, so the few long journeys do not leave
# one core idle at the end.
test-sqlite:
	@echo "== whole suite on SQLite =="
	$(BIN)/pytest -n $(WORKERS) --dist worksteal -q

test-postgres:
	@echo "== database tests (marker: db) on PostgreSQL =="
	@if [ -n "$$LMS_TEST_POSTGRES_URL" ] || $(BIN)/python -c "import sys; from tests.helpers import postgres_available; sys.exit(0 if postgres_available() else 1)"; then \
		LMS_TEST_BACKEND=postgres $(BIN)/pytest -n $(WORKERS) --dist worksteal -q -m db; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL does not answer and CI=true: failing"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL does not answer on 127.0.0.1:5432 (set LMS_TEST_POSTGRES_URL)"; \
	fi

# Real outages under gunicorn (a minute or two, not part of `make test`): a throw-away PostgreSQL of the test's
# own stopped and started again, a database that never answers, SQLite's file unreadable and locked, Redis killed,
# and the two-server layout of the operator's guide (nginx, two gunicorn servers) with one server killed mid-load.
# Needs PostgreSQL's server binaries (initdb, pg_ctl), redis-server and nginx; without them the tests skip (fail
# with CI=true).
test-faults: install system-deps
	@echo "== outages (marker: faults) =="
	$(BIN)/pytest -q -m faults tests/faults

# The production install: build the wheel, install it into a fresh venv, `lms init` on a fresh PostgreSQL
# database (half a minute: pip installs the dependencies into the new venv).
test-install: install
	@echo "== the wheel, installed and initialised (marker: install) =="
	$(BIN)/pytest -q -m install tests/test_wheel_install.py

# sqlmap against the sign-in form, the catalogue search, the report filters and the API (PostgreSQL).
test-security: install
	@echo "== security scans (marker: security) =="
	$(BIN)/pytest -q -m security tests/security_scan

# Benchmarks (not part of `make test`: minutes, not seconds). `make bench SIZE=L`; the database is
# LMS_DATABASE_URL when set, else a SQLite file per size under instance/bench/ (generated when empty). The load mix
# at the end runs on PostgreSQL: after a run on SQLite, in a database of its own (LMS_BENCH_POSTGRES_URL, by default
# lms_bench_loadmix on 127.0.0.1:5432, made and generated when missing; set it empty to skip).
# `python -m bench` runs from this directory: bench/ is tooling, never installed with the product.
SIZE ?= M
BENCH_ARGS ?=
bench: install system-deps
	@mkdir -p instance/bench
	LMS_DATABASE_URL="$${LMS_DATABASE_URL:-sqlite:///$(CURDIR)/instance/bench/bench-$(SIZE).sqlite3}" \
		$(BIN)/python -m bench run --size $(SIZE) $(BENCH_ARGS)

# Re-extract the interface strings and merge them into every catalogue (then translate the new ones).
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output --project lms -o lms/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i lms/translations/messages.pot -d lms/translations

clean:
	rm -rf $(VENV) .pytest_cache
