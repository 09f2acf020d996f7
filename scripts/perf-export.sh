#!/usr/bin/env bash
# The CSV export's figures of docs/PERFORMANCE.md (issue #11), on the release build, for each
# database in turn (SQLite, then PostgreSQL at 127.0.0.1:5432), the demo tenant holding USERS
# users (the bench databases of perf-http.sh, seeded once and kept):
#   the whole tenant as CSV, gzipped as a browser asks for it and uncompressed: time to the
#   first byte, to the last, bytes and rows; a filtered view ("smith", by last login); and the
#   server's heap before and at most during them (RssAnon, sampled every 100 ms); and a bulk action of 100 users
#   (`bulk_change`, suspend then reactivate, 10 times each): p50 and p95 of the whole request;
#   and bulk jobs over the whole tenant (a role of its own added to every user, then taken off
#   again, so the data stays as seeded): each job's time, and the 50-row page's latency
#   (sequential loads) while a job runs.
# Usage: scripts/perf-export.sh [USERS]   (default 1000000). PERF_BACKENDS="sqlite" runs one;
# PERF_JOBS=0 measures the exports only (the two jobs take 3 minutes on SQLite, 11 on PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-1000000}
BACKENDS=${PERF_BACKENDS:-sqlite postgres}
PORT=${PERF_PORT:-3300}
BASE="http://127.0.0.1:$PORT"
PG_ADMIN_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
PASSWORD="perf run: correct horse battery staple"
source scripts/bench-lib.sh

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
say "Release build"
cargo leptos build --release --precompress --split
export LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site
export OMNIBOTS_PUBLIC_URL="$BASE"

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$SERVER/status"; }
# The server's heap (anonymous memory), sampled every 100 ms into $1 until $2 exists. Its
# resident size would count the database file SQLite maps into memory (mmap_size, 2 GiB),
# which is the page cache, not the server's.
sample_heap() {
  while [ ! -e "$2" ]; do kib RssAnon >>"$1"; sleep 0.1; done
}

for backend in $BACKENDS; do
  say "$backend"
  OUT="target/bench/export-$backend-$USERS"
  DATABASE_URL=$(database)
  export DATABASE_URL
  serve "$OUT"
  # Warm: one page load, so the pool is open and the first export measures the export.
  curl -sS -o /dev/null -H "Cookie: $COOKIE" "$BASE/"
  before=$(kib RssAnon)
  rm -f "$OUT/heap.txt" "$OUT/heap.stop"
  sample_heap "$OUT/heap.txt" "$OUT/heap.stop" &
  SAMPLER=$!
  {
    printf 'view\tencoding\tfirst byte ms\tlast byte ms\tbytes\trows\n'
    for v in "whole tenant|" "\"smith\", by last login|?q=smith&sort=last_login&dir=desc"; do
      name=${v%%|*}; qs=${v#*|}
      for enc in gzip identity; do
        read -r first total size < <(curl -sS -o "$OUT/export.$enc" \
          -w '%{time_starttransfer} %{time_total} %{size_download}\n' \
          -H "Cookie: $COOKIE" -H "Accept-Encoding: $enc" "$BASE/users.csv$qs")
        if [ "$enc" = gzip ]; then rows=$(gzip -dc "$OUT/export.$enc" | wc -l); else rows=$(wc -l <"$OUT/export.$enc"); fi
        printf '%s\t%s\t%.0f\t%.0f\t%s\t%s\n' "$name" "$enc" \
          "$(echo "$first * 1000" | bc)" "$(echo "$total * 1000" | bc)" "$size" "$((rows - 1))"
      done
    done
  } | tee "$OUT/export.tsv"
  touch "$OUT/heap.stop"; wait "$SAMPLER"
  printf 'server heap (RssAnon): %s KiB before the exports, at most %s KiB during them\n' \
    "$before" "$(sort -n "$OUT/heap.txt" | tail -1)" | tee "$OUT/memory.txt"
  if [ "${PERF_JOBS:-1}" = 0 ]; then stop_server; continue; fi
  say "A bulk action of 100 users, one request"
  DEMO="(SELECT id FROM tenants WHERE slug = 'demo')"
  IDS=$(sql_value "SELECT string_agg(id, ',') FROM (SELECT CAST(id AS TEXT) AS id FROM users WHERE tenant_id = $DEMO AND user_type <> 'tenant_admin' ORDER BY id LIMIT 100 OFFSET 400000) s" 2>/dev/null \
    || sql_value "SELECT group_concat(id, ',') FROM (SELECT id FROM users WHERE tenant_id = $DEMO AND user_type <> 'tenant_admin' ORDER BY id LIMIT 100 OFFSET 400000)")
  for i in $(seq 10); do
    for action in '"suspend"' '"reactivate"'; do
      curl -sS -o /dev/null -w '%{time_total}\n' -H "Cookie: $COOKIE" -H "Origin: $BASE" \
        -H 'Content-Type: application/json' \
        -d "{\"action\": $action, \"target\": {\"users\": [$IDS]}}" "$BASE/api/bulk_change"
    done
  done | awk '{print $1 * 1000}' | sort -n \
    | awk '{a[NR] = $1} END {printf "bulk_change, 100 users: p50 %.1f ms, p95 %.1f ms (%d requests)\n", a[int(NR * 0.5 + 0.5)], a[int(NR * 0.95 + 0.5)], NR}' \
    | tee "$OUT/bulk.txt"

  say "Bulk jobs over the whole tenant"
  sql_exec() {
    case $backend in
      sqlite) python3 - "${DATABASE_URL#sqlite://}" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()
PY
      ;;
      postgres) psql "$DATABASE_URL" -qc "$1" >/dev/null ;;
    esac
  }
  sql_exec "INSERT INTO roles (tenant_id, name, description, permissions, created_at)
            SELECT id, 'Bench', 'for perf-export.sh', '', 0 FROM tenants WHERE slug = 'demo'
            ON CONFLICT DO NOTHING"
  ROLE=$(sql_value "SELECT id FROM roles WHERE tenant_id = $DEMO AND name = 'Bench'")
  VIEW='{"q":"","status":null,"user_type":null,"role":null,"sort":"name","desc":false,"size":50,"after":null,"before":null}'
  for action in "{\"add_role\": $ROLE}" "{\"remove_role\": $ROLE}"; do
    start=$(date +%s.%N)
    curl -sS -o "$OUT/job.json" -H "Cookie: $COOKIE" -H "Origin: $BASE" -H 'Content-Type: application/json' \
      -d "{\"action\": $action, \"target\": {\"view\": $VIEW}}" "$BASE/api/bulk_change"
    grep -q '"queued"' "$OUT/job.json" || { echo "not queued: $(cat "$OUT/job.json")"; exit 1; }
    # The page, loaded one after another while the job runs.
    : >"$OUT/during.txt"
    while :; do
      curl -sS -o /dev/null -w '%{time_total}\n' -H "Cookie: $COOKIE" -H "Accept-Encoding: br" \
        "$BASE/?size=50" >>"$OUT/during.txt"
      curl -sS -o "$OUT/jobs.json" -H "Cookie: $COOKIE" -H "Origin: $BASE" \
        -H "Content-Type: application/x-www-form-urlencoded" -d "" "$BASE/api/bulk_jobs"
      python3 -c 'import json,sys; sys.exit(0 if any(j["state"] in ("queued","running") for j in json.load(open(sys.argv[1]))) else 1)' \
        "$OUT/jobs.json" || break
    done
    took=$(echo "$(date +%s.%N) - $start" | bc)
    python3 - "$OUT/jobs.json" "$OUT/during.txt" "$action" "$took" <<'PY' | tee -a "$OUT/jobs.txt"
import json, sys
job = json.load(open(sys.argv[1]))[0]
t = sorted(float(x) * 1000 for x in open(sys.argv[2]) if x.strip())
q = lambda p: t[min(len(t) - 1, int(len(t) * p))]
r = job["report"]
print(f"job {sys.argv[3]}: {job['state']} in {float(sys.argv[4]):.1f} s, {job['total']:,} users "
      f"({r['changed']:,} changed, {r['unchanged']:,} already so); the page meanwhile: "
      f"{len(t)} loads, p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms")
PY
  done
  rm -f "$OUT"/export.gzip "$OUT"/export.identity
  stop_server
done
