# Distribution platform: the two commands a newcomer needs are `make run` and
# `make test`.  Everything else here is what they call, or developer tooling.
# PYTHON must be the interpreter that runs Odoo 19 (it is found by `import odoo`).

PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
LOCAL := .local
PIP_FLAGS ?= --disable-pip-version-check --quiet

.DEFAULT_GOAL := help
.PHONY: help deps test-deps check-odoo setup run test test-pytest test-odoo lint wheels pot \
        demo bench bench-excursion bench-edi bench-edi-e2e bench-release bench-ingest bench-proxy \
        bench-dashboard bench-risk bench-site-dashboard bench-soap bench-telemetry-volume simulate docker-up docker-down clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# --- set-up (idempotent: pip runs again only when a requirements file changed)
$(LOCAL)/deps.stamp: requirements.txt requirements-odoo-addons.txt
	@mkdir -p $(LOCAL)
	$(PIP) install $(PIP_FLAGS) -r requirements.txt
	$(PIP) install $(PIP_FLAGS) --no-deps -r requirements-odoo-addons.txt
	@touch $@

$(LOCAL)/test-deps.stamp: requirements-test.txt requirements-build.txt $(LOCAL)/deps.stamp
	$(PIP) install $(PIP_FLAGS) -r requirements-test.txt
	@touch $@

deps: $(LOCAL)/deps.stamp  ## install our Python dependencies into $(PYTHON)

test-deps: $(LOCAL)/test-deps.stamp  ## install the test dependencies too

check-odoo:  ## check that Odoo 19 is importable by $(PYTHON)
	@$(PYTHON) scripts/stack.py check-odoo

setup: deps  ## dependencies, database with our addons, demo network (no server)
	$(PYTHON) scripts/stack.py setup

# --- the two commands
run: deps  ## set up what is missing, then run Odoo and our services until Ctrl-C
	$(PYTHON) scripts/stack.py run

test: test-deps  ## the whole suite: pytest, Odoo suite with tours, peer stages (PEER=0 skips those)
	$(PYTHON) scripts/run_tests.py $(if $(filter 0,$(PEER)),--no-peer)

# --- parts of the suite
test-pytest: test-deps  ## pytest suites only (ARGS="-k mkt" to select)
	$(PYTHON) scripts/run_tests.py --no-odoo -- $(ARGS)

test-odoo: test-deps  ## Odoo suite only (TAGS=/coldchain_sites to select; PEER=0 skips the peer stages)
	$(PYTHON) scripts/run_tests.py --no-pytest $(if $(TAGS),--odoo-tags $(TAGS)) $(if $(filter 0,$(PEER)),--no-peer)

test-peer: test-deps  ## peer stages only: Odoo's own stock/sale_stock/purchase_stock tests with ours
	$(PYTHON) scripts/run_tests.py --no-pytest --peer-only

$(LOCAL)/lint-deps.stamp:
	@mkdir -p $(LOCAL)
	$(PIP) install $(PIP_FLAGS) pre-commit
	@touch $@

lint: $(LOCAL)/lint-deps.stamp  ## ruff + pylint-odoo through pre-commit
	$(PYTHON) -m pre_commit run --all-files

pot: deps  ## regenerate each addon's i18n/<addon>.pot (throw-away database) and merge its .po files
	$(PYTHON) scripts/i18n.py pot

$(LOCAL)/build-deps.stamp: requirements-build.txt
	@mkdir -p $(LOCAL)
	$(PIP) install $(PIP_FLAGS) -r requirements-build.txt
	@touch $@

wheels: $(LOCAL)/build-deps.stamp  ## a wheel per addon (odoo-addon-<addon>, OCA's whool) into dist/, from a clean clone of HEAD
	$(PYTHON) scripts/build_wheels.py --outdir dist

demo: deps  ## (re)load the demo network at SCALE (default 1) into DB_NAME
	$(PYTHON) scripts/stack.py setup --scale $(or $(SCALE),1)

# --- benchmarks: each prints its figure as its last line
bench: bench-excursion bench-edi bench-release bench-ingest bench-proxy bench-site-dashboard  ## all benchmarks

bench-excursion: deps  ## excursion engine: 10 M readings, 2,000 sensors vs a Python loop
	$(PYTHON) bench/bench_excursion.py

bench-edi: test-deps  ## EDI codec: 20 MB of 940/945 vs pyx12's raw reader
	$(PYTHON) bench/bench_edi.py

bench-edi-e2e: deps  ## incoming 945s end to end (N deliveries x 3 lines, N=1000) vs plain ORM validation
	$(PYTHON) bench/bench_edi_e2e.py --deliveries $(or $(N),1000)

bench-dashboard: deps  ## dashboard data call and refresh on N historical orders (N=100000, COPY filler)
	$(PYTHON) bench/bench_dashboard.py --orders $(or $(N),100000) $(ARGS)

bench-risk: deps  ## at-risk score backtest vs a backlog-only baseline (replayed history)
	$(PYTHON) bench/bench_risk.py $(ARGS)

bench-ingest: deps  ## telemetry ingestion: R readings through Mosquitto into PostgreSQL (R=200000; ARGS=--batched)
	$(PYTHON) bench/bench_ingest.py --readings $(or $(R),200000) $(ARGS)

bench-proxy: test-deps  ## partners vs Odoo --workers=2, with and without nginx: slow clients, burst of 50
	$(PYTHON) bench/bench_proxy.py

bench-site-dashboard: deps  ## site dashboard data call: 50 sites x 40 sensors, a month of 1-minute readings
	$(PYTHON) bench/bench_site_dashboard.py $(ARGS)

simulate: deps  ## publish the registered cold-chain network's telemetry (gateway simulator)
	$(PYTHON) addons/coldchain_sites/tools/gateway_simulator.py -c $(LOCAL)/odoo.conf $(ARGS)

bench-soap: deps  ## SOAP calls through wms_bridge (mapping + logging) vs zeep alone (N=2000)
	$(PYTHON) bench/bench_soap.py --calls $(or $(N),2000)

bench-telemetry-volume: deps  ## telemetry at volume: ROWS readings by COPY (default 100 M), ingest full/empty, eval lag, backfill, evidence queries
	$(PYTHON) bench/bench_telemetry_volume.py --rows $(or $(ROWS),100000000) $(ARGS)

bench-release: deps  ## order pipeline vs plain confirm: N orders x 5 lines over 20 sites (N=1000)
	$(PYTHON) bench/bench_release.py --orders $(or $(N),1000)

# --- Docker: the production-like path
docker-up:  ## build and start the Docker stack (nginx, Odoo, PostgreSQL, Mosquitto)
	docker compose -f docker/docker-compose.yml up --build

docker-down:  ## stop the Docker stack
	docker compose -f docker/docker-compose.yml down

clean:  ## remove generated local state (.local: configuration, stamps, logs) and dist/
	rm -rf $(LOCAL) dist
