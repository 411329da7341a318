# fog-compute: every developer and CI step is a target here. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)
RUN    := .run/up
PYTEST_ARGS ?=

.PHONY: help
help: ## Show this help
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z0-9_-]+:.*## /{printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml constraints.txt
	@hack/ensure-system.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "venv: installing fog-compute[dev,bench] with pinned constraints (log: $(VENV)/pip.log)"
	@$(PY) -m pip install -q --upgrade pip >$(VENV)/pip.log 2>&1 || { echo "pip upgrade failed; read $(VENV)/pip.log"; exit 1; }
	@$(PY) -m pip install -c constraints.txt -e '.[dev,bench]' >>$(VENV)/pip.log 2>&1 || { tail -n 20 $(VENV)/pip.log; echo "pip install failed; read $(VENV)/pip.log"; exit 1; }
	@rm -f $(VENV)/.installed-*; touch $@

.PHONY: venv
venv: $(STAMP) ## Create .venv with the pinned Python dependencies

.PHONY: tools
tools: ## Build (or reuse) the local control plane's binaries from hack/tools
	@hack/build-tools.sh >/dev/null

.PHONY: node
node: ## Build (or reuse) the real node's binaries: kubelet, containerd 2.x, CNI plugins, pause
	@hack/ensure-system.sh
	@hack/build-node.sh >/dev/null

.PHONY: images
images: venv node ## Build (or reuse) the real node's offline images (pause, busybox, operator, edge agent)
	@$(PY) -m fogcompute_testbed.images

.PHONY: native
native: venv ## Build (or reuse) the Rust Sphinx extension fogcompute_mixnode._native
	@hack/build-native.sh >/dev/null

.PHONY: generate
generate: venv ## Regenerate crds/*.yaml and the chart's CRD copies from fogcompute_api
	@$(PY) -m fogcompute_api.crdgen write

.PHONY: verify
verify: venv ## Fail if generated files differ from what the models generate
	@$(PY) -m fogcompute_api.crdgen check

.PHONY: lint
lint: venv ## ruff, ruff format --check, mypy --strict, import-linter
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

.PHONY: test
test: venv tools native node ## Install what is needed, then lint, verify and run unit + integration + e2e tests
	@$(MAKE) -s lint verify
	$(PY) -m pytest $(PYTEST_ARGS)

.PHONY: test-unit
test-unit: venv native ## Unit tests only (no control plane)
	$(PY) -m pytest -m "not integration and not e2e" $(PYTEST_ARGS)

.PHONY: test-e2e
test-e2e: venv tools native node ## End-to-end tier only: the chart running for real on the node host-0
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

.PHONY: up
up: venv tools node ## Start the local control plane, CRDs, operator and samples; Ctrl-C (or make down) stops
	$(PY) -m fogcompute_testbed up --state-dir $(RUN)

.PHONY: down
down: ## Stop everything `make up` started
	@test -x $(PY) && $(PY) -m fogcompute_testbed down --state-dir $(RUN) || true

.PHONY: bench-mixnet
bench-mixnet: venv native ## Sphinx per-hop and throughput benchmark against sphinxmix
	$(PY) bench/bench_mixnet.py

.PHONY: bench-ledger
bench-ledger: venv ## Ledger on a real PostgreSQL: transfers/s vs plain INSERTs, replays/s, verify of 1M entries, settlement
	$(PY) bench/bench_ledger.py

.PHONY: bench-scheduler
bench-scheduler: venv tools ## NSGA-II optimiser and control-plane throughput benchmark
	$(PY) bench/bench_scheduler.py

.PHONY: bench-edge
bench-edge: venv tools ## Edge agent: RSS and CPU per report cycle, revocation latency, N agents' status writes/s
	$(PY) bench/bench_edge.py
