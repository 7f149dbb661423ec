# The README's two commands: `make run` and `make test`. Each sets up everything it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.DEFAULT_GOAL := run
.PHONY: run test serve bench lint migrate reference demo lock wheelhouse install-offline backup restore

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# A developer's settings: DEBUG on and a fresh secret key. The real environment always wins over it.
.env:
	$(PYTHON) -c "import secrets; print('DEBUG=1'); print('SECRET_KEY=' + secrets.token_urlsafe(50))" > $@

migrate: $(VENV)/.installed .env
	mkdir -p var
	$(PY) manage.py migrate --noinput

reference: migrate
	$(PY) manage.py load_reference

# The demo city lives on this day (core/clock.py), a week before the 应复尽复 target; DEMO_TODAY= for the real date.
DEMO_TODAY ?= 2020-03-13
demo run: export DEMO_TODAY := $(DEMO_TODAY)

demo: reference
	$(PY) manage.py seed_demo

run: demo
	@echo "昆山复工复产服务平台: http://127.0.0.1:$(PORT)/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev .env
	mkdir -p var
	$(PY) -m pytest

# Production-like: gunicorn, a Celery worker and beat. Needs DATABASE_URL and REDIS_URL.
serve: $(VENV)/.installed .env
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || { echo "make serve needs DATABASE_URL and REDIS_URL"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/celery -A kunshan_resume worker --loglevel=INFO --concurrency=2 & \
	$(VENV)/bin/celery -A kunshan_resume beat --loglevel=INFO & \
	$(VENV)/bin/gunicorn --bind 0.0.0.0:$(PORT) --access-logfile - ; \
	kill %1 %2 2>/dev/null || true

# Each benchmark builds its own throwaway database; run them one after another, never side by side.
# A benchmark that misses a target does not stop the others; `make bench` fails at the end, naming them.
# These need PostgreSQL and Redis (gunicorn under wrk; bench.city also builds the whole city, 1,000,000 workers).
SERVER_BENCHES := bench.verify bench.city
BENCHES := bench bench.roster bench.passes_issue bench.dashboard bench.hostile_upload bench.requests bench.labour bench.supervision bench.policies bench.offline bench.health bench.retention bench.flow
bench: $(VENV)/.installed-dev .env
	mkdir -p var bench/results
	@failed=""; \
	for b in $(BENCHES); do echo "==> $$b"; $(PY) -m $$b || failed="$$failed $$b"; done; \
	if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		for b in $(SERVER_BENCHES); do echo "==> $$b"; $(PY) -m $$b || failed="$$failed $$b"; done; \
	else echo "$(SERVER_BENCHES) (gunicorn and wrk; bench.city: the whole city) need DATABASE_URL (PostgreSQL) and REDIS_URL: skipped"; fi; \
	if [ -n "$$failed" ]; then echo "targets missed in:$$failed"; exit 1; fi

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

# A closed network (a government intranet) has no package index. requirements.lock pins every runtime package,
# transitive ones included, with their hashes: `make lock` renews it after requirements.txt changes;
# `make wheelhouse`, on a machine with the index, downloads every wheel into wheelhouse/ (for another target,
# e.g. WHEEL_TARGET="--platform manylinux2014_x86_64 --python-version 3.11 --implementation cp");
# `make install-offline`, on the closed network, installs from that folder alone, checking every hash.
WHEELHOUSE ?= wheelhouse
WHEEL_TARGET ?=
lock: $(VENV)/.installed-dev
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file=requirements.lock requirements.txt

wheelhouse:
	$(PYTHON) -m pip download --quiet --require-hashes --only-binary=:all: $(WHEEL_TARGET) \
		-r requirements.lock -d $(WHEELHOUSE)

install-offline:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-index --find-links $(WHEELHOUSE) --require-hashes -r requirements.lock
	touch $(VENV)/.installed

# The database (pg_dump) and the uploaded files, with a checksum manifest; restore checks it first (deploy/).
backup:
	deploy/backup.sh

restore:
	deploy/restore.sh
