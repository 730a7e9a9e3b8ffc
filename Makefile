# budgetscreen: `make demo` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV_SETTINGS := budgetscreen.settings.dev
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev


.PHONY: lock system-deps-test check-deploy compiled-messages demo demo-reset serve test test-fast test-browser lint format messages system-deps clean bench worker

# --- setting up --------------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Every dependency, direct or not, at the version and hashes of the lock files: the demo and
# production need requirements/base.txt; tests and tools add requirements/dev.txt (same pins).
$(STAMP): pyproject.toml requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements/dev.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $(DEV_STAMP)

# Refreshes both lock files after a change of pyproject.toml, keeping every pin it can (`make lock
# UPGRADE=1` takes the newest versions allowed). Audit them where the internet is reachable:
#   pip-audit --require-hashes --disable-pip -r requirements/dev.txt
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links
lock: $(DEV_STAMP)
	$(PIP_COMPILE) --extra dev $(if $(UPGRADE),--upgrade) --output-file requirements/dev.txt pyproject.toml
	$(PIP_COMPILE) --constraint requirements/dev.txt --output-file requirements/base.txt pyproject.toml

# The demo needs Pango (WeasyPrint) and gettext; tests add chromium, poppler, npm, pg_dump.
system-deps:
	@bash scripts/system-deps.sh demo

system-deps-test:
	@bash scripts/system-deps.sh test

compiled-messages: $(STAMP)
	@bash scripts/compile-messages.sh $(BIN)/python

# --- the demo ----------------------------------------------------------------------------
demo: $(STAMP) system-deps compiled-messages
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(BIN)/python manage.py load_demo
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

demo-reset: $(STAMP)
	rm -f var/budgetscreen.sqlite3 var/budgetscreen.sqlite3-wal var/budgetscreen.sqlite3-shm
	# a new database starts a new audit chain: the old chain's anchors go with the old database
	rm -f var/audit-anchors.jsonl
	rm -rf var/media
	$(MAKE) demo PORT=$(PORT)

# --- background tasks --------------------------------------------------------------------
# Large plan downloads are made by task workers (docs/EXPORTS.md). Each db_worker process exits
# after WORKER_MAX_TASKS tasks and scripts/worker.sh starts a fresh one (memory never grows).
# Run it on any number of machines that reach the same database and the same media storage.
WORKER_MAX_TASKS ?= 5
worker: $(STAMP) compiled-messages
	WORKER_PYTHON=$(BIN)/python WORKER_MAX_TASKS=$(WORKER_MAX_TASKS) bash scripts/worker.sh

# --- tests -------------------------------------------------------------------------------
# axe-core for the accessibility tests (tests/a11y), pinned by package-lock.json; npm keeps the
# tarball's old timestamps, hence the touch.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Against SQLite always; against PostgreSQL too when DATABASE_URL is set.
test: $(DEV_STAMP) system-deps-test compiled-messages node_modules/axe-core/axe.min.js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory check-deploy
	DATABASE_URL= $(BIN)/pytest -n 2 -q
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== again on $$DATABASE_URL =="; \
		$(BIN)/pytest -n 2 -q -p no:cacheprovider; \
	fi

# The production settings pass Django's deployment checklist (throwaway values, nothing served).
check-deploy: $(DEV_STAMP)
	DJANGO_SETTINGS_MODULE=budgetscreen.settings.production \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	AUDIT_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))') \
	ALLOWED_HOSTS=budgetscreen.example DATABASE_URL=postgres://check@127.0.0.1:1/check \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

test-fast: $(DEV_STAMP)
	DATABASE_URL= $(BIN)/pytest -n 2 -q -m "not browser and not slow"

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(DEV_STAMP)
	@bash scripts/make-messages.sh $(BIN)/python

# The benchmark (issue 8): SCALE is a comma-separated list of proposal counts.
SCALE ?= 1000,10000
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
bench: $(DEV_STAMP) system-deps-test compiled-messages
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.run --scale $(SCALE)

clean:
	rm -rf $(VENV) var
