# haharness make targets. `make test` is what README's test command and .ci/run call.
GO ?= go
E2E_TIMEOUT ?= 60m

.PHONY: all build test unit e2e lint images env clean-clusters demo

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

# End-to-end tests on real clusters (the e2e suite, the CLI session, the
# example); they fail, never skip, without an engine.
e2e: env
	HAHARNESS_REQUIRE_DOCKER=1 $(GO) test -p 1 -count=1 -timeout $(E2E_TIMEOUT) -v ./e2e/... ./cmd/... ./examples/...

# Everything: the README's test command.
test: env lint unit e2e

# Build the images ahead of time (they are also built on demand).
images: env build
	./bin/haharness images

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
