# The same commands CI runs. Two of them do all set-up on a fresh machine:
#   make demo   install, build the database, load the synthetic district, serve it
#   make test   install what tests need, lint, and run the whole suite (SQLite)
# .ci/run also runs `make test-postgres` (the suite on the PostgreSQL server at 127.0.0.1:5432).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
CHILDREN ?= 100000
SEED ?= 2024
# The synthetic district's "today": ages and 12-month windows count from it.
REFERENCE_DATE ?= 2024-12-31
HOST ?= 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/satuanak
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo import-synthetic link-synthetic flag-synthetic programmes-synthetic test test-postgres install install-dev assets chromium lint typecheck check-migrations security \
        pytest db reference synthetic demo-users serve bench screenshots lock openapi clean deploy-rehearsal

# --- set-up -------------------------------------------------------------------------------
$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The stamp makes re-runs fast: reinstall only when the dependency list or the lock changes.
$(VENV)/.installed: pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Front-end assets (Leaflet, htmx, ...) come from the npm registry at set-up, pinned by
# package-lock.json, and are copied into static/vendor: no CDN at run time.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.package-lock.json install
	$(PY) tools/vendor_assets.py

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Memasang chromium / installing Debian's chromium"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }

# --- demo ---------------------------------------------------------------------------------
db: install
	$(PY) manage.py migrate --no-input -v 0

reference: db
	$(PY) manage.py load_reference

synthetic: install
	$(PY) manage.py generate --children $(CHILDREN) --seed $(SEED) --reference-date $(REFERENCE_DATE) --out var/synthetic

# The synthetic district goes in through the same import path a data officer uses.
EXPORTS := var/synthetic/exports
import-synthetic: synthetic reference
	$(PY) manage.py import --source siak $(EXPORTS)/siak/*.csv
	$(PY) manage.py import --source eppgbm $(EXPORTS)/eppgbm/*.xlsx
	$(PY) manage.py import --source imunisasi $(EXPORTS)/imunisasi/*.csv
	$(PY) manage.py import --source kia $(EXPORTS)/kia/*.xlsx
	$(PY) manage.py import --source dapodik $(EXPORTS)/dapodik/*.xlsx
	$(PY) manage.py import --source simfoni $(EXPORTS)/simfoni/*.xlsx

# One child per person across the sources, then how well that went against the generator's truth.
link-synthetic: import-synthetic
	$(PY) manage.py linkage run --as-of $(REFERENCE_DATE)
	$(PY) manage.py linkage evaluate --truth var/synthetic/ground_truth

# Risk flags per child, aggregates per desa and quarter, hotspots (a rerun of the stage); then
# measurement quality, weighing coverage and the three stunting rates (satuanak.mutu).
flag-synthetic: link-synthetic
	$(PY) manage.py flags recompute --as-of $(REFERENCE_DATE)
	$(PY) manage.py mutu recompute --as-of $(REFERENCE_DATE)

demo-users: reference
	$(PY) manage.py demo_users

# A running GESIT programme and referrals in several states, in two kecamatan (issue 8).
programmes-synthetic: flag-synthetic demo-users
	$(PY) manage.py demo_programmes --reference-date $(REFERENCE_DATE)

# The task worker (uploads) runs beside the web server and stops with it.
serve:
	$(PY) manage.py collectstatic --no-input -v 0
	@echo "Satu Data Anak Bengkayang: http://$(HOST)/"
	$(PY) manage.py worker & worker=$$!; trap "kill $$worker" EXIT INT TERM; $(PY) manage.py runserver $(HOST)

# The demo runs on the synthetic district's date: deadlines and 100-day programmes read as on that day.
demo: export SATUANAK_TODAY := $(REFERENCE_DATE)
demo: assets reference synthetic import-synthetic link-synthetic flag-synthetic demo-users programmes-synthetic serve

# --- checks -------------------------------------------------------------------------------
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy src bench tests

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run -v 1
	@! ls src/satuanak/*/migrations/*_auto_*.py 2>/dev/null | grep . \
	  || { echo "Migrasi bernama otomatis / auto-named migration: give it a name"; exit 1; }

pytest: install assets chromium
	$(PY) -m pytest

# Static security scan (bandit; ruff's S rules run in lint too) and the dependency audit.
# pip-audit needs a vulnerability service (PyPI's JSON API or OSV); from a machine that cannot
# reach one it audits nothing, and says so instead of passing silently.
security: install
	$(BIN)/bandit -q -r src -x '*/tests/*,*/migrations/*' -c pyproject.toml
	@mkdir -p var; $(BIN)/pip-audit -r requirements.lock --progress-spinner off --desc off > var/pip-audit.txt 2>&1; rc=$$?; \
	  if grep -q "could not be audited" var/pip-audit.txt; then \
	    echo "pip-audit: layanan kerentanan tidak terjangkau, dependensi TIDAK diaudit / vulnerability service unreachable, dependencies NOT audited ($$(grep -c 'could not be audited' var/pip-audit.txt) packages)"; \
	  else cat var/pip-audit.txt; exit $$rc; fi

test: lint typecheck check-migrations security pytest

# The same suite on PostgreSQL; starts the local cluster if it is not running.
test-postgres: install assets chromium
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	DATABASE_URL=$(PG_URL) $(PY) -m pytest

bench: install assets chromium
	$(PY) bench/generate.py
	$(PY) bench/imports.py
	$(PY) bench/linkage.py
	$(PY) bench/privacy_linkage.py
	$(PY) bench/flags.py
	$(PY) bench/mutu.py
	$(PY) bench/programmes.py
	$(PY) bench/interop.py
	$(PY) bench/web.py
	$(PY) bench/sync.py
	$(PY) bench/backup.py
	$(PY) bench/load.py

# deploy/install.sh rehearsed on this machine under a temporary prefix: PostgreSQL database
# satuanak_rehearsal (dropped and recreated), Debian's nginx on free ports, the services started
# from the systemd unit files, then check-deploy and HTTPS checks (docs/deploy.md).
deploy-rehearsal: assets
	bash deploy/rehearse.sh

# The README's screenshots from the demo's database (after `make demo` has built it).
screenshots: install chromium
	$(PY) tools/readme_screenshots.py
	$(PY) tools/lapangan_screenshots.py

# The API's description as committed (docs/api/openapi.json); a test fails when it is stale.
openapi: install
	$(PY) manage.py openapi_schema --out docs/api/openapi.json

# Refresh the lock after changing pyproject.toml's dependencies.
lock: | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf var node_modules src/satuanak/web/static/vendor
