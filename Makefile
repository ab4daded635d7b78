PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run console test eval bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/python -m bot

console: install
	$(BIN)/python -m bot console

test: install
	$(BIN)/python -m pytest

eval: install
	$(BIN)/python -m pytest tests/eval -q -s

bench: install
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/throughput_bench.py
	$(BIN)/python bench/outside_bench.py

lint: install
	$(BIN)/ruff check bot handlers storage tests bench

clean:
	rm -rf $(VENV) .pytest_cache
