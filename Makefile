# Everyday commands. Only Python 3.11+ is needed: `make run` and `make test` build .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
run: export COMMONS_DATA_DIR ?= ./instance
run: export COMMONS_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-fast lint bench demo translations compile-translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

## run: install, initialise ./instance, load the demo, serve http://$(HOST):$(PORT)
run: $(VENV)/.installed
	$(BIN)/commons init
	$(BIN)/commons seed-demo
	@echo "Serving http://$(HOST):$(PORT) (Ctrl-C to stop)"
	$(BIN)/commons serve --host $(HOST) --port $(PORT)

## test: the whole suite (SQLite; set COMMONS_TEST_DATABASE_URL for PostgreSQL)
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-fast: everything but the multi-process and browser tests
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

## demo: three nodes on 127.0.0.1:5001-5003 with different content, following each other
demo: $(VENV)/.installed
	$(BIN)/python -m server.demo.run --dir demo-nodes --first-port 5001

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

## translations: re-extract strings, update the catalogs, compile them
translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o server/translations/messages.pot .
	$(BIN)/pybabel update -i server/translations/messages.pot -d server/translations --no-fuzzy-matching
	$(BIN)/python server/translations/fill_en.py
	@echo "Translate the new entries of server/translations/fr/LC_MESSAGES/messages.po, then: make compile-translations"
	$(BIN)/pybabel compile -d server/translations

compile-translations: $(VENV)/.installed-test
	$(BIN)/pybabel compile -d server/translations

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
