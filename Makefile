# haharness make targets. `make test` is what README's test command and .ci/run call.
GO ?= go
E2E_TIMEOUT ?= 90m

.PHONY: all build test test-long unit e2e lint images env clean-clusters demo test-podman podman-images podman-conformance podman-demo podman-e2e soak bench scenarios

all: build

# Make sure a Docker engine answers and the build/test tools are there
# (installs docker.io, debootstrap, maven, chromium on Debian as root).
env:
	bash scripts/setup.sh

build:
	$(GO) build -o bin/haharness ./cmd/haharness

# Unit tests: pure packages, no Docker.
unit:
	$(GO) vet ./...
	HAHARNESS_REQUIRE_BROWSER=$${CI:-} $(GO) test -count=1 -short $$($(GO) list ./... | grep -v /e2e$$)

# End-to-end tests on real clusters: the e2e package's tiers TIER
# (e2e/tier_test.go: quick,test by default, what `make test` runs; long is
# `make test-long`'s), with the CLI session and the examples (E2E_PKGS);
# they fail, never skip, without an engine. They run as most
# users' tests run (Docker Desktop, Colima, Podman, remote engines): unable
# to reach any container address, through internal/unroutable (root and
# iptables; UNROUTABLE=0 runs them plain). Where testcontainers-go's reaper
# cannot run (no registry answers for its image), the examples' own
# containers are created with TESTCONTAINERS_RYUK_DISABLED=true, as
# testcontainers-go documents; haharness gc collects what a killed run leaves.
UNROUTABLE ?= 1
BLOCKED = $(if $(filter 1,$(UNROUTABLE)),$(GO) run ./internal/unroutable/cmd --,)
TIER ?= quick,test
E2E_PKGS ?= ./e2e/... ./cmd/... ./examples/...
e2e: env build
	@if ./bin/haharness engine --reaper | grep -q '^reaper: *running'; then ryuk=false; else ryuk=true; fi; \
	set -x; HAHARNESS_REQUIRE_DOCKER=1 HAHARNESS_TIER=$(TIER) TESTCONTAINERS_RYUK_DISABLED=$${TESTCONTAINERS_RYUK_DISABLED:-$$ryuk} \
	  $(BLOCKED) $(GO) test -p 1 -count=1 -timeout $(E2E_TIMEOUT) -v $(E2E_PKGS)

# The soak alone: SEEDS seeds (1..SEEDS), DURATION of faults each, on one
# cluster, unable to reach container addresses like the rest of e2e; each
# run's report, timeline and (on a violation) replay command land in
# e2e/artifacts/TestSoak/. `make e2e` runs it with two seeds of 2m.
SEEDS ?= 2
DURATION ?= 5m
APPENDS ?= 0
soak: env build
	HAHARNESS_REQUIRE_DOCKER=1 HAHARNESS_LONG=1 TESTCONTAINERS_RYUK_DISABLED=true HAHARNESS_SOAK_SEEDS=$$(seq -s, 1 $(SEEDS)) \
	  HAHARNESS_SOAK_DURATION=$(DURATION) HAHARNESS_SOAK_APPENDS=$(APPENDS) $(BLOCKED) $(GO) test -count=1 -timeout 6h -v -run '^TestSoak$$' ./e2e

# Start and failover figures on real clusters (README's "Start in
# seconds"): RUNS runs of each measurement, printed and written to
# bench.json.
RUNS ?= 3
bench: env build
	./bin/haharness bench --runs $(RUNS) --json bench.json

# The scenario files through the CLI, as a user runs them: `haharness
# scenario run -f` on every file of SCENARIO_FILES (the built-in catalogue
# and the scenarios named after JIRA bugs), a cluster started for each
# distinct `cluster:` section and removed after, unable to reach container
# addresses like the rest of e2e. Each run's report, timeline and
# scenario.yaml land in e2e/artifacts/scenarios/NAME-SEED.
# SCENARIO_LONG are the files whose outcome depends on a race, run by
# `make test-long` (`make scenarios SCENARIO_FILES="$(SCENARIO_LONG)"`), not
# by `make test`: yarn-11839's ResourceManager flip-flops left both RMs
# standby and neither in the election in 1 of 4 runs here (its third
# failover never came; README, Scenarios).
# ADDONS_LONG are the add-ons whose files each run a job of half a minute
# or more (an engine on YARN), or need a cluster of their own (a variant of
# the whole cluster: Kerberos): `make test` runs one of each (their
# Module.SmokeScenario, in e2e's TestAddons on the cluster of every add-on,
# or TestVariants on the variant's), `make test-long` all of them.
ADDONS_LONG ?= spark flink kerberos
SCENARIO_LONG ?= scenarios/files/yarn-11839-fenced-rm-does-not-stay-active.yaml $(wildcard $(addsuffix /files/*.yaml,$(addprefix addons/,$(ADDONS_LONG))))
SCENARIO_FILES ?= $(filter-out $(SCENARIO_LONG),$(wildcard scenarios/files/*.yaml) $(wildcard addons/*/files/*.yaml))
scenarios: env build
	HAHARNESS_REQUIRE_DOCKER=1 TESTCONTAINERS_RYUK_DISABLED=true \
	  $(BLOCKED) ./bin/haharness scenario run $(addprefix -f ,$(SCENARIO_FILES)) --out e2e/artifacts/scenarios $(if $(SEED),--seed $(SEED),)

# The README's test command, what .ci/run calls: every kind of check once
# (lint, unit, the e2e tiers quick and test with the CLI session and the
# examples, every scenario file, Podman's conformance test, demo and one
# fault smoke), within 40 minutes on a fresh machine. It ends with a table
# of where the time went (internal/testplan), also written to
# e2e/artifacts/make-test-times.txt.
PLAN = $(GO) run ./internal/testplan/cmd
SUB = $(MAKE) --no-print-directory
test:
	@$(PLAN) -title "make test" -budget 40m -out e2e/artifacts/make-test-times.txt \
	  'set-up (engines, tools, CLI binary)=$(SUB) env build' \
	  'lint=$(SUB) lint' \
	  'unit=$(SUB) unit' \
	  'images (Docker)=$(SUB) images' \
	  'e2e tiers quick+test, CLI session, examples=$(SUB) e2e' \
	  'scenario files=$(SUB) scenarios' \
	  'Podman=$(SUB) test-podman'

# Everything `make test` leaves out: the e2e tier long (every fault kind
# healed in rounds, the soak's seeds, random chaos, the shrink
# demonstration, Hadoop 3.4.3 and the bug it reproduces, a binary ended by
# its timeout), the files of SCENARIO_LONG (the race-dependent one and every
# file of ADDONS_LONG, their smoke scenarios again among them, each add-on on
# a cluster of its own) and the whole smoke suite on Podman (the guide's
# cluster and every fault kind; its conformance test and demo ran in `make
# test`).
test-long:
	@$(PLAN) -title "make test-long" -out e2e/artifacts/make-test-long-times.txt \
	  'set-up (engines, tools, CLI binary)=$(SUB) env build' \
	  'images (Docker)=$(SUB) images' \
	  'e2e tier long=$(SUB) e2e TIER=long E2E_PKGS=./e2e E2E_TIMEOUT=150m' \
	  'scenario files of SCENARIO_LONG=$(SUB) scenarios SCENARIO_FILES="$(SCENARIO_LONG)"' \
	  'images (Podman)=$(SUB) podman-images' \
	  'Podman: the whole smoke suite=$(SUB) podman-e2e PODMAN_RUN="TestGuideCluster|TestFaultSmoke"'

# Build the images ahead of time (they are also built on demand): Hadoop's
# and the add-ons' (IMAGES_WITH= for Hadoop's alone).
IMAGES_WITH ?= all
images: env build
	./bin/haharness images $(if $(IMAGES_WITH),--with $(IMAGES_WITH),)

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; echo "gofmt: files above need formatting"; exit 1)
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 .github/workflows/*.yml examples/ci/*.yml
	$(GO) test -count=1 -run TestLayering ./internal/layering

# The README's first command: bring up the guide's cluster, print its
# status, remove it (KEEP=1 leaves it running).
demo: env build
	./bin/haharness demo $(if $(KEEP),--keep,)

# Remove clusters whose creating process is gone (add ALL=1 for every cluster).
clean-clusters: build
	./bin/haharness gc $(if $(ALL),--all,)

# The same code on Podman's Docker-compatible API (Debian's podman 4.3) as a
# second engine, also unable to reach container addresses; the last part of
# `make test`. setup installs podman, podman-service.sh starts `podman
# system service` on its root socket unless it answers. The images come
# from Docker's store when it has them (saved there, loaded into Podman's,
# their contract checked; HAHARNESS_IMAGES_NATIVE=1 builds them in Podman's
# store instead: debootstrap, Maven Central); then the engine conformance
# test checks each engine feature the harness uses, in seconds, before the
# demo and one fault smoke test (PODMAN_RUN: `make test-long` runs the whole
# smoke suite). Ryuk is off: its image comes from a registry.
PODMAN = host=$$(bash scripts/podman-service.sh) && export DOCKER_HOST=$$host TESTCONTAINERS_RYUK_DISABLED=true HAHARNESS_REQUIRE_DOCKER=1 && set -x &&
PODMAN_RUN ?= TestFaultSmoke/kill-host
test-podman: env build
	@$(PLAN) -title "make test-podman" \
	  'images (Podman)=$(SUB) podman-images' \
	  'engine conformance=$(SUB) podman-conformance' \
	  'demo=$(SUB) podman-demo' \
	  'e2e $(PODMAN_RUN)=$(SUB) podman-e2e PODMAN_RUN="$(PODMAN_RUN)"'

podman-images: build
	@$(PODMAN) ./bin/haharness engine && ./bin/haharness images

podman-conformance: build
	@$(PODMAN) HAHARNESS_ENGINE_TEST_IMAGE=$$(./bin/haharness images | awk '{print $$1}') \
	  $(GO) test -count=1 -v -run TestEngineConformance ./internal/docker

podman-demo: build
	@$(PODMAN) $(BLOCKED) ./bin/haharness demo

podman-e2e: build
	@$(PODMAN) HAHARNESS_TIER=quick,test $(BLOCKED) $(GO) test -p 1 -count=1 -timeout 40m -v ./e2e -run '$(PODMAN_RUN)'
