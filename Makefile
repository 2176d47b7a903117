# labforge.virt — developer and CI entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
PYTHON      ?= python3
BIN         := $(CURDIR)/$(VENV)/bin
REQS        := requirements.txt requirements-test.txt
STAMP       := $(VENV)/.installed-$(shell cat $(REQS) 2>/dev/null | sha256sum | cut -c1-12)
# The default pair (ansible-core 2.19, Python 3.11) is .venv. Each requirements-coreLINE.txt adds
# a pair on which sanity and unit run too, from .venv-coreLINE (tools/ci/core-venv, cached by hash);
# a pair whose Python this machine lacks is reported as skipped.
CORE_LINES  := $(sort $(patsubst requirements-core%.txt,%,$(wildcard requirements-core*.txt)))
# Unit tests run on every pair; ansible-test sanity on the default and the newest one only (what
# sanity checks differs little between neighbouring lines; each line costs minutes of test venvs).
SANITY_LINES := $(lastword $(CORE_LINES))
COLL_ROOT   := $(CURDIR)/.build/collections
COLL_LINK   := $(COLL_ROOT)/ansible_collections/labforge/virt
SUMMARY     := $(CURDIR)/.build/test-summary.txt
# Debian suites: every scenario runs on LABFORGE_SUITE (default trixie, Debian 13); the container
# scenarios docker_host, docker_registry and kvm_host pin one instance to bookworm (Debian 12) in
# the same run. `LABFORGE_SUITE=bookworm make molecule-kernel` runs a scenario on Debian 12 alone.
# Scenarios run in this order, the longest first (in `make test` both lanes take container
# scenarios from one queue, and the longest first lets them finish together); any other scenario
# directory runs after them.
SCENARIO_ORDER := lab kvm_host docker_host docker_registry databases kernel shared_volume_nfs
SCENARIOS   ?= $(filter $(notdir $(wildcard molecule/*)),$(SCENARIO_ORDER)) \
               $(filter-out $(SCENARIO_ORDER),$(notdir $(wildcard molecule/*)))
# make test runs every scenario but these: shared_volume_nfs boots two more emulated VMs (about 25
# minutes of a second core) and does not fit CI's 90 minutes beside the rest. `make test-nfs` (or
# `make test TEST_SKIP=`) runs it; `make molecule` runs every scenario.
TEST_SKIP   ?= shared_volume_nfs
TEST_SCENARIOS := $(filter-out $(TEST_SKIP),$(SCENARIOS))
# The scenarios that boot VMs under TCG. An emulated VM keeps about one core busy, so `make test`
# runs them in a lane of their own beside the other stages, all at once (tools/ci/vm-lane, one log
# each, VM_LANE_LOG-<scenario>.log, shown at the end); they load the tiny lab image, so they start
# once the images stage is done (a few seconds when the images are cached).
VM_SCENARIOS := $(filter kernel shared_volume_nfs,$(TEST_SCENARIOS))
VM_LANE_LOG := $(CURDIR)/.build/vm-lane
# Where Molecule's VM destroy keeps each VM's serial console and qemu state (.config/molecule/vm/vm-stop.yml), printed
# when the VM lane failed or ran a scenario again (tools/ci/vm-lane).
VM_CONSOLES := $(CURDIR)/.build/vm-consoles
# The container scenarios both lanes share (tools/ci/scenario-queue), and the claims of this run.
QUEUED_SCENARIOS := $(filter-out $(VM_SCENARIOS),$(TEST_SCENARIOS))
QUEUE_CLAIMS := $(CURDIR)/.build/queue-claims
# The other stages run niced: an emulated VM slows down several times when it competes for the CPU
# (every task is a Python start inside TCG), while the other stages only lose the share it takes.
MAIN_LANE   := nice -n 10 tools/ci/stage
IMAGES_RC   := $(CURDIR)/.build/images.rc
# Molecule runs on the newest ansible-core pair (tools/ci/molecule-venv; .venv when its Python is missing).
export MOLECULE := $(CURDIR)/tools/ci/molecule

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export LABFORGE_SUMMARY := $(SUMMARY)
export PY_COLORS := 0
export ANSIBLE_NOCOLOR := 1
export NO_COLOR := 1

.PHONY: help venv link docker images lint yamllint ansible-lint sanity unit galaxy docs-lint docs awx-project ee \
        molecule molecule-% test test-nfs lab lab-full lab-down preflight bench changelog clean

help:  ## List the targets
	@grep -hE '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-test.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)  ## Create .venv with ansible-core 2.19, the collections, molecule, linters

link:  ## Make this checkout resolve as labforge.virt (.build/collections)
	@mkdir -p $(dir $(COLL_LINK)) && ln -sfn $(CURDIR) $(COLL_LINK)

docker:  ## Make sure a Docker engine answers (installs docker.io and starts dockerd if needed)
	@tools/lab/ensure-docker

images: docker  ## Build the lab images locally, trixie and bookworm (cached by recipe hash)
	@tools/lab/build-images

yamllint: venv
	yamllint --strict .

ansible-lint: venv link
	ansible-lint --profile production --offline

lint: yamllint ansible-lint  ## yamllint + ansible-lint --profile production

sanity: venv  ## ansible-test sanity on the collection (no ignore files)
	@tools/ci/sanity

unit: venv link  ## pytest tests/unit
	python -m pytest -q tests/unit

sanity-core%: link  ## ansible-test sanity on another ansible-core line, e.g. sanity-core2.21
	@tools/ci/sanity --core $*

unit-core%: link  ## pytest tests/unit on another ansible-core line, e.g. unit-core2.20
	@tools/ci/unit --core $*

galaxy: venv  ## Build the collection, install it offline into a fresh path, resolve it by FQCN
	@tools/ci/galaxy-check

galaxy-core%: link  ## Install the built collection with another ansible-core line and run preflight, e.g. galaxy-core2.21
	@tools/ci/galaxy-install-check --core $*

docs-lint: venv link  ## Docs and packaging: antsibull-docs lint, tarball content, galaxy-importer (offline), FQCNs vs declared minimums
	antsibull-docs lint-collection-docs --plugin-docs .
	@tools/ci/package-check
	@tools/ci/galaxy-importer-check
	@tools/ci/fqcn-check

docs: venv link  ## HTML docs (antsibull-docs + Sphinx) in .build/docs/build/html, checked in headless Chromium
	@tools/ci/docs-build $(CURDIR)/.build/docs
	@tools/ci/docs-html-check $(CURDIR)/.build/docs/build/html

awx-project: venv  ## ansible-runner runs preflight.yml from this repository as an AWX project would
	@tools/ci/awx-project-check

ee: venv docker  ## Build the AWX execution environment (ansible-builder, cached) and run preflight.yml in it (ansible-navigator)
	@tools/ci/ee-check

molecule: venv link images  ## molecule test, every scenario
	@rc=0; for s in $(SCENARIOS); do tools/ci/stage "molecule $$s" $(MOLECULE) test -s $$s || rc=1; done; exit $$rc

molecule-%: venv link images  ## molecule test -s SCENARIO (Debian 13; LABFORGE_SUITE=bookworm: Debian 12)
	$(MOLECULE) test -s $*

test: venv link  ## Everything CI runs; prints one summary line per stage
	@rm -rf $(SUMMARY) $(IMAGES_RC) $(QUEUE_CLAIMS) $(VM_LANE_LOG)-*.log $(VM_CONSOLES); rc=0; \
	VM_CONSOLES=$(VM_CONSOLES) tools/ci/vm-lane $(IMAGES_RC) $(VM_LANE_LOG) $(QUEUE_CLAIMS) $(VM_SCENARIOS) -- $(QUEUED_SCENARIOS) & vm_lane=$$!; \
	echo "VM lane ($(VM_SCENARIOS), then the scenario queue) started in the background, logs: $(VM_LANE_LOG)-<scenario>.log"; \
	$(MAIN_LANE) images $(MAKE) -s images; echo $$? >$(IMAGES_RC); [ "$$(cat $(IMAGES_RC))" = 0 ] || rc=1; \
	$(MAIN_LANE) yamllint      $(MAKE) -s yamllint     || rc=1; \
	$(MAIN_LANE) ansible-lint  $(MAKE) -s ansible-lint || rc=1; \
	$(MAIN_LANE) sanity        $(MAKE) -s sanity       || rc=1; \
	$(MAIN_LANE) unit          $(MAKE) -s unit         || rc=1; \
	for c in $(SANITY_LINES); do $(MAIN_LANE) "sanity core$$c" tools/ci/sanity --core $$c || rc=1; done; \
	for c in $(CORE_LINES); do $(MAIN_LANE) "unit core$$c" tools/ci/unit --core $$c || rc=1; done; \
	$(MAIN_LANE) galaxy        $(MAKE) -s galaxy       || rc=1; \
	for c in $(SANITY_LINES); do $(MAIN_LANE) "galaxy core$$c" tools/ci/galaxy-install-check --core $$c || rc=1; done; \
	$(MAIN_LANE) docs          $(MAKE) -s docs-lint    || rc=1; \
	$(MAIN_LANE) "docs html"   $(MAKE) -s docs         || rc=1; \
	$(MAIN_LANE) awx-project   $(MAKE) -s awx-project  || rc=1; \
	$(MAIN_LANE) ee            $(MAKE) -s ee           || rc=1; \
	nice -n 10 tools/ci/scenario-queue $(QUEUE_CLAIMS) - $(QUEUED_SCENARIOS) || rc=1; \
	echo "waiting for the VM lane"; vm_rc=0; wait $$vm_lane || { rc=1; vm_rc=1; }; \
	for f in $(VM_LANE_LOG)-*.log; do printf '\n=== VM lane: last 80 lines of %s\n' "$$f"; tail -n 80 "$$f"; done; \
	{ [ $$vm_rc -ne 0 ] || compgen -G '$(VM_CONSOLES)/*-first-attempt' >/dev/null; } && for f in $(VM_CONSOLES)/*/*; do \
	  printf '\n=== VM console and qemu state: last 40 lines of %s\n' "$$f"; tail -n 40 "$$f"; done; \
	printf '\n=== summary\n'; cat $(SUMMARY); \
	if [ $$rc -eq 0 ]; then echo "make test: all stages passed"; else echo "make test: FAILED"; fi; exit $$rc

test-nfs: venv link images  ## The scenario make test leaves out: shared_volume_nfs (two VMs, NFS server and client)
	@tools/ci/stage "molecule shared_volume_nfs" $(MOLECULE) test -s shared_volume_nfs

# The lab runs on one suite: only its images are built (a fresh machine saves the other debootstrap).
lab: venv link docker  ## Bring up the lab containers and run playbooks/site.yml on them
	@LABFORGE_SUITES=$${LABFORGE_SUITE:-trixie} tools/lab/build-images
	@tools/lab/lab up

# lab-full adds two emulated VMs (inventories/lab-full): about a quarter of an hour more on 2 cores.
lab-full: venv link docker  ## make lab plus two VMs: an SELinux-enforcing KVM host (sVirt) and an NFS server (shared volume on NFS)
	@LABFORGE_SUITES=$${LABFORGE_SUITE:-trixie} tools/lab/build-images
	@tools/lab/lab full

lab-down: venv link  ## Remove the lab containers, volumes and network, and the lab-full VMs
	@tools/lab/lab down

preflight: venv link  ## virt_host_info on this machine (read-only)
	ansible-playbook -i localhost, -c local -e 'ansible_python_interpreter={{ ansible_playbook_python }}' playbooks/preflight.yml

# BENCH=fleet: only preflight.yml across a simulated fleet (no lab images needed); BENCH_HOSTS,
# BENCH_REPEAT, BENCH_VARIANTS, BENCH_FORKS tune it (tools/bench/preflight_scale.py --help).
bench: venv link $(if $(filter fleet,$(BENCH)),,images)  ## Benchmarks (tools/bench): never part of make test; BENCH=fleet for the preflight fleet table only
	@BENCH=$(BENCH) tools/bench/run

changelog: venv link  ## Release galaxy.yml's version from changelogs/fragments into CHANGELOG.rst (bump the version first)
	antsibull-changelog release

clean:  ## Remove build output (keeps .venv and the image cache)
	rm -rf .build tests/output labforge-virt-*.tar.gz
