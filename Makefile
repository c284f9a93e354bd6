# The two commands: `make demo` and `make test`. Both set themselves up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_CUSTOMERS ?= 3000
DEMO_DAYS ?= 60

.PHONY: demo test lint typecheck catalogues sysdeps worker beat serve messages clean

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

catalogues: $(INSTALLED)
	$(BIN)/python manage.py compile_catalogues

sysdeps:
	bash scripts/system-deps.sh

# Demo data goes through the real import: generated counter exports, then import_counter.
# The served demo's import pages read the same folder (IMPORT_ROOT, unless it is set).
DEMO_EXPORTS ?= .data/demo-exports
demo: $(INSTALLED) catalogues
	$(BIN)/python manage.py migrate --noinput
	rm -rf $(DEMO_EXPORTS)
	$(BIN)/python manage.py make_counter_exports --out $(DEMO_EXPORTS) \
	  --customers $(DEMO_CUSTOMERS) --days $(DEMO_DAYS) --seed 7 \
	  --calendar exchange --openings --plant-rejects
	$(BIN)/python manage.py import_counter $(DEMO_EXPORTS)
	$(BIN)/python manage.py compute_metrics
	$(BIN)/python manage.py demo_users
	$(BIN)/python manage.py demo_activity
	$(BIN)/python manage.py evaluate_tiers
	$(BIN)/python manage.py demo_custom_fields
	$(BIN)/python manage.py demo_segments
	$(BIN)/python manage.py demo_products
	$(BIN)/python manage.py compute_metrics
	$(BIN)/python manage.py compliance_tasks
	$(BIN)/python manage.py demo_campaigns
	$(MAKE) serve

# The demo serves as production does (DEBUG=0: the application's own error pages, never
# Django's debug page; whitenoise serves the collected static files), over plain http on
# this machine only. The secret key is made once into DEMO_SECRET_KEY_FILE unless SECRET_KEY
# is set. A developer who wants the debug page runs `DEBUG=1 manage.py runserver` instead.
DEMO_PORT ?= 8000
DEMO_SECRET_KEY_FILE ?= .data/demo-secret-key
serve: export DEBUG = 0
serve: export ALLOWED_HOSTS = 127.0.0.1,localhost
serve: export SECURE_SSL_REDIRECT = 0
serve: export SESSION_COOKIE_SECURE = 0
serve: export CSRF_COOKIE_SECURE = 0
serve: export SECURE_HSTS_SECONDS = 0
serve: export IMPORT_ROOT ?= $(CURDIR)/$(DEMO_EXPORTS)
serve: $(INSTALLED)
	@mkdir -p $(dir $(DEMO_SECRET_KEY_FILE))
	@test -s $(DEMO_SECRET_KEY_FILE) || (umask 077; $(BIN)/python -c \
	  'from django.core.management.utils import get_random_secret_key as k; print(k())' \
	  > $(DEMO_SECRET_KEY_FILE))
	SECRET_KEY="$${SECRET_KEY:-$$(cat $(DEMO_SECRET_KEY_FILE))}" \
	  $(BIN)/python manage.py collectstatic --noinput -v 0
	@echo "The CRM is at http://127.0.0.1:$(DEMO_PORT) (Ctrl-C stops it)"
	SECRET_KEY="$${SECRET_KEY:-$$(cat $(DEMO_SECRET_KEY_FILE))}" \
	  $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(DEMO_PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with django-stubs over crm/ and the service and selector layers (pyproject.toml says
# which). The stubs' plugin loads the settings but opens no database or broker.
typecheck: $(INSTALLED)
	$(BIN)/mypy

# pytest's exit code 5 ("no tests ran") is a failure here, like any other. On SQLite the
# test database is a file, so that the tests' own worker processes can open it too.
test: $(INSTALLED) sysdeps catalogues lint typecheck
	$(BIN)/python manage.py makemigrations --check --dry-run
	SQLITE_TEST_DATABASE=$${SQLITE_TEST_DATABASE:-.data/test-crm.sqlite3} $(BIN)/python -m pytest; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest ran no tests" >&2; exit 1; fi; exit $$status

# A real Celery worker and beat against Redis (CELERY_BROKER_URL, default local Redis).
worker: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
worker: $(INSTALLED)
	$(BIN)/celery -A crm worker --loglevel INFO --concurrency 2

beat: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
beat: $(INSTALLED)
	$(BIN)/celery -A crm beat --loglevel INFO --schedule .data/celerybeat-schedule

# Refresh both catalogues after changing UI strings (needs GNU gettext: `make sysdeps`).
messages: $(INSTALLED)
	$(BIN)/python manage.py makemessages --locale zh_Hans --locale en --ignore '.venv/*' --no-obsolete
	$(BIN)/python manage.py compile_catalogues --fill-source-language en

clean:
	rm -rf $(VENV) .data
