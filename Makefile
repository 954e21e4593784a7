# swarmlab: `make lab` builds and runs the lab, `make test` proves it (and cleans up).
# Needs Linux and root (network namespaces, dockerd). See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
include $(ROOT)/tools/toolchain/versions.env

# Every value from outside is data, never make code: make expands a `$(...)` in a variable
# wherever it is used, and also when it exports one given on the command line (a
# `$(shell ...)` in it would run here). So before anything reads them, command-line variables
# become simple variables holding their text exactly as typed, exported as before. This file
# reads a user's value only as typed (`$(value VAR)`), checks it, and passes it on quoted
# (`typed`) or through the environment (`arg`).
empty :=
space := $(empty) $(empty)
comma := ,
tab := $(empty)	$(empty)
define newline


endef
lower := a b c d e f g h i j k l m n o p q r s t u v w x y z
upper := A B C D E F G H I J K L M N O P Q R S T U V W X Y Z
digits := 0 1 2 3 4 5 6 7 8 9
numbers := 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
rest = $(wordlist 2,99,$(1))
# $(call without,TEXT,CHARS): TEXT with each character of the list CHARS taken out.
without = $(if $(2),$(call without,$(subst $(firstword $(2)),,$(1)),$(call rest,$(2))),$(1))
# $(call spaced,TEXT,CHARS): TEXT with a space after each character of CHARS (to count them).
spaced = $(if $(2),$(call spaced,$(subst $(firstword $(2)),$(firstword $(2)) ,$(1)),$(call rest,$(2))),$(1))
# $(call said,VAR): VAR's text as typed, for a message (newline and tab shown as \n, \t).
said = $(subst $(tab),\t,$(subst $(newline),\n,$(value $(1))))
# $(call as_word,VAR): the same with spaces shown as \s: one word (or none) to match.
as_word = $(subst $(space),\s,$(call said,$(1)))
# $(call listed,WORDS): the words separated by commas, for a message.
listed = $(subst $(space),$(comma) ,$(strip $(1)))
# $(call one_of,VAR,LIST): VAR's text when it is exactly one of LIST.
one_of = $(filter $(2),$(call as_word,$(1)))
is_name = $(if $(call without,$(1),$(lower) $(upper) $(digits) _),,$(1))
# Each command-line variable as typed (only names a shell can hold: make exports no others).
$(foreach v,$(filter-out MAKE% MFLAGS GNUMAKEFLAGS,$(.VARIABLES)),$(if $(call is_name,$(v)),\
  $(if $(filter command,$(firstword $(origin $(v)))),\
    $(eval override $(v) := $$(value $(v)))$(eval export $(v)))))
# A variable's text exactly as typed (make expands no `$` in it), as one single-quoted shell
# word.
typed = '$(subst ','\'',$(value $(1)))'
# $(call refuse,VAR,ALLOWED): stop, naming the variable, its value and what is allowed.
refuse = $(error $(1)='$(call said,$(1))' is not valid; allowed: $(2))

# Which lab: its name (LAB), where its hosts come from (BACKEND) and which committed stack
# file describes it (STACK). A lab that is up remembers its backend and stack in lab.env, so
# every target acts on the lab that is up without being told again. Each value is checked
# here, before any target runs: a bad one stops make with a message naming it.
ifeq ($(origin LAB),undefined)
LAB := swarmlab
endif
LAB_FORM := swarmlab (the default: leave LAB out), or 1 to 6 lowercase letters and digits \
            starting with a letter, not swl (the default lab's tag)
lab_ok = $(and $(filter-out swl,$(1)),$(or $(filter swarmlab,$(1)),$(and \
  $(filter $(addsuffix %,$(lower)),$(1)),$(if $(call without,$(1),$(lower) $(digits)),,ok),\
  $(filter 1 2 3 4 5 6,$(words $(call spaced,$(1),$(lower) $(digits)))))))
$(if $(call lab_ok,$(call as_word,LAB)),,$(call refuse,LAB,$(LAB_FORM)))
LAB_DIR := $(if $(filter swarmlab,$(LAB)),$(ROOT)/.lab,$(ROOT)/.lab/labs/$(LAB))
BACKENDS := onebox vm vagrant
# The committed stacks whose names are plain (a-z, 0-9, -): hosts.example is an example.
STACKS := $(strip $(foreach s,$(sort $(patsubst $(ROOT)/stacks/Pulumi.%.yaml,%,\
  $(wildcard $(ROOT)/stacks/Pulumi.*.yaml))),$(if $(call without,$(s),$(lower) $(digits) -),,$(s))))
STACK_FORM := $(call listed,$(STACKS)) (a stacks/Pulumi.<stack>.yaml, named with a-z, 0-9 and -)
# What `make stack` recorded (lab.env: LAB_STACK=<stack>, LAB_BACKEND=<backend>), read as text,
# never included: a changed file cannot add make code, and each value must be one of its list.
LAB_ENV_TEXT := $(if $(wildcard $(LAB_DIR)/lab.env),$(file <$(LAB_DIR)/lab.env))
recorded = $(patsubst $(1)=%,%,$(filter $(1)=%,$(LAB_ENV_TEXT)))
LAB_BACKEND := $(call recorded,LAB_BACKEND)
LAB_STACK := $(call recorded,LAB_STACK)
# $(call check_recorded,KEY,LIST): stop unless lab.env's KEY is absent or exactly one of LIST.
check_recorded = $(if $(and $($(1)),$(or $(word 2,$($(1))),$(if $(filter $(2),$($(1))),,bad))),\
  $(error $(LAB_DIR)/lab.env: $(1) is not one of $(call listed,$(2)): run \
  `make stack LAB=$(LAB)` again, or remove that file))
$(call check_recorded,LAB_BACKEND,$(BACKENDS))
$(call check_recorded,LAB_STACK,$(STACKS))
ifeq ($(origin BACKEND),undefined)
BACKEND := $(or $(LAB_BACKEND),onebox)
endif
$(if $(call one_of,BACKEND,$(BACKENDS)),,$(call refuse,BACKEND,$(call listed,$(BACKENDS))))
ifeq ($(origin STACK),undefined)
STACK := $(or $(LAB_STACK),$(if $(filter vm,$(BACKEND)),vm,local))
endif
$(if $(call one_of,STACK,$(STACKS)),,$(call refuse,STACK,$(STACK_FORM)))
# The one-box hosts' Docker engine: the machine's (system, the default), or Debian's pinned
# 26 or 28 (hosts/onebox/engines.json), fetched into $(SWARMLAB_CACHE)/engines. Left out, a lab that
# is up keeps the engine it was made with (its net.json).
ENGINES := system 26 28
ifneq ($(origin ENGINE),undefined)
$(if $(call one_of,ENGINE,$(ENGINES)),,$(call refuse,ENGINE,$(call listed,$(ENGINES))))
$(if $(and $(filter-out onebox,$(BACKEND)),$(filter-out system,$(ENGINE))),$(error ENGINE=$(ENGINE) \
  is for the one-box hosts (BACKEND=onebox); BACKEND=$(BACKEND) runs its hosts' own Docker))
HOST_CHOICES := --engine=$(call typed,ENGINE)
endif
# The VMs' Debian suite (its kernel, its Docker, its iptables): bookworm, the default, trixie
# or forky. Left out, a lab that is up keeps the suite it was made with.
SUITES := bookworm trixie forky
ifneq ($(origin DEBIAN),undefined)
$(if $(call one_of,DEBIAN,$(SUITES)),,$(call refuse,DEBIAN,$(call listed,$(SUITES))))
$(if $(and $(filter-out vm,$(BACKEND)),$(filter-out bookworm,$(DEBIAN))),$(error DEBIAN=$(DEBIAN) \
  is for the vm backend (BACKEND=vm); BACKEND=$(BACKEND) does not build its hosts from Debian))
HOST_CHOICES += --debian=$(call typed,DEBIAN)
endif
# Hosts: 1 to 32 managers, 0 to 31 workers (the hosts tool checks their sum, at most 32).
MANAGERS ?= 1
WORKERS ?= 1
$(if $(call one_of,MANAGERS,$(wordlist 2,33,$(numbers))),,$(call refuse,MANAGERS,a whole number from 1 to 32))
$(if $(call one_of,WORKERS,$(wordlist 1,32,$(numbers))),,$(call refuse,WORKERS,a whole number from 0 to 31))
# `make bench`: runs of each measurement.
RUNS ?= 3
$(if $(call one_of,RUNS,$(wordlist 2,21,$(numbers))),,$(call refuse,RUNS,a whole number from 1 to 20))
# `make bench-scale`: runs of each point (one 32-node point takes about 5 minutes).
SCALE_RUNS ?= 1
$(if $(call one_of,SCALE_RUNS,$(wordlist 2,21,$(numbers))),,$(call refuse,SCALE_RUNS,a whole number from 1 to 20))
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

# The verbs' own values, exactly as typed (or their defaults), reach the lab tool through the
# environment: a recipe reads each as "$$SWARMLAB_ARG_<VAR>", one shell word in which nothing
# is evaluated (and a newline stays in it, where make would end the recipe line).
NODE ?= all
SERVICE ?=
CMD ?=
IFACE ?= eth1
DURATION ?= 5
FILTER ?=
FORMAT ?= table
export SWARMLAB_ARG_NODE := $(value NODE)
export SWARMLAB_ARG_SERVICE := $(value SERVICE)
export SWARMLAB_ARG_CMD := $(value CMD)
export SWARMLAB_ARG_IFACE := $(value IFACE)
export SWARMLAB_ARG_DURATION := $(value DURATION)
export SWARMLAB_ARG_FILTER := $(value FILTER)
export SWARMLAB_ARG_FORMAT := $(value FORMAT)
export SWARMLAB_ARG_DELAY := $(value DELAY)
export SWARMLAB_ARG_JITTER := $(value JITTER)
export SWARMLAB_ARG_LOSS := $(value LOSS)
export SWARMLAB_ARG_RATE := $(value RATE)
arg = "$$SWARMLAB_ARG_$(1)"

PULUMI := pulumi --cwd $(ROOT) --non-interactive --stack $(call typed,LAB)
LABTOOL := $(PY) -m tools.lab --lab=$(call typed,LAB)

.PHONY: help deps tools hosts hosts-down stack up lab validate destroy status doctor \
        test test-unit lint env bench bench-scale vagrant-lab vagrant-destroy diagram inspect \
        matrix exec capture mutate partition heal node-stop node-start impair unimpair

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
	@echo "make bench-scale  each step by the lab's size: 2-32 nodes, 1-5 managers (SCALE_RUNS=1)"
	@echo "make vagrant-lab      the lab on two Vagrant VMs (vagrant up, pulumi up)"
	@echo "make vagrant-destroy  pulumi destroy on the vagrant lab, then vagrant destroy -f"
	@echo 'eval "$$(make -s env)"   then use pulumi yourself'

deps:
	@$(ROOT)/tools/toolchain/install-deps.sh

tools: deps
	@$(ROOT)/tools/toolchain/install-pulumi.sh >/dev/null

# The stack's LAN first, in its own step: a stack that cannot be read makes no hosts (a
# failed `$$(...)` inside an argument would not stop the recipe, and the hosts would go up on
# the default LAN).
hosts: deps
	$(if $(filter vagrant,$(BACKEND)),@echo "BACKEND=vagrant: Vagrant makes these hosts: run \
	  make vagrant-lab" >&2; exit 1)
	@subnet=$$($(LABTOOL) subnet --stack=$(call typed,STACK)); \
	  $(PY) -m hosts up --backend=$(call typed,BACKEND) --managers=$(call typed,MANAGERS) \
	  --workers=$(call typed,WORKERS) --subnet="$$subnet" $(HOST_CHOICES)

hosts-down:
	@if [ -x $(PY) ]; then $(PY) -m hosts down; fi

stack: tools
	@$(LABTOOL) stack --stack=$(call typed,STACK) --backend=$(call typed,BACKEND)

# Pulumi.yaml has `refresh: always`: every up first reads what is really there.
# The summary after it forgets the manual impairments (make impair) that the stack's links
# (swarmlab:links) replaced.
up: stack
	@$(PULUMI) up --yes --skip-preview --suppress-progress --suppress-outputs
	@$(LABTOOL) summary --after-up

lab: hosts up

# The built-in suite, then the stack's declared checks (swarmlab:validate): one after the
# other, because the suite's captures count the packets on the hosts' LAN and the checks'
# traffic would be counted too. The checks' own command exits 0 all passed, 1 a check failed,
# 2 none declared, 3 warnings only: here only a failure fails (make turns it into its own
# exit code 2).
validate: deps
	@$(LABTOOL) require
	@rc=0; $(PY) -m pytest $(ROOT)/tests/lab -q \
	  || rc=1; $(LABTOOL) validate --stack=$(call typed,STACK) || case $$? in 2|3) ;; *) rc=1;; esac; \
	  exit $$rc

# Who reaches whom on every network, by name and by address: printed and written to
# $(LAB_DIR)/reachability.md.
matrix: deps
	@$(LABTOOL) matrix

# A command on the hosts, or in every task of a service, exactly as typed, run by `sh -c`
# and ended after tools/lab/execute.py's EXEC_SECONDS (120 s):
#   make exec NODE=all CMD='docker ps'      make exec SERVICE=web CMD='ip -4 addr'
exec: deps
	@$(LABTOOL) exec --node=$(call arg,NODE) --service=$(call arg,SERVICE) --cmd=$(call arg,CMD)

# Packets on a host's interface: a pcap under $(LAB_DIR)/captures and a one-line summary.
#   make capture NODE=worker IFACE=eth1 DURATION=5 FILTER='udp port 4789'
capture: deps
	@$(LABTOOL) capture --node=$(call arg,NODE) --iface=$(call arg,IFACE) \
	  --duration=$(call arg,DURATION) --filter=$(call arg,FILTER)

# Faults (tools/lab/faults.py): cut hosts from the rest of the lab LAN, every kind of
# traffic, both ways; each call adds a partition. `make heal` removes them all.
#   make partition NODE=worker      make partition NODE=manager2,manager3      make heal
partition: deps
	@$(LABTOOL) partition --node=$(call arg,NODE)

heal: deps
	@$(LABTOOL) heal

# netem on a host's LAN interface (any subset of the values; refused naming sch_netem where
# the kernel has none, as on the one-box hosts):
#   make impair NODE=worker DELAY=100ms JITTER=10ms LOSS=5% RATE=10mbit   make unimpair NODE=worker
impair: deps
	@$(LABTOOL) impair --node=$(call arg,NODE) --delay=$(call arg,DELAY) \
	  --jitter=$(call arg,JITTER) --loss=$(call arg,LOSS) --rate=$(call arg,RATE)

unimpair: deps
	@$(LABTOOL) unimpair --node=$(call arg,NODE)

# A node failure: that host's dockerd stopped (the host stays up and reachable), or started.
node-stop: deps
	@$(PY) -m hosts node-stop -- $(call arg,NODE)

node-start: deps
	@$(PY) -m hosts node-start -- $(call arg,NODE)

# The lab down from any state (tools/lab/destroy.py): `pulumi destroy`, and where it cannot
# finish, the hosts the hosts tool made taken down by what it recorded; then the lab's stack
# and files. Exits 0 only when nothing of the lab is left (the cached tools and VM image stay
# in $(SWARMLAB_CACHE)).
destroy: deps
	@$(LABTOOL) destroy

status: deps
	@$(PY) -m hosts status
	@$(LABTOOL) summary

# Times the lab against the raw docker CLI and across 1, 2, 4, 8 workers (bench/results.md).
bench: tools
	@$(PY) -m bench.run --runs=$(call typed,RUNS)

# Each step (raw CLI, pulumi up, make validate, pulumi destroy) for 2, 4, 8, 16 and 32 nodes
# with one manager and for 1, 3 and 5 managers at 8 nodes (bench/results.md, scaling.png).
bench-scale: tools
	@$(PY) -m bench.scale --runs=$(call typed,SCALE_RUNS)

doctor: deps
	@$(PY) -m hosts doctor

# The lab as it runs, read live from every host: a table, or FORMAT=json (docs/inspect.md).
inspect: deps
	@$(LABTOOL) inspect --format=$(call arg,FORMAT)

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
	@if [ -x "$(TOOLS_BIN)/pulumi" ] && [ -f "$(ROOT)/.lab/stacks/Pulumi.$(LAB).yaml" ]; then \
	  $(PULUMI) destroy --yes --skip-preview --suppress-progress; fi
	@cd $(ROOT) && $(VAGRANT) destroy -f

# Mutation testing of the packages that hold the lab's guarantees (docs/testing.md): mutmut 3
# over the root-free tests, the score per package printed and written to .lab/mutate/scores.md.
# Not part of `make test` (it takes tens of minutes). MUTANTS='hosts.topology*' runs only
# the mutants whose names match.
MUTANTS ?=
mutate: deps
	@$(PY) -m tools.mutate --mutants=$(call typed,MUTANTS)
