# Two entry points: `make demo` (train + evaluate on the embedded MNIST sample) and `make test`.
# Both create .venv with Python 3.12 when it is missing and install the package into it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# brian2 2.10 needs Python >= 3.12: take python3.12 from PATH or pyenv, else a `python3` that is >= 3.12.
PYTHON312 := $(shell command -v python3.12 2>/dev/null || (command -v pyenv >/dev/null && pyenv root >/dev/null 2>&1 && ls -d $$(pyenv root)/versions/3.12*/bin/python3.12 2>/dev/null | tail -n1) || command -v python3)
SHARED_DATA := $(abspath ../shared/data)
DEMO_OUT ?= runs/demo

.PHONY: demo test install lint bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON312)"; $(PYTHON312) -c 'import sys; assert sys.version_info >= (3, 12), "Python >= 3.12 is needed (brian2 2.10): install python3.12"' && $(PYTHON312) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,cuda]'
	@touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/diehlsim demo --out $(DEMO_OUT)

test: install
	DIEHLSIM_DATA=$(SHARED_DATA) $(PY) -m pytest -q -ra tests

lint: install
	$(VENV)/bin/ruff check diehlsim tests scripts benchmarks

bench: install
	DIEHLSIM_DATA=$(SHARED_DATA) $(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) runs build
