# Two commands set everything up: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve check-deploy test bench lint clean translations

$(BIN)/flask: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The demo: synthetic families and published passwords; every page says DEMO.
run: $(BIN)/flask
	$(BIN)/flask --app screening init-db --demo
	@$(BIN)/flask --app screening demo-accounts
	$(BIN)/waitress-serve --ident= --host $(HOST) --port $(PORT) --threads 8 --call screening:create_app

# Production: never --demo; refuses to start while check-deploy finds a problem. Point
# SCREENING_INSTANCE at the instance folder outside the checkout (README "Deployment").
# --ident= sends no Server banner.
serve: $(BIN)/flask
	$(BIN)/flask --app screening init-db
	$(BIN)/flask --app screening check-deploy
	$(BIN)/waitress-serve --ident= --host $(HOST) --port $(PORT) --threads 8 --call screening:create_app

check-deploy: $(BIN)/flask
	$(BIN)/flask --app screening check-deploy

# axe-core for the accessibility tests; without npm (or offline) those tests skip and say why.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  { npm ci --no-audit --no-fund && touch $@; } || echo "npm ci failed: the axe accessibility tests will skip"; \
	else echo "npm not found: the axe accessibility tests will skip"; fi

test: $(BIN)/flask $(AXE)
	$(BIN)/ruff check screening tests bench
	$(BIN)/ruff format --check screening tests bench
	$(BIN)/bandit -q -r screening -ll
	$(BIN)/mypy
	$(BIN)/pytest -q

# BENCH_SIZE=10000 for a quick run (default 100000 families); the unit is cached in bench/.cache.
bench: $(BIN)/flask
	$(BIN)/python -m bench

# Interface text (Flask-Babel): extract every marked string, merge it into each catalogue,
# then compile the .mo files the package ships. Translate new entries in the .po, run again.
TRANSLATIONS := screening/translations
translations: $(BIN)/flask
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --omit-header -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
	  --ignore-obsolete --no-fuzzy-matching --width 100
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
	rm -f $(TRANSLATIONS)/messages.pot

lint: $(BIN)/flask
	$(BIN)/ruff check --fix screening tests bench
	$(BIN)/ruff format screening tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info node_modules test-artifacts

# Dependency audit (needs PyPI JSON API / OSV access); .ci/run runs it with a notice when offline.
.PHONY: audit-deps
audit-deps: $(BIN)/flask
	$(BIN)/pip-audit --progress-spinner off --skip-editable
