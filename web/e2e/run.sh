#!/usr/bin/env bash
# Browser tests against a throwaway server: takes an already built binary
# (ZUJU_BIN, default bin/zuju; `make build` makes it), seeds the demo data
# into a temporary data dir, serves on a free local port, runs run.mjs and
# always stops the server again.
#
#   ZUJU_BIN=bin/zuju web/e2e/run.sh            # what `make test-web` runs
#   CHROMIUM=/path/to/chrome web/e2e/run.sh     # another Chromium build
#   ZUJU_E2E_PORT=18181 web/e2e/run.sh          # a fixed port
#
# The server gets none of the caller's ZUJU_* settings (no shared database,
# Redis or config file): SQLite in the temp dir, SMS codes in its log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

bin=${ZUJU_BIN:-bin/zuju}
if [ ! -x "$bin" ] && [ -x "$root/$bin" ]; then bin="$root/$bin"; fi
if [ ! -x "$bin" ]; then
	echo "e2e: no zuju binary at $bin (run 'make build' or set ZUJU_BIN)" >&2
	exit 2
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
if [ ! -d "$here/node_modules/playwright-core" ]; then
	echo "e2e: run 'npm --prefix web/e2e ci' first" >&2
	exit 2
fi

# A clean environment for the server: drop every ZUJU_* the caller has.
while IFS= read -r v; do
	case $v in ZUJU_BIN | ZUJU_E2E_*) ;; *) unset "$v" ;; esac
done < <(compgen -e | grep '^ZUJU_' || true)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zuju-e2e.XXXXXX")
pid=""
tests=""
cleanup() {
	# The test runner first (Playwright closes its browser on SIGTERM), then the server.
	if [ -n "$tests" ] && kill -0 "$tests" 2>/dev/null; then
		kill "$tests" 2>/dev/null || true
		wait "$tests" 2>/dev/null || true
	fi
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		# Graceful shutdown first; a server that hangs is killed after 10 s.
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=${ZUJU_E2E_PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
export ZUJU_ENV=development
export ZUJU_DATA_DIR="$tmp/data"
export ZUJU_HTTP_ADDR="127.0.0.1:$port"
export ZUJU_LOG_LEVEL=info

"$bin" seed --demo >"$tmp/seed.log" 2>&1 || {
	echo "e2e: zuju seed --demo failed:" >&2
	cat "$tmp/seed.log" >&2
	exit 1
}

"$bin" serve >"$tmp/server.out" 2>"$tmp/server.log" &
pid=$!

base="http://127.0.0.1:$port"
for i in $(seq 150); do
	if node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$base/healthz" 2>/dev/null; then
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "e2e: zuju serve exited:" >&2
		tail -n 30 "$tmp/server.out" "$tmp/server.log" >&2
		exit 1
	fi
	if [ "$i" = 150 ]; then
		echo "e2e: $base/healthz not ready after 30 s" >&2
		tail -n 30 "$tmp/server.log" >&2
		exit 1
	fi
	sleep 0.2
done

# In the background and waited for, so that a signal to this script is
# handled at once (the trap stops the tests and the server).
status=0
ZUJU_E2E_URL="$base" ZUJU_E2E_LOG="$tmp/server.log" node "$here/run.mjs" "$@" &
tests=$!
wait "$tests" || status=$?
tests=""
if [ "$status" != 0 ]; then
	echo "e2e: last lines of the server log (requests answered below 500 left out):" >&2
	grep -v '"msg":"http request".*"status":[1-4][0-9][0-9],' "$tmp/server.log" | tail -n 20 >&2 || true
fi
exit "$status"
