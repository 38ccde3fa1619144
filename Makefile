# Two entry points: `make demo` (train + evaluate on the embedded MNIST sample) and `make test`.
# Both create .venv with Python 3.12 when it is missing and install the locked environment
# (requirements.lock: every package, version and hash) and then the package into it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# brian2 2.10 needs Python >= 3.12: take python3.12 from PATH or pyenv, else a `python3` that is >= 3.12.
PYTHON312 := $(shell command -v python3.12 2>/dev/null || (command -v pyenv >/dev/null && pyenv root >/dev/null 2>&1 && ls -d $$(pyenv root)/versions/3.12*/bin/python3.12 2>/dev/null | tail -n1) || command -v python3)
SHARED_DATA := $(abspath ../shared/data)
DEMO_OUT ?= runs/demo

# The tool that writes the lock (`make lock`); the install itself needs only pip.
UV_VERSION := 0.13.9
LOCK_VENV := .venv-lock

.PHONY: demo test install lint bench clean lock

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON312)"; $(PYTHON312) -c 'import sys; assert sys.version_info >= (3, 12), "Python >= 3.12 is needed (brian2 2.10): install python3.12"' && $(PYTHON312) -m venv $(VENV); }
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# Re-resolve the whole environment after a change of pyproject.toml's pins (see README):
# uv.lock is uv's universal lock; requirements.lock is its export that pip installs.
lock:
	@test -x $(LOCK_VENV)/bin/uv || { $(PYTHON312) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet uv==$(UV_VERSION); }
	$(LOCK_VENV)/bin/uv lock --python 3.12 --index-url https://pypi.org/simple
	$(LOCK_VENV)/bin/uv export --frozen --no-emit-project --all-extras \
		--format requirements-txt --quiet -o requirements.lock

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/diehlsim demo --out $(DEMO_OUT)

test: install
	$(VENV)/bin/lint-imports --no-cache
	DIEHLSIM_DATA=$(SHARED_DATA) $(PY) -m pytest -q -ra --durations=25 -n 2 --dist loadfile tests

lint: install
	$(VENV)/bin/ruff check diehlsim tests scripts benchmarks

bench: install
	DIEHLSIM_DATA=$(SHARED_DATA) $(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) $(LOCK_VENV) runs build
