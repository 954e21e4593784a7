# swarmlab: `make lab` builds and runs the lab, `make test` proves it (and cleans up).
# Needs Linux and root (network namespaces, dockerd). See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
include $(ROOT)/tools/toolchain/versions.env

# Which lab: its name (LAB), where its hosts come from (BACKEND) and which committed stack
# file describes it (STACK). A lab that is up remembers its backend and stack in lab.env, so
# every target acts on the lab that is up without being told again.
LAB ?= swarmlab
LAB_DIR := $(if $(filter swarmlab,$(LAB)),$(ROOT)/.lab,$(ROOT)/.lab/labs/$(LAB))
-include $(LAB_DIR)/lab.env
BACKEND ?= $(or $(LAB_BACKEND),onebox)
STACK ?= $(or $(LAB_STACK),$(if $(filter vm,$(BACKEND)),vm,local))
MANAGERS ?= 1
WORKERS ?= 1
PY := $(ROOT)/.venv/bin/python
SWARMLAB_CACHE ?= $(HOME)/.cache/swarmlab
TOOLS_BIN := $(SWARMLAB_CACHE)/tools/pulumi-v$(PULUMI_VERSION)/bin

# One environment for every target and for `eval "$(make -s env)"`: the pinned tools
# first, state in a local file backend under .lab/, the lab's own random passphrase (a
# PULUMI_CONFIG_PASSPHRASE of your own wins), no Pulumi Cloud, no update checks, no
# plugin downloads.
export PATH := $(TOOLS_BIN):$(ROOT)/.venv/bin:$(PATH)
export SWARMLAB_ROOT := $(ROOT)
export SWARMLAB_LAB := $(LAB)
export SWARMLAB_LAB_DIR := $(LAB_DIR)
export PULUMI_HOME := $(ROOT)/.lab/pulumi-home
export PULUMI_BACKEND_URL := file://$(ROOT)/.lab/state
# Always the lab's own file, even under a make of another lab (`make test` runs its labs so).
export PULUMI_CONFIG_PASSPHRASE_FILE := $(LAB_DIR)/passphrase
# A plain `pulumi up` after `eval "$(make -s env)"` acts on this lab's stack, whichever stack
# another lab selected last.
export PULUMI_STACK := $(LAB)
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_SKIP_CONFIRMATIONS := true
# Every resource of a refresh read at once: each read is an SSH round trip that mostly waits.
export PULUMI_PARALLEL ?= 32
export SWARMLAB_PULUMI_VERSION := $(PULUMI_VERSION)
export SWARMLAB_MANAGERS := $(MANAGERS)
export SWARMLAB_WORKERS := $(WORKERS)

# A variable's text exactly as typed on the command line (make expands no `$` in it), as one
# single-quoted shell word.
typed = '$(subst ','\'',$(value $(1)))'

PULUMI := pulumi --cwd $(ROOT) --non-interactive --stack $(LAB)
LABTOOL := $(PY) -m tools.lab --lab $(LAB)

.PHONY: help deps tools hosts hosts-down stack up lab validate destroy status doctor \
        test test-unit lint env bench vagrant-lab vagrant-destroy diagram inspect \
        matrix exec capture

help:
	@echo "make lab       deps + tools + hosts + pulumi up (the whole lab)"
	@echo "make validate  prove the running lab (testinfra)"
	@echo "make destroy   pulumi destroy, then hosts down"
	@echo "make test      everything from scratch: unit, hosts, lab lifecycle; cleans up"
	@echo "make status    hosts, swarm nodes, networks, services"
	@echo "make inspect   the running lab, read live: nodes, networks, services, tasks, containers"
	@echo "               (FORMAT=json: one JSON document, docs/inspect.md)"
	@echo "make diagram   draw the running lab: .lab/diagram.svg, .png and .mmd (Mermaid)"
	@echo "make matrix    who reaches whom on every network, by name and by address"
	@echo "make exec NODE=all|manager|worker CMD='...'   (or SERVICE=web): run a command"
	@echo "make capture NODE=worker IFACE=eth1 DURATION=5 FILTER='udp port 4789'"
	@echo "make bench     time the lab against the raw docker CLI, and 1-8 workers"
	@echo "make vagrant-lab      the lab on two Vagrant VMs (vagrant up, pulumi up)"
	@echo "make vagrant-destroy  pulumi destroy on the vagrant lab, then vagrant destroy -f"
	@echo 'eval "$$(make -s env)"   then use pulumi yourself'

deps:
	@$(ROOT)/tools/toolchain/install-deps.sh

tools: deps
	@$(ROOT)/tools/toolchain/install-pulumi.sh >/dev/null

hosts: deps
	@$(PY) -m hosts up --backend $(BACKEND) --managers $(MANAGERS) --workers $(WORKERS) \
	  --subnet "$$($(LABTOOL) subnet --stack $(STACK))"

hosts-down:
	@if [ -x $(PY) ]; then $(PY) -m hosts down; fi

stack: tools
	@$(LABTOOL) stack --stack $(STACK) --backend $(BACKEND)

# Pulumi.yaml has `refresh: always`: every up first reads what is really there.
up: stack
	@$(PULUMI) up --yes --skip-preview --suppress-progress --suppress-outputs
	@$(LABTOOL) summary

lab: hosts up

# The built-in suite, then the stack's declared checks (swarmlab:validate). The checks'
# own command exits 0 all passed, 1 a check failed, 2 none declared, 3 warnings only: here
# only a failure fails (make turns it into its own exit code 2).
validate: deps
	@$(LABTOOL) require
	@rc=0; $(PY) -m pytest $(ROOT)/tests/lab -q \
	  || rc=1; $(LABTOOL) validate --stack $(STACK) || case $$? in 2|3) ;; *) rc=1;; esac; \
	  exit $$rc

# Who reaches whom on every network, by name and by address: printed and written to
# $(LAB_DIR)/reachability.md.
matrix: deps
	@$(LABTOOL) matrix

# A command on the hosts, or in every task of a service, exactly as typed:
#   make exec NODE=all CMD='docker ps'      make exec SERVICE=web CMD='ip -4 addr'
NODE ?= all
SERVICE ?=
exec: deps
	@$(LABTOOL) exec --node $(call typed,NODE) --service $(call typed,SERVICE) --cmd $(call typed,CMD)

# Packets on a host's interface: a pcap under $(LAB_DIR)/captures and a one-line summary.
#   make capture NODE=worker IFACE=eth1 DURATION=5 FILTER='udp port 4789'
IFACE ?= eth1
DURATION ?= 5
FILTER ?=
capture: deps
	@$(LABTOOL) capture --node $(call typed,NODE) --iface $(call typed,IFACE) \
	  --duration $(call typed,DURATION) --filter $(call typed,FILTER)

# pulumi destroy, the hosts down, then the lab's stack and files: nothing of the lab is
# left (the cached tools and VM image stay in $(SWARMLAB_CACHE)).
destroy: deps
	@if [ ! -f $(LAB_DIR)/inventory.json ] && [ ! -f $(ROOT)/.lab/stacks/Pulumi.$(LAB).yaml ]; then \
	  echo "no lab $(LAB) to destroy: it has no hosts and no stack ($(LAB_DIR))" >&2; exit 1; fi
	@if [ -x $(TOOLS_BIN)/pulumi ] && [ -f $(ROOT)/.lab/stacks/Pulumi.$(LAB).yaml ]; then \
	  $(PULUMI) destroy --yes --skip-preview --suppress-progress || \
	  { echo "destroy failed: fix the message above and run make destroy again" >&2; exit 1; }; fi
	@$(MAKE) --no-print-directory hosts-down
	@$(LABTOOL) forget

status: deps
	@$(PY) -m hosts status
	@$(LABTOOL) summary

# Times the lab against the raw docker CLI and across 1, 2, 4, 8 workers (bench/results.md).
RUNS ?= 3
bench: tools
	@$(PY) -m bench.run --runs $(RUNS)

doctor: deps
	@$(PY) -m hosts doctor

# The lab as it runs, read live from every host: a table, or FORMAT=json (docs/inspect.md).
FORMAT ?= table
inspect: deps
	@$(LABTOOL) inspect --format $(FORMAT)

diagram: deps
	@$(LABTOOL) diagram

lint: deps
	@$(PY) -m ruff check $(ROOT)
	@$(PY) -m mypy $(ROOT)/modules $(ROOT)/hosts $(ROOT)/tools $(ROOT)/bench $(ROOT)/__main__.py

test-unit: deps
	@$(PY) -m pytest $(ROOT)/tests -m "not lab and not hosts" -q

# The README's test command, and what CI runs: from a fresh clone it installs what it
# needs, builds or reuses the tools, and runs every test level on labs of the suite's own
# (their own names and LANs: a user's lab that is up is left alone). None of them is left
# behind, even when a test fails.
test: tools lint
	@mkdir -p $(ROOT)/.lab
	@rc=0; SWARMLAB_BUILD_LAB=1 $(PY) -m pytest $(ROOT)/tests -q -p no:cacheprovider \
	  --junitxml=$(ROOT)/.lab/report.xml || rc=$$?; \
	  $(PY) -m tests.support.cleanup || rc=1; exit $$rc

env:
	@echo 'export PATH="$(PATH)"'
	@echo 'export SWARMLAB_ROOT="$(SWARMLAB_ROOT)" SWARMLAB_LAB="$(LAB)" SWARMLAB_LAB_DIR="$(LAB_DIR)"'
	@echo 'export PULUMI_HOME="$(PULUMI_HOME)" PULUMI_BACKEND_URL="$(PULUMI_BACKEND_URL)"'
	@echo 'export PULUMI_CONFIG_PASSPHRASE_FILE="$(PULUMI_CONFIG_PASSPHRASE_FILE)" PULUMI_STACK="$(PULUMI_STACK)"'
	@echo 'export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_PARALLEL=$(PULUMI_PARALLEL)'
	@echo 'export SWARMLAB_PULUMI_VERSION=$(PULUMI_VERSION)'

# The lab on Vagrant VMs (docs/vagrant-and-ssh-hosts.md): VMs up, then pulumi up on the
# vagrant stack.
VAGRANT := VAGRANT_CHECKPOINT_DISABLE=1 vagrant

vagrant-lab: tools
	@cd $(ROOT) && $(VAGRANT) up
	@$(MAKE) --no-print-directory up STACK=vagrant BACKEND=vagrant

vagrant-destroy:
	@if [ -x $(TOOLS_BIN)/pulumi ] && [ -f $(ROOT)/.lab/stacks/Pulumi.$(LAB).yaml ]; then \
	  $(PULUMI) destroy --yes --skip-preview --suppress-progress; fi
	@cd $(ROOT) && $(VAGRANT) destroy -f
