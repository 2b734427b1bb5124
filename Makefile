# The two commands of the README: `make demo` (the lab walkthrough) and `make test` (everything
# CI runs). Both do all set-up themselves through scripts/setup.sh, which is quick when done.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup demo test unit lint sanity build molecule bench lab-up lab-down

help:
	@echo "make demo   - set up, bring up the lab and run the nova-volume walkthrough"
	@echo "make test   - set up and run every test: unit, lint, sanity, build, molecule"

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh

test: setup
	@bash scripts/test.sh

unit: setup
	$(BIN)/python -m pytest -q tests/unit tests/cli lab/tests/unit

lint: setup
	$(BIN)/ansible-lint

# ansible-test wants the collection under ansible_collections/NAMESPACE/NAME; it tests a copy there.
sanity: setup
	bash scripts/sanity.sh

build: setup
	$(BIN)/python -m pytest -q tests/build

# One lab job: make molecule SCENARIO=attach (or SCENARIO=demo); without SCENARIO all of them.
molecule: setup
	@if [ -n "$(SCENARIO)" ]; then bash scripts/lab_job.sh "$(SCENARIO)"; \
	else MOLECULE_ONLY=1 bash scripts/test.sh; fi

# The benchmarks of bench/ (figures for the reader; nothing is asserted on time).
bench: setup
	bash scripts/bench.sh

lab-up: setup
	$(BIN)/ansible-playbook lab/playbooks/lab_up.yml

lab-down: setup
	$(BIN)/ansible-playbook lab/playbooks/lab_down.yml
