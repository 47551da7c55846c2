# Syndikat: `make run` starts the whole pipeline locally, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
#: What `make audit` does when no vulnerability service answers: fail (alone) or warn (in test).
AUDIT_UNREACHABLE ?= fail

.PHONY: install lock audit run test test-future lint docs format bench chaos flower clean

install: $(STAMP)

# Exact versions from the lock: every install gets the same dependencies (`make lock` renews it).
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# Re-resolve pyproject.toml (with the dev extra) into exact versions, keeping the pins that
# still fit; ARGS=--upgrade renews everything, ARGS='--upgrade-package NAME' one package.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet \
		--output-file $(LOCK) $(ARGS)

# pip-audit over the locked versions: fails on a known vulnerability, and when the service
# cannot check them (AUDIT_UNREACHABLE=warn: a loud banner instead, see tools/audit_dependencies.py).
audit: install
	$(BIN)/python -m tools.audit_dependencies --unreachable $(AUDIT_UNREACHABLE)

run: install
	$(BIN)/syndikat run

# This machine's PyPI mirror has no vulnerability data: tests go on after a loud warning.
test: AUDIT_UNREACHABLE = warn
test: install audit
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-future

# The time-dependent tests again with the clock a year ahead (libfaketime; tools/year_ahead.py):
# no test may pass only until some calendar date. ARGS are passed on to pytest.
test-future: install
	$(BIN)/python -m tools.year_ahead $(ARGS)

# What a reviewer checks: ruff's rules and formatting, and mypy with zero errors
# (its strictness and files are in pyproject.toml, [tool.mypy]).
lint: install docs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The manual (docs/, mkdocs.yml) as a site in var/site; a warning (a broken link or include) fails.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m bench

chaos: install
	$(BIN)/python -m chaos --stories 1000

flower: install
	$(BIN)/celery -A shared.celery_app flower --port=5555

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
