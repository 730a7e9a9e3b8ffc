# budgetscreen: `make demo` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV_SETTINGS := budgetscreen.settings.dev
STAMP := $(VENV)/.installed


.PHONY: check-deploy compiled-messages demo demo-reset serve test test-fast test-browser lint format messages system-deps clean bench worker

# --- setting up --------------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# WeasyPrint needs Pango; browser tests need Debian's chromium; translations need gettext.
system-deps:
	@bash scripts/system-deps.sh

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
test: $(STAMP) system-deps compiled-messages node_modules/axe-core/axe.min.js
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory check-deploy
	DATABASE_URL= $(BIN)/pytest -n 2 -q
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== again on $$DATABASE_URL =="; \
		$(BIN)/pytest -n 2 -q -p no:cacheprovider; \
	fi

# The production settings pass Django's deployment checklist (throwaway values, nothing served).
check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=budgetscreen.settings.production \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	AUDIT_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))') \
	ALLOWED_HOSTS=budgetscreen.example DATABASE_URL=postgres://check@127.0.0.1:1/check \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

test-fast: $(STAMP)
	DATABASE_URL= $(BIN)/pytest -q -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(STAMP)
	@bash scripts/make-messages.sh $(BIN)/python

# The benchmark (issue 8): SCALE is a comma-separated list of proposal counts.
SCALE ?= 1000,10000
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
bench: $(STAMP) system-deps compiled-messages
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.run --scale $(SCALE)

clean:
	rm -rf $(VENV) var
