# Huiyin (回音): `make demo` starts the system with demo data, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
APT_UPDATED := var/.apt-updated

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(APT_UPDATED):
	@mkdir -p var
	$(SUDO) apt-get update -qq
	@touch $@

# Install Debian packages named in PKGS unless the command in CHECK already works.
define apt_ensure
	@if ! $(2) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(APT_UPDATED) && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(1); \
	fi
endef

$(VENV)/bin/activate:
	$(call apt_ensure,python3-venv,$(PYTHON) -m venv --help)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(VENV)/bin/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	$(call apt_ensure,nodejs npm,command -v npm)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc

.PHONY: install
install: $(VENV)/.installed node_modules/.installed messages ## Create .venv, install the pages' npm packages and the PDF font, compile translations
	$(call apt_ensure,fonts-wqy-zenhei,test -f $(CJK_FONT))

.PHONY: messages
messages: $(VENV)/.installed ## Compile the translations (installs gettext when missing)
	$(call apt_ensure,gettext,command -v msgfmt)
	@$(PY) manage.py compilemessages -v0 --ignore=.venv

.PHONY: demo
demo: install ## Start Huiyin on http://127.0.0.1:8000 with demo data (SQLite by default)
	@mkdir -p var
	$(PY) manage.py migrate -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_supervision
	@echo
	@echo "Huiyin runs at http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/, admin: /admin/)"
	@echo "Log in with any account above and the password huiyin-demo. Stop everything with Ctrl-C."
	HOST=$(HOST) PORT=$(PORT) $(PY) scripts/run-demo

# nginx for the test of deploy/nginx/huiyin.conf, unpacked from Debian's packages into var/nginx: installing the
# package would start a server on port 80 of the machine. The test runs it on high ports and stops it.
NGINX := var/nginx/usr/sbin/nginx
$(NGINX): | $(APT_UPDATED)
	@rm -rf var/nginx && mkdir -p var/nginx/debs
	cd var/nginx/debs && apt-get download -qq nginx nginx-common
	for deb in var/nginx/debs/*.deb; do dpkg-deb -x "$$deb" var/nginx; done

.PHONY: test-deps
test-deps: install $(VENV)/.installed-dev ## Install what the tests need: Chromium, PostgreSQL and Redis servers, nginx
	$(call apt_ensure,postgresql,ls /usr/lib/postgresql/*/bin/initdb)
	$(call apt_ensure,redis-server,command -v redis-server)
	$(call apt_ensure,chromium,test -x /usr/bin/chromium)
	$(call apt_ensure,faketime,command -v faketime)
	$(call apt_ensure,openssl,command -v openssl)
	@command -v nginx >/dev/null || $(MAKE) --no-print-directory $(NGINX)

.PHONY: lint
lint: $(VENV)/.installed-dev ## ruff lint and format check, the type check (mypy), missing migrations
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run -v0

# The PostgreSQL run happens with the clock shifted (libfaketime) to a night at a year's end whose holiday
# schedule is not published, so that a test depending on the day it runs fails here, not next month.
TEST_CLOCK ?= 2027-12-31 23:30 Asia/Shanghai

.PHONY: test
test: test-deps lint ## Run every test: on SQLite today, and on a private PostgreSQL server with the clock at TEST_CLOCK
	@mkdir -p var
	$(VENV)/bin/pytest
	PG_PORT=$${PG_PORT:-55432} scripts/with-postgres scripts/with-clock-at "$(TEST_CLOCK)" $(VENV)/bin/pytest

# The benchmarks run on a dataset built by seed_scale in the database DATABASE_URL names (docs/benchmarks.md).
BENCH_ARGS ?= --http

.PHONY: bench
bench: $(VENV)/.installed-dev messages ## Time pages, lists and jobs against their floors on a seed_scale dataset
	$(call apt_ensure,wrk,command -v wrk)
	$(PY) manage.py bench $(BENCH_ARGS)

.PHONY: format
format: $(VENV)/.installed-dev ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: clean
clean: ## Remove the virtualenv, the SQLite database and uploaded files
	rm -rf $(VENV) var/*.sqlite3 var/media staticfiles
