# Machi: `make run` serves the Kumamoto FY2022 ledger; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# Test processes (pytest-xdist): one per core; each module's tests stay in one process.
TEST_WORKERS ?= auto

.PHONY: run test fuzz-api install lint bench bench-requests clean

# A development server: debug asked for here, as Machi runs in production mode unless told.
run: export MACHI_DEBUG ?= 1
run: install
	$(BIN)/machi migrate --noinput
	$(BIN)/machi demo
	$(BIN)/machi runserver $(HOST)

test: install lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# schemathesis against a running Machi (scratch SQLite database, demo data, a city-admin token).
fuzz-api: install
	.ci/fuzz-api

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The in-process benchmarks run as on a development machine; the live-server ones set production themselves.
bench: export MACHI_DEBUG ?= 1
bench: install
	$(BIN)/python bench/ledger_import.py
	$(BIN)/python bench/centre_import.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/report_pdf.py
	$(BIN)/python bench/availability.py
	$(BIN)/python bench/lottery_draw.py
	$(BIN)/python bench/booking_rush.py
	$(BIN)/python bench/booking_faults.py  # restarts the PostgreSQL server mid-rush (--no-restart to spare a shared one)
	$(BIN)/python bench/event_rush.py
	$(BIN)/python bench/requests_rush.py

# Residents' requests over Open311 at gunicorn, on SQLite and PostgreSQL (bench/requests_rush.py).
bench-requests: install
	$(BIN)/python bench/requests_rush.py

clean:
	rm -rf $(VENV) machi.sqlite3* var
