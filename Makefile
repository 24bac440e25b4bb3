# The two commands a new user needs: `make run` and `make test`.
# Every other target is a convenience under them; each one installs what it
# needs first and skips work already done.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1
# Keep Rasa's and TensorFlow's start-up quiet and offline.
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
# The clinical source and the spec live in ../shared beside the repository; a
# clone elsewhere uses the identical copies in reference/ (a test keeps them equal).
SHARED := $(if $(wildcard ../shared/seeds),../shared,reference)
MODEL_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) \
	$(wildcard bot/nlp/*.py bot/nlp/*/*.py)
MODEL_STAMP := models/.trained

.PHONY: help install browser train run shell test test-unit test-conversations validate \
	facts review eval bench lint format migrate purge lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(INSTALLED): requirements.lock
	@set -e; \
	if [ ! -x $(PY) ]; then \
		py310=$$(scripts/find_python310.sh); \
		echo "Creating $(VENV) with $$py310"; \
		"$$py310" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip<25" wheel \
		2>&1 | { grep -v "is ignored: it is neither" || true; }; \
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock \
		2>&1 | { grep -v "is ignored: it is neither" || true; }; \
	$(PY) -m pip check; \
	touch $@

install: $(INSTALLED) ## create .venv (Python 3.10) with the pinned dependencies

browser: node_modules/.package-lock.json ## install Debian's chromium and chromium-driver, and the npm test packages
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
		echo "Installing chromium and chromium-driver from Debian"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# axe-core (browser tests only) and socket.io-client, exactly as pinned in
# package-lock.json. The widget serves its own vendored copy of the socket.io
# client (bot/console/static/widget/vendor/), so `make run` needs no npm; a test
# checks that copy equals the pinned package.
node_modules/.package-lock.json: package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
		echo "Installing nodejs and npm from Debian (for axe-core in the browser tests)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(MODEL_STAMP): $(INSTALLED) $(MODEL_INPUTS)
	@mkdir -p models
	$(RASA) train --fixed-model-name cryo --out models --quiet
	@touch $@

train: $(MODEL_STAMP) ## train the model if data, domain or config changed

migrate: $(INSTALLED) ## create or upgrade the database schema (Alembic)
	$(PY) -m bot.store migrate

purge: $(INSTALLED) ## delete conversations older than RETENTION_DAYS
	$(PY) -m bot.store purge

run: $(INSTALLED) $(MODEL_STAMP) migrate ## start the whole product on localhost
	@scripts/run.sh

shell: $(MODEL_STAMP) ## chat in the terminal (needs `make run` running for the actions)
	@eval "$$($(PY) -m bot.settings env)"; \
	$(RASA) shell --model models/cryo.tar.gz --endpoints endpoints.yml --port 5006

facts: $(INSTALLED) ## every figure in the answers is in the clinical source
	$(PY) $(SHARED)/tools/check_answer_facts.py .

review: $(INSTALLED) ## every sentence in the source or the clinical register; qualifiers kept
	$(PY) -m scripts.clinical_review

validate: $(INSTALLED) ## rasa data validate, warnings are failures
	$(PY) -m scripts.validate

test-unit: $(INSTALLED) browser
	$(PY) -m pytest

test-conversations: $(MODEL_STAMP) ## Rasa conversation tests (tests/test_*.yml)
	$(RASA) test core --e2e --stories tests/ --model models/cryo.tar.gz \
		--fail-on-prediction-errors --out results/conversations

test: $(INSTALLED) facts validate $(MODEL_STAMP) test-unit test-conversations ## install what is missing and run every test

eval: $(MODEL_STAMP) ## precision/recall/F1 on held-out paraphrases, beside a TF-IDF baseline
	$(PY) -m scripts.eval

bench: $(MODEL_STAMP) ## start-up, memory and latency figures
	$(PY) -m scripts.bench

lint: $(INSTALLED) ## ruff and black --check
	$(VENV)/bin/ruff check bot actions tests scripts
	$(VENV)/bin/black --check bot actions tests scripts

format: $(INSTALLED)
	$(VENV)/bin/black bot actions tests scripts
	$(VENV)/bin/ruff check --fix bot actions tests scripts

lock: ## re-resolve requirements.in into requirements.lock (needs the registry)
	@tmp=$$(mktemp -d); py310=$$(scripts/find_python310.sh); \
	"$$py310" -m venv $$tmp/venv && $$tmp/venv/bin/pip install --quiet -r requirements.in && \
	$$tmp/venv/bin/pip freeze --exclude-editable > requirements.lock; rm -rf $$tmp

clean: ## remove trained models and results (keeps .venv and var/)
	rm -rf models/*.tar.gz $(MODEL_STAMP) results test-output
