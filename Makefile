# TRM — two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3.11
# A failing step in a pipe (pip behind its progress filter) fails the recipe.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run reset-demo test test-fast test-e2e lint fmt bench messages clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@echo "== Installing TRM and its dependencies into $(VENV) (the first time only: a few minutes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar off -e '.[dev,demo]' | { grep --line-buffered -E '^(Collecting|Successfully installed)' || true; } | sed -u 's/^/   /'
	@touch $(STAMP)

## make run: install, migrate, seed a synthetic demo network and serve it on http://127.0.0.1:8000
run: $(STAMP)
	@echo "== Starting the demo network (three nodes; data in var/demo)"
	@TRM_MODE=demo TRM_DATA_DIR=$(CURDIR)/var/demo $(BIN)/trm demo

## make reset-demo: delete the demo's data (not the virtualenv) and start it afresh
reset-demo: $(STAMP)
	@TRM_MODE=demo TRM_DATA_DIR=$(CURDIR)/var/demo $(BIN)/trm demo --reset

## make test: install and run the whole suite (browser tests too when /usr/bin/chromium exists)
test: $(STAMP)
	TRM_MODE=test $(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-fast: $(STAMP)
	TRM_MODE=test $(BIN)/pytest -n 2 --dist loadfile -m "not e2e and not integration"

test-e2e: $(STAMP)
	TRM_MODE=test $(BIN)/pytest -m e2e -p no:xdist

## make lint: ruff, mypy (strict), djLint on the templates, migrations in step with the models,
## the formatting check, the indicator sets' strings in step with their files (tools/indicator_strings.py),
## and last the completeness of the translations
lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	TRM_MODE=test PYTHONPATH=$(CURDIR)/src $(BIN)/mypy
	$(BIN)/djlint --lint src/trm/templates src/trm/*/templates
	TRM_MODE=test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/python tools/indicator_strings.py --check
	$(BIN)/python tools/catalogue_status.py --check

## make audit: bandit over src/ ([tool.bandit] in pyproject.toml) and pip-audit over the installed packages
## (needs PyPI's vulnerability data; PIP_AUDIT_ARGS=--strict also fails on a package it could not look up)
PIP_AUDIT_ARGS ?=
.PHONY: audit
audit: $(STAMP)
	$(BIN)/bandit -q -c pyproject.toml -r src
	$(BIN)/pip-audit --skip-editable --progress-spinner off $(PIP_AUDIT_ARGS)

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests bench tools
	$(BIN)/ruff format src tests bench tools

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; TRM_MODE=test $(BIN)/python $$f || exit 1; done

## make messages: extract strings, fill known translations from locale/<lang>/glossary.json, compile,
## then print how complete each language is (`make check-messages` fails below 100%)
# Every language with a folder under src/trm/locale; tests/core/test_catalogue.py fails on any gap.
LANGS := $(notdir $(wildcard src/trm/locale/*))

.PHONY: check-messages
messages: $(STAMP)
	cd src/trm && TRM_MODE=development PYTHONPATH=$(CURDIR)/src $(abspath $(BIN))/django-admin makemessages --no-obsolete $(addprefix -l ,$(LANGS)) --settings=trm.settings
	for lang in $(LANGS); do \
	  if [ -f src/trm/locale/$$lang/glossary.json ]; then $(BIN)/python tools/fill_translations.py src/trm/locale/$$lang/LC_MESSAGES/django.po src/trm/locale/$$lang/glossary.json || exit 1; fi; \
	done
	cd src/trm && TRM_MODE=development PYTHONPATH=$(CURDIR)/src $(abspath $(BIN))/django-admin compilemessages --settings=trm.settings
	@echo "Completeness per language (untranslated or fuzzy entries are work left):"
	@$(BIN)/python tools/catalogue_status.py

## make check-messages: fail when a shipped language is below 100% (CI runs it with make lint)
check-messages: $(STAMP)
	$(BIN)/python tools/catalogue_status.py --check

clean:
	rm -rf $(VENV) var .pytest_cache
