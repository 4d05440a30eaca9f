# haharness make targets. `make test` is what README's test command and .ci/run call.
GO ?= go
E2E_TIMEOUT ?= 60m

.PHONY: all build test unit e2e lint images env clean-clusters

all: build

# Make sure a Docker engine answers (installs docker.io/debootstrap/maven on Debian as root).
env:
	bash scripts/ensure-docker.sh

build:
	$(GO) build -o bin/haharness ./cmd/haharness

# Unit tests: pure packages, no Docker.
unit:
	$(GO) vet ./...
	$(GO) test -count=1 ./harness/... ./images/... ./scenarios/... ./internal/... ./cmd/...

# End-to-end tests on real clusters; fail (not skip) without an engine.
e2e: env
	HAHARNESS_REQUIRE_DOCKER=1 TESTCONTAINERS_RYUK_DISABLED=true $(GO) test -count=1 -timeout $(E2E_TIMEOUT) -v ./e2e/...

# Everything: the README's test command.
test: env unit e2e

# Build the images ahead of time (they are also built on demand).
images: env build
	./bin/haharness images

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; echo "gofmt: files above need formatting"; exit 1)

# Remove clusters whose creating process is gone (add ALL=1 for every cluster).
clean-clusters: build
	./bin/haharness gc $(if $(ALL),--all,)
