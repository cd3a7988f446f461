# Two set-up commands: `make demo` and `make test`. Each creates .venv if missing.
# Python 3.12 is preferred (the optional OSRM road engine ships wheels for >=3.12 only).
PY312 := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
PYTHON ?= $(if $(PY312),$(PY312),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test,roads,sweep]'
	# the editable install compiles none of src/: without its bytecode (PYTHONDONTWRITEBYTECODE
	# set, or a read-only tree) every start compiles foresterie anew, ~0.7 CPU s a process
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/foresterie solve scenarios/puglia-2027 --out runs/puglia-2027 --force

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks cli.py
	$(BIN)/ruff format --check src tests benchmarks cli.py
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/housing_scale.py

# Refresh the catalogues from the sources: extract every marked message (_, N_, Msg, ngettext), merge it into each
# language's .po (new ones empty, to translate; tests/core/test_i18n.py fails until they are).
LOCALES := src/foresterie/locale
messages: $(STAMP)
	$(BIN)/pybabel extract -w 100 -F babel.cfg -k N_ -k Msg -k ngettext:1,2 --no-location --sort-output \
		--project foresterie -o $(LOCALES)/foresterie.pot src/foresterie
	for l in it en fr ar; do \
		$(BIN)/pybabel update -w 100 -i $(LOCALES)/foresterie.pot -d $(LOCALES) -D foresterie -l $$l \
			--no-fuzzy-matching --ignore-obsolete; done

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
