# Atende — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= config.settings.base

.PHONY: mailserver run test lint format install install-dev messages messages-extract browser clean-var

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Compiled message catalogues (pt-BR is the default language). Needs GNU gettext (msgfmt).
messages: install
	@command -v msgfmt >/dev/null || bin/ensure-debian-package gettext
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v0

# Refresh the Portuguese catalogue from the code (then translate the new entries).
messages-extract: install
	@command -v xgettext >/dev/null || bin/ensure-debian-package gettext
	DEBUG=1 $(PY) manage.py makemessages -l pt_BR --ignore=.venv --ignore=var --ignore=bench --no-obsolete

# The system Chromium that the browser tests drive with Playwright.
browser:
	@command -v chromium >/dev/null || bin/ensure-debian-package chromium

# bin/supervise.py --prepare writes <var>/local.env (a generated SECRET_KEY, DEBUG=1), which
# every manage.py / celery command of this checkout then reads; ATENDE_PORT picks the port.
run: install messages
	$(PY) bin/supervise.py --prepare
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) bin/supervise.py

# Debian's dovecot: the IMAP server the e-mail channel's tests start with their own
# temporary configuration (tests/providers/mailservers.py).
mailserver:
	@test -x /usr/sbin/dovecot || bin/ensure-debian-package dovecot-imapd

test: install-dev messages browser mailserver
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
