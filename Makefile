# Encadena: the two commands (see README.md).
#   make run   install everything, start Neo4j, load reference + demo data, serve the API with a job worker
#   make test  install everything, start a separate test Neo4j, run the tests, stop it
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
ENCADENA := $(BIN)/encadena
PORT ?= 8000
# The demo size calibrated to DESIGN.md (docs/demo-data.md); other sizes scale every count.
DEMO_FIRMS ?= 20000

# The test instance has its own port and data folder so it can run beside `make run`
# (TEST_NEO4J_PORT lets two checkouts run their suites at once).
TEST_NEO4J_PORT ?= 7688
TEST_ENV := NEO4J_URI=bolt://127.0.0.1:$(TEST_NEO4J_PORT) ENCADENA_NEO4J_HOME=.data/neo4j-test NEO4J_HEAP=1g NEO4J_PAGECACHE=1g

.PHONY: help install system-packages run serve stop test lint neo4j-start neo4j-stop

help:
	@echo "make run    - install, start Neo4j, load reference and demo data, serve on 127.0.0.1:$(PORT)"
	@echo "make stop   - stop the API server, the job worker and Neo4j started by make run"
	@echo "make test   - install, start a test Neo4j on port 7688, run the test suite, stop it"
	@echo "make lint   - ruff and mypy"

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The venv is rebuilt from the lock file whenever the lock or the project metadata change.
$(BIN)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --compile-bytecode --python $(PYTHON)
	touch $@

# System packages from Debian/Ubuntu (Java, Maven, Chromium, pdftoppm, fonts, pango); a no-op when present.
system-packages:
	bash scripts/ensure_system_packages.sh

install: $(BIN)/.synced system-packages
	$(ENCADENA) neo4j install

run: install
	$(ENCADENA) neo4j start
	$(ENCADENA) migrate
	$(ENCADENA) load-reference
	$(ENCADENA) demo-data --firms $(DEMO_FIRMS)
	$(ENCADENA) keys demo --file .data/demo-keys.env
	$(ENCADENA) users demo --file .data/demo-users.env
	@echo "Páginas para personas: http://127.0.0.1:$(PORT)/app/login  (personas de demostración, de .data/demo-users.env:)"; grep -v '^#' .data/demo-users.env
	@echo "API en http://127.0.0.1:$(PORT) (documentación: /docs) con un worker de trabajos. Detenga con Ctrl-C o 'make stop'."
	@# The job worker runs beside gunicorn (jobs: imports, training, reports, duplicate scans) and stops with it.
	$(ENCADENA) worker --pid-file .data/worker.pid & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	PORT=$(PORT) $(BIN)/gunicorn --config service/gunicorn_conf.py --pid .data/gunicorn.pid "service:create_app()"

stop:
	-@if [ -f .data/gunicorn.pid ]; then kill $$(cat .data/gunicorn.pid) && echo "Servidor de la API detenido."; rm -f .data/gunicorn.pid; fi
	-@if [ -f .data/worker.pid ]; then kill $$(cat .data/worker.pid) && echo "Worker de trabajos detenido."; rm -f .data/worker.pid; fi
	@if [ -x $(ENCADENA) ]; then $(ENCADENA) neo4j stop; fi

test: $(BIN)/.synced system-packages
	$(TEST_ENV) $(ENCADENA) neo4j start
	$(TEST_ENV) $(BIN)/pytest; status=$$?; $(TEST_ENV) $(ENCADENA) neo4j stop; exit $$status

lint: $(BIN)/.synced
	$(BIN)/ruff check .
	$(BIN)/mypy
