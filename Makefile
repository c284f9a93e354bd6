# The two commands: `make demo` and `make test`. Both set themselves up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_CUSTOMERS ?= 3000
DEMO_DAYS ?= 60

.PHONY: demo test lint catalogues sysdeps worker beat serve messages clean

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

catalogues: $(INSTALLED)
	$(BIN)/python manage.py compile_catalogues

sysdeps:
	bash scripts/system-deps.sh

# Demo data goes through the real import: generated counter exports, then import_counter.
demo: $(INSTALLED) catalogues
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py make_counter_exports --out .data/demo-exports \
	  --customers $(DEMO_CUSTOMERS) --days $(DEMO_DAYS) --seed 7
	$(BIN)/python manage.py import_counter .data/demo-exports
	$(BIN)/python manage.py compute_metrics
	$(BIN)/python manage.py demo_users
	$(BIN)/python manage.py demo_activity
	$(MAKE) serve

serve: $(INSTALLED)
	@echo "The CRM is at http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# pytest's exit code 5 ("no tests ran") is a failure here, like any other. On SQLite the
# test database is a file, so that the tests' own worker processes can open it too.
test: $(INSTALLED) sysdeps catalogues lint
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
