#!/usr/bin/env bash
# Sets up everything and runs the whole test suite: formatting, clippy (server and wasm),
# unit and integration tests on SQLite and PostgreSQL, then the browser tests in Chromium
# against the release build, once on SQLite and once on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
START=$(date +%s)
say() { printf '\033[1m==> %s (%ss)\033[0m\n' "$*" "$(( $(date +%s) - START ))"; }

scripts/setup.sh --browser
export PATH="$HOME/.cargo/bin:$PATH"

# PostgreSQL runs on every machine of this project; start it if it stopped.
PG_ADMIN_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  say "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
# Databases left behind by an interrupted run.
psql "$PG_ADMIN_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'omnibots_t_%' OR datname LIKE 'omnibots_e2e_%'" \
  | while read -r db; do psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; done

say "Formatting"
cargo fmt --all --check

say "Clippy, server side"
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p omnibots --all-targets -- -D warnings
say "Clippy, wasm side"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

say "Unit tests (app, with ssr)"
cargo test -p app --features ssr
say "Server and integration tests (SQLite and PostgreSQL)"
cargo test -p omnibots

say "Release build (server and wasm)"
cargo leptos build --release --precompress --split

# Browser tests: the release server on a fresh database of each backend.
run_e2e() {
  local backend=$1 url=$2 port=$3
  say "Browser tests on $backend"
  local log="$ROOT/target/e2e-$backend.log"
  DATABASE_URL="$url" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    RUST_LOG=info target/release/omnibots serve >"$log" 2>&1 &
  local pid=$!
  local status=0
  (cd end2end && BASE_URL="http://127.0.0.1:$port" DATABASE_URL="$url" npx playwright test) || status=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$status" != 0 ]; then
    echo "---- server log ($log), last lines ----"; tail -n 40 "$log"
    return "$status"
  fi
}

# The server logs of the browser runs must hold no secret: no password the tests typed or were
# given (end2end writes each to target/e2e-secrets.txt), no session token or token hash (64 hex
# digits), no password hash, no cookie.
check_logs() {
  say "Server logs hold no secrets"
  local secrets="$ROOT/target/e2e-secrets.txt" found=0
  if [ ! -s "$secrets" ]; then echo "the browser tests recorded no secrets to look for"; return 1; fi
  for log in "$@"; do
    if grep -n -F -f <(sort -u "$secrets") "$log"; then found=1; fi
    if grep -n -E -i '[0-9a-f]{64}|argon2id\$|cookie:|omnibots_session=' "$log"; then found=1; fi
  done
  if [ "$found" != 0 ]; then echo "secrets in the server log (the lines above)"; return 1; fi
  echo "$(sort -u "$secrets" | wc -l) secrets, none in $(cat "$@" | wc -l) log lines"
}
rm -f "$ROOT/target/e2e-secrets.txt"

E2E_SQLITE_DIR=$(mktemp -d)
run_e2e sqlite "sqlite://$E2E_SQLITE_DIR/e2e.db" 3107
rm -rf "$E2E_SQLITE_DIR"

E2E_PG_DB="omnibots_e2e_$$"
psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $E2E_PG_DB" >/dev/null
run_e2e postgres "${PG_ADMIN_URL%/*}/$E2E_PG_DB" 3108
psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $E2E_PG_DB WITH (FORCE)" >/dev/null

check_logs "$ROOT/target/e2e-sqlite.log" "$ROOT/target/e2e-postgres.log"

say "All tests passed"
