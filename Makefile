# The two commands a user needs: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
SHARED ?= $(abspath ../shared)

.PHONY: all build test unit integration lint fmt-check vet infra-check stack-install stack-start stack-stop run bench fuzz clean

all: build

## build: assemble the Function App in dist/ (host.json, handler, one folder per function)
build:
	./scripts/build.sh dist

## lint: gofmt check and go vet
lint: fmt-check vet
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go')); \
	if [[ -n "$$out" ]]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
vet:
	$(GO) vet ./...

## unit: tests that need no local services
unit:
	$(GO) test -count=1 ./...

## test: everything CI runs: lint, build, local services, unit + integration tests, infra checks
test: lint build stack-install
	@set -euo pipefail; \
	trap './scripts/stack.sh stop' EXIT; \
	./scripts/stack.sh start --memory; \
	export AHDS_STACK_FILE=$$PWD/.local/stack.json AHDS_SHARED_DIR=$(SHARED); \
	$(GO) test -count=1 -timeout 30m ./...; \
	./scripts/stack.sh check-fhir
	$(MAKE) infra-check

stack-install:
	./scripts/stack.sh install
stack-start:
	./scripts/stack.sh start --memory
stack-stop:
	./scripts/stack.sh stop

## infra-check: offline Bicep gates (syntax, properties, policy)
infra-check:
	$(GO) run ./infra/check/cmd/infracheck -types $(SHARED)/bicep-types -functions functions infra

## run: the local workspace with sample data, serving until Ctrl-C
run: build stack-install
	./scripts/run.sh

## bench: the benchmarks quoted in the issue notes
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./shared/...

clean:
	rm -rf dist .local
