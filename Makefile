# Zuju — the two commands a new user needs are `make run` and `make test`.

GO       ?= go
NPM      ?= npm
BIN      := bin/zuju
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/zuju/zuju/internal/app.Version=$(VERSION)
GOFLAGS_BUILD := -trimpath -ldflags '$(LDFLAGS)'
WEB_APPS := app admin docs

.PHONY: run build web test test-go test-services test-web test-web-check test-browser vet openapi fuzz bench bench-flashcrowd bench-activitylist services clean

## run: build everything (web apps included) and serve on :8080 with SQLite
run: build
	./$(BIN) seed --demo
	./$(BIN) serve

## build: the single binary with the web apps embedded
build: web
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/zuju

## web: install (from the lock files) and build both web apps
web: $(foreach a,$(WEB_APPS),web/$(a)/dist/index.html)

web/%/dist/index.html: web/%/package.json web/%/package-lock.json $(shell find web/shared web/app/src web/admin/src web/app/index.html web/admin/index.html web/app/vite.config.ts web/admin/vite.config.ts web/docs/build.mjs -type f 2>/dev/null)
	cd web/$* && $(NPM) ci --no-audit --no-fund --loglevel=error && $(NPM) run build

## test: the full suite: vet, Go tests (on SQLite, and on PostgreSQL, Redis and
## RabbitMQ when ZUJU_TEST_* point at them; see scripts/services.sh), web type
## checks, and the browser tests when Chromium is installed (always in CI)
test: vet test-go test-web-check test-browser

test-web-check:
	cd web/app && $(NPM) ci --no-audit --no-fund --loglevel=error && $(NPM) run check
	cd web/admin && $(NPM) ci --no-audit --no-fund --loglevel=error && $(NPM) run check

test-browser:
	@if [ -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then $(MAKE) --no-print-directory test-web; \
	elif [ "$$CI" = true ]; then echo "browser tests need Chromium (scripts/chromium.sh installs it)"; exit 1; \
	else echo "skipping browser tests: no Chromium at $${CHROMIUM:-/usr/bin/chromium} (scripts/chromium.sh installs it)"; fi

vet:
	@bad=$$(gofmt -l cmd internal bench 2>/dev/null); if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 -timeout 20m ./...

## test-services: the full suite against the local PostgreSQL, Redis and RabbitMQ
test-services:
	eval "$$(scripts/services.sh)" && ZUJU_TEST_REQUIRE_SERVICES=1 $(MAKE) test

## test-web: browser tests of the H5 app and the admin console (web/e2e) against
## the built binary, in the system Chromium (CHROMIUM=…, default /usr/bin/chromium)
test-web: build
	$(NPM) --prefix web/e2e ci --no-audit --no-fund --loglevel=error
	ZUJU_BIN=$(BIN) web/e2e/run.sh

## openapi: rewrite api/openapi.yaml from the code
openapi:
	ZUJU_UPDATE_OPENAPI=1 $(GO) test -count=1 -run TestOpenAPIUpToDate ./internal/app

## fuzz: fuzz the auth request decoding for a minute
fuzz:
	$(GO) test -run XXX -fuzz FuzzAuthDecoding -fuzztime 60s ./internal/app

## bench: authenticated JSON endpoint, our stack vs raw net/http
bench:
	$(GO) run ./bench/authjson

## bench-flashcrowd: 2,000 users sign up at once for 100 seats on PostgreSQL
## (ZUJU_TEST_POSTGRES or the local server), ours vs a raw pgx reference
bench-flashcrowd:
	$(GO) run ./bench/flashcrowd

## bench-activitylist: discovery over 100,000 activities on PostgreSQL, ours vs
## a raw net/http + pgx reference, cached path, keyword search at 1,000/s
bench-activitylist:
	$(GO) run ./bench/activitylist

services:
	@scripts/services.sh

clean:
	rm -rf bin $(foreach a,$(WEB_APPS),web/$(a)/dist/assets web/$(a)/dist/index.html)
