# The two commands of this project: `make run` and `make test`. Both set up what is missing
# (scripts/setup.sh) and are quick the second time.
SHELL := /bin/bash
PY := .venv/bin/python
export DJANGO_SETTINGS_MODULE := backend.settings
export REDIS_URL ?= redis://127.0.0.1:6379/0
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= $(shell nproc)

.PHONY: setup run test test-browser typecheck lint bench demo

setup:
	@bash scripts/setup.sh

demo: setup
	@$(PY) manage.py load_demo --if-empty

# The web server and the job worker side by side (scripts/with_worker.sh): Ctrl-C stops both.
run: demo
	@$(PY) manage.py demo_info --url http://$(HOST):$(PORT)
	@bash scripts/with_worker.sh .venv/bin/uvicorn backend.asgi:application --host $(HOST) --port $(PORT) --workers $(WORKERS) --lifespan off --timeout-graceful-shutdown 5

test: setup
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory lint
	.venv/bin/mypy
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory test-browser

# Real Chromium; its own pytest process (Playwright's sync API runs an event loop). Without the
# asyncio plugin, its ini options (asyncio_mode, ...) are unknown: ignore exactly that warning.
test-browser:
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q tests/browser -o addopts="--strict-markers -p no:cacheprovider" -p no:asyncio \
	  -W "ignore:Unknown config option:pytest.PytestConfigWarning"

# mypy with the Django and DRF plugins on services, selectors and gis_data ([tool.mypy]).
typecheck: setup
	.venv/bin/mypy

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: setup
	$(PY) -m bench.run
