# Development tasks.  Targets that need a database get one from
# scripts/ensure-postgres.sh: $DATABASE_URL if set, else a server on
# 127.0.0.1:5432, else a private cluster in .data/pg (see that script).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# Go from PATH, and from the usual install location when it is there.
ifneq ($(wildcard /usr/local/go/bin/go),)
export PATH := $(PATH):/usr/local/go/bin
endif

# Extra arguments for the command a target runs, e.g. make migrate ARGS=...
ARGS ?=

ENSURE_PG := scripts/ensure-postgres.sh
GO_FILES = find . \( -path ./.git -o -path ./.data -o -path ./bin \) -prune -o -type f -name '*.go' -print

.PHONY: run test fuzz bench soak multi migrate demo generate fmt build db-stop

# How long make fuzz fuzzes each target.
FUZZTIME ?= 20s

run:
	url=$$($(ENSURE_PG)); \
	ATRIUM_DEV=$${ATRIUM_DEV:-1} DATABASE_URL="$$url" go run ./cmd/atrium serve $(ARGS)

# The database restart test makes a private cluster of its own: it needs PostgreSQL's
# server programs even when the tests' database is elsewhere (ATRIUM_SKIP_PG_RESTART=1
# skips that test where they cannot be installed).
test:
	url=$$($(ENSURE_PG)); \
	export DATABASE_URL="$$url"; \
	$(ENSURE_PG) --server-programs || [ "$${ATRIUM_SKIP_PG_RESTART:-}" = 1 ]; \
	scripts/ensure-chromium.sh; \
	scripts/ensure-haproxy.sh; \
	scripts/check-templ-fresh.sh; \
	unformatted=$$($(GO_FILES) | xargs -r gofmt -l); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run make fmt):" >&2; \
		echo "$$unformatted" >&2; \
		exit 1; \
	fi; \
	go vet ./...; \
	go test -race -count=1 -timeout 20m ./...

# Fuzz every FuzzXxx target for FUZZTIME each (go test runs their seeds in make test).
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

bench:
	url=$$($(ENSURE_PG)); \
	DATABASE_URL="$$url" go run ./cmd/atriumbench $(ARGS)

# Load and faults on a private PostgreSQL cluster of its own (see README "Soak and several instances").
soak:
	scripts/soak.sh soak $(ARGS)

# Several instances behind haproxy over one database (see README "Soak and several instances").
multi:
	scripts/soak.sh multi $(ARGS)

migrate:
	url=$$($(ENSURE_PG)); \
	DATABASE_URL="$$url" go run ./cmd/atrium migrate $(ARGS)

demo:
	url=$$($(ENSURE_PG)); \
	DATABASE_URL="$$url" go run ./cmd/atrium demo $(ARGS)

generate:
	go tool templ generate

fmt:
	$(GO_FILES) | xargs -r gofmt -w
	dirs=$$(for d in cmd internal web; do [ -d "$$d" ] && echo "$$d"; done); \
	if [ -n "$$dirs" ]; then go tool templ fmt $$dirs; fi

build:
	go build -o bin/atrium ./cmd/atrium

db-stop:
	$(ENSURE_PG) --stop
