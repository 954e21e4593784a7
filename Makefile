# swarmlab: `make lab` builds and runs the lab, `make test` proves it (and cleans up).
# Needs Linux and root (network namespaces, dockerd). See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
include $(ROOT)/tools/versions.env

STACK ?= local
MANAGERS ?= 1
WORKERS ?= 1
PY := $(ROOT)/.venv/bin/python
SWARMLAB_CACHE ?= $(HOME)/.cache/swarmlab
TOOLS_BIN := $(SWARMLAB_CACHE)/tools/pulumi-v$(PULUMI_VERSION)/bin

# One environment for every target and for `eval "$(make -s env)"`: the pinned
# tools first, state in a local file backend under .lab/, no Pulumi Cloud, no
# update checks, no plugin downloads.
export PATH := $(TOOLS_BIN):$(ROOT)/tools/bin:$(ROOT)/.venv/bin:$(PATH)
export PULUMI_HOME := $(ROOT)/.lab/pulumi-home
export PULUMI_BACKEND_URL := file://$(ROOT)/.lab/state
# The local lab's documented default; set your own in the environment to override.
export PULUMI_CONFIG_PASSPHRASE ?= swarmlab-local-lab
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_SKIP_CONFIRMATIONS := true
export SWARMLAB_PULUMI_VERSION := $(PULUMI_VERSION)
export SWARMLAB_MANAGERS := $(MANAGERS)
export SWARMLAB_WORKERS := $(WORKERS)

PULUMI := pulumi --cwd $(ROOT) --non-interactive --stack $(STACK)

.PHONY: help deps tools hosts hosts-down stack up lab validate destroy status doctor \
        test test-unit lint env clean bench vagrant-lab vagrant-destroy diagram

help:
	@echo "make lab       deps + tools + hosts + pulumi up (the whole lab)"
	@echo "make validate  prove the running lab (testinfra)"
	@echo "make destroy   pulumi destroy, then hosts down"
	@echo "make test      everything from scratch: unit, hosts, lab lifecycle; cleans up"
	@echo "make status    hosts, swarm nodes, networks, services"
	@echo "make diagram   draw the running lab: .lab/diagram.svg and .lab/diagram.png"
	@echo "make bench     time the lab against the raw docker CLI, and 1-8 workers"
	@echo "make vagrant-lab      the lab on two Vagrant VMs (vagrant up, host keys, pulumi up)"
	@echo "make vagrant-destroy  pulumi destroy on stack vagrant, then vagrant destroy -f"
	@echo 'eval "$$(make -s env)"   then use pulumi yourself'

deps:
	@$(ROOT)/tools/install-deps.sh

tools: deps
	@$(ROOT)/tools/install-pulumi.sh >/dev/null

hosts: deps
	@$(PY) -m hosts up --managers $(MANAGERS) --workers $(WORKERS)

hosts-down:
	@if [ -x $(PY) ]; then $(PY) -m hosts down; fi

stack: tools
	@mkdir -p $(ROOT)/.lab/state $(PULUMI_HOME)
	@pulumi --cwd $(ROOT) stack select --create $(STACK) --non-interactive >/dev/null

up: stack
	@$(PULUMI) up --yes --skip-preview --refresh --suppress-progress --suppress-outputs
	@$(PY) -m tools.summary $(STACK)

lab: hosts up

validate:
	@$(PY) -m pytest $(ROOT)/tests/lab -m "lab and not reliability and not lifecycle" -q

destroy:
	@if [ -x $(TOOLS_BIN)/pulumi ] && [ -d $(ROOT)/.lab/state/.pulumi ]; then \
	  $(PULUMI) destroy --yes --skip-preview --suppress-progress || \
	  { echo "destroy failed: fix the message above and run make destroy again"; exit 1; }; fi
	@$(MAKE) --no-print-directory hosts-down

status:
	@$(PY) -m hosts status
	@if [ -d $(ROOT)/.lab/state/.pulumi ]; then $(PY) -m tools.summary $(STACK); fi

# Times the lab against the raw docker CLI and across 1, 2, 4, 8 workers (bench/results.md).
RUNS ?= 3
bench: tools
	@$(PY) -m bench.run --runs $(RUNS)

diagram: deps
	@$(PY) -m tools.diagram --stack $(STACK) --out $(ROOT)/.lab/diagram

doctor: deps
	@$(PY) -m hosts doctor

lint: deps
	@$(PY) -m ruff check $(ROOT)
	@$(PY) -m mypy $(ROOT)/modules $(ROOT)/hosts $(ROOT)/tools $(ROOT)/__main__.py

test-unit: deps
	@$(PY) -m pytest $(ROOT)/tests -m "not lab and not hosts and not lifecycle" -q

# The README's test command, and what CI runs: from a fresh clone it installs
# what it needs, builds or reuses the tools, runs every test level, and leaves
# no hosts behind (hosts down runs even when a test fails).
test: tools lint stack
	@mkdir -p $(ROOT)/.lab
	@rc=0; SWARMLAB_BUILD_LAB=1 $(PY) -m pytest $(ROOT)/tests -q -p no:cacheprovider \
	  --junitxml=$(ROOT)/.lab/report.xml || rc=$$?; \
	  $(MAKE) --no-print-directory hosts-down; exit $$rc

env:
	@echo 'export PATH="$(PATH)"'
	@echo 'export PULUMI_HOME="$(PULUMI_HOME)" PULUMI_BACKEND_URL="$(PULUMI_BACKEND_URL)"'
	@echo 'export PULUMI_CONFIG_PASSPHRASE="$${PULUMI_CONFIG_PASSPHRASE:-$(PULUMI_CONFIG_PASSPHRASE)}"'
	@echo 'export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true'
	@echo 'export SWARMLAB_PULUMI_VERSION=$(PULUMI_VERSION)'

clean: destroy
	rm -rf $(ROOT)/.lab

# The lab on Vagrant VMs (docs/vagrant-and-ssh-hosts.md): VMs up, their host keys
# into .lab/vagrant_known_hosts, then pulumi up on stack vagrant. WORKERS=N makes
# N workers (list them in stacks/Pulumi.vagrant.yaml too).
VAGRANT := VAGRANT_CHECKPOINT_DISABLE=1 vagrant
VAGRANT_ADDRESSES = $(foreach i,$(shell seq 0 $(WORKERS)),192.168.1.$(shell echo $$((10 + $(i)))))

vagrant-lab: tools
	@cd $(ROOT) && $(VAGRANT) up
	@mkdir -p $(ROOT)/.lab
	@ssh-keyscan -T 10 -t ed25519 $(VAGRANT_ADDRESSES) 2>/dev/null >$(ROOT)/.lab/vagrant_known_hosts.tmp
	@test "$$(wc -l <$(ROOT)/.lab/vagrant_known_hosts.tmp)" -eq $(words $(VAGRANT_ADDRESSES)) || \
	  { echo "ssh-keyscan did not get a key from every VM ($(VAGRANT_ADDRESSES))"; exit 1; }
	@mv $(ROOT)/.lab/vagrant_known_hosts.tmp $(ROOT)/.lab/vagrant_known_hosts
	@$(MAKE) --no-print-directory up STACK=vagrant

vagrant-destroy:
	@if [ -x $(TOOLS_BIN)/pulumi ] && [ -d $(ROOT)/.lab/state/.pulumi ] && \
	  pulumi --cwd $(ROOT) --non-interactive --stack vagrant stack --show-name >/dev/null 2>&1; then \
	  pulumi --cwd $(ROOT) --non-interactive --stack vagrant destroy --yes --skip-preview \
	    --suppress-progress; fi
	@cd $(ROOT) && $(VAGRANT) destroy -f
	@rm -f $(ROOT)/.lab/vagrant_known_hosts
