# Two commands set everything up: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench lint clean

$(BIN)/flask: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: $(BIN)/flask
	$(BIN)/flask --app screening init-db --demo
	@$(BIN)/flask --app screening demo-accounts
	$(BIN)/waitress-serve --host $(HOST) --port $(PORT) --threads 8 --call screening:create_app

test: $(BIN)/flask
	$(BIN)/ruff check screening tests bench
	$(BIN)/ruff format --check screening tests bench
	$(BIN)/bandit -q -r screening -ll
	$(BIN)/pytest -q

bench: $(BIN)/flask
	$(BIN)/python -m bench

lint: $(BIN)/flask
	$(BIN)/ruff check --fix screening tests bench
	$(BIN)/ruff format screening tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
