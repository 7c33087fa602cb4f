# Tiangong ERP — `make run` (demo app) and `make test` (whole suite). See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tiangong
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

.PHONY: run test install system-test-deps messages lint typecheck format migrate demo bench env shell access-table backup restore loadtest loadtest-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

messages: install
	DEBUG=1 $(BIN)/python manage.py compile_catalogs

# Local settings for the quick start: a .env with DEBUG=1 (never overwritten), so that
# `.venv/bin/python manage.py ...` works in a fresh shell exactly as `make run` does.
.env:
	@printf '# Written by `make run` for local use (see README "Configuration"). Delete for production.\nDEBUG=1\n' > .env
	@echo "wrote .env (DEBUG=1, local use only)"

env: .env

# A shell with the virtualenv active and the local .env: `make shell`, then `python manage.py ...`.
shell: install .env
	@echo "virtualenv active (exit to leave); try: python manage.py import_data DIR --dry-run"
	@bash --rcfile <(echo '. ~/.bashrc 2>/dev/null; . $(VENV)/bin/activate')

# Quick start: SQLite and in-process tasks unless DATABASE_URL / REDIS_URL are set.
run: install messages .env
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py collectstatic --noinput -v 0
	@echo "Tiangong is starting on http://127.0.0.1:8000"
	@if [ -n "$$REDIS_URL" ]; then PATH="$(CURDIR)/$(BIN):$$PATH" DEBUG=1 $(BIN)/honcho start -f Procfile.dev; \
	 else DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000; fi

# Browser tests need Debian chromium and CJK fonts, PDFs (WeasyPrint) pango and harfbuzz; install them when missing (as root).
system-test-deps:
	@need=""; [ -x /usr/bin/chromium ] || need="$$need chromium"; \
	 fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need="$$need fonts-noto-cjk"; \
	 for lib in libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 libharfbuzz-subset.so.0:libharfbuzz-subset0; do \
	   ldconfig -p 2>/dev/null | grep -q "$${lib%%:*}" || need="$$need $${lib#*:}"; done; \
	 if [ -n "$$need" ]; then \
	   if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	   else echo "Please install:$$need (Debian packages)"; exit 1; fi; fi

test: install messages system-test-deps
	DATABASE_URL=sqlite:///:memory: DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run >/dev/null \
	  || (echo "Models and migrations differ: run makemigrations"; exit 1)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@$(MAKE) --no-print-directory typecheck
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(BIN)/python -m pytest -q -p no:randomly -n 2 $(PYTEST_ARGS)

# Regenerate docs/permissions.md (the access table the URL test checks) after changing a view's access.
access-table: install
	DATABASE_URL=sqlite:////tmp/tiangong-access.sqlite3 DEBUG=1 $(BIN)/python manage.py migrate -v 0 && \
	DATABASE_URL=sqlite:////tmp/tiangong-access.sqlite3 DEBUG=1 $(BIN)/python manage.py access_table; rm -f /tmp/tiangong-access.sqlite3

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# mypy with django-stubs on services and engines ([tool.mypy] in pyproject.toml lists the files).
# DEBUG=1: the plugin loads erp.settings, which needs a SECRET_KEY otherwise.
typecheck: install
	DEBUG=1 $(BIN)/mypy

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# Backups of the database of DATABASE_URL (pg_dump) and the uploaded files: `make backup` writes
# backups/<timestamp>/; `make restore BACKUP=backups/<timestamp>` loads one into an empty database
# and checks every table's row count (README "Production").
backup: install
	$(BIN)/python manage.py backup $(BACKUP)

restore: install
	@test -n "$(BACKUP)" || (echo "usage: make restore BACKUP=backups/<timestamp>"; exit 1)
	$(BIN)/python manage.py restore $(BACKUP)

# Load test (issue #20; not part of `make test`). Once: an empty database of its own, migrated and
# loaded (50k items with their BOMs, 100k sales-order lines, 1M stock moves; COPY):
#   createdb -h 127.0.0.1 -U postgres tg_load && make loadtest-data
# then 50 locust users against gunicorn (4 workers) on loopback for LOAD_DURATION (default 3m):
#   make loadtest        (p50/p95 per page kind, errors, load average, then check_integrity)
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tg_load
loadtest-data: install messages
	DATABASE_URL=$(LOAD_DATABASE_URL) DEBUG=1 $(BIN)/python manage.py migrate --noinput -v 0
	DATABASE_URL=$(LOAD_DATABASE_URL) DEBUG=1 $(BIN)/python manage.py load_bench_data

loadtest: install messages
	LOAD_DATABASE_URL=$(LOAD_DATABASE_URL) $(BIN)/python loadtest/run.py
