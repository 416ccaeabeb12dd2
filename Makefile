# Two entry points (see README.md): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_SERVER ?= postgresql://postgres@127.0.0.1:5432

.PHONY: demo test setup test-sqlite test-postgres bench browser postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

demo: setup
	$(BIN)/tongban init --demo
	TONGBAN_DEMO=1 $(BIN)/tongban serve

browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null)

postgres:
	@pg_isready -h 127.0.0.1 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start

test-sqlite:
	TONGBAN_TEST_DB=sqlite $(BIN)/pytest -q

test-postgres: postgres
	TONGBAN_TEST_DB=postgresql TONGBAN_TEST_PG=$(PG_SERVER) $(BIN)/pytest -q

test: setup browser
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

bench: setup postgres
	$(BIN)/python bench/approval_flow.py
	$(BIN)/python bench/http_approval.py
	$(BIN)/python bench/state_growth.py
	$(BIN)/python bench/inbox_scale.py
	$(BIN)/python bench/timers.py
	$(BIN)/python bench/load_sim.py
