#!/usr/bin/env bash
# The Activity page's figures of docs/PERFORMANCE.md (issue #11), on the release build, for
# each database in turn (SQLite, then PostgreSQL at 127.0.0.1:5432): the demo tenant of USERS
# users (the bench databases of perf-http.sh, seeded once and kept) is given RECORDS audit
# records (once: a year of changes, most by a few busy admins, every action), then each view of
# the page is loaded 20 times in a row over HTTP, the whole response as a browser gets it
# (brotli): p50 and p95.
# Usage: scripts/perf-activity.sh [USERS] [RECORDS]   (defaults 100000 and 10000000: a page
# reads its records by index and their two users by id, so the count of users hardly matters;
# the count of records is the issue's).
# PERF_BACKENDS="sqlite" runs one database.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-100000}
RECORDS=${2:-10000000}
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

# sql SCRIPT: runs SCRIPT on $DATABASE_URL.
sql() {
  case $backend in
    sqlite) sqlite3 "${DATABASE_URL#sqlite://}" "$1" ;;
    postgres) psql "$DATABASE_URL" -qc "$1" ;;
  esac
}

# The records, written once (a marker record says they are there). Actor: one of the demo
# tenant's first 50 users: the first five make 80% of the changes (16% each: bulk work), ten
# others 2% each (those with ids ending in 8 or 9); target: any user; action: edits most, then
# suspensions, reactivations, resets, creations, and 0.1% each of exports and password changes
# (by two of the less busy actors); made every ~3 s over the year before now.
fill() {
  local demo="(SELECT id FROM tenants WHERE slug = 'demo')"
  if [ "$(sql_value "SELECT count(*) FROM audit_log WHERE action = 'bench.records' AND changes = '{\"records\":$RECORDS}'")" = 1 ]; then
    return
  fi
  say "Writing $RECORDS audit records (once)"
  local first last now
  read -r first last < <(sql_value "SELECT min(id), max(id) FROM users WHERE tenant_id = $demo")
  now=$(date +%s%3N)
  local select="
    SELECT $demo,
           $first + CASE WHEN i % 10 < 8 THEN i % 5 ELSE i % 50 END,
           $first + (i * 7919) % ($last - $first + 1),
           CASE WHEN i % 1000 = 999 THEN 'users.export'
                WHEN i % 1000 = 998 THEN 'user.change_password'
                WHEN i % 20 < 11 THEN 'user.update'
                WHEN i % 20 < 14 THEN 'user.suspend'
                WHEN i % 20 < 17 THEN 'user.reactivate'
                WHEN i % 20 < 19 THEN 'user.reset_password'
                ELSE 'user.create' END,
           '{\"status\":{\"from\":\"active\",\"to\":\"suspended\"}}',
           $now - 31536000000 + i * (31536000000 / $RECORDS)"
  local insert="INSERT INTO audit_log (tenant_id, actor_user_id, target_user_id, action, changes, created_at)"
  case $backend in
    sqlite) /usr/bin/time -f "%e s" sqlite3 "${DATABASE_URL#sqlite://}" "
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $RECORDS - 1)
      $insert $select FROM n;
      ANALYZE;" ;;
    postgres) /usr/bin/time -f "%e s" psql "$DATABASE_URL" -qc "
      $insert $select FROM generate_series(0::bigint, $RECORDS - 1) AS n(i);"
      psql "$DATABASE_URL" -qc "VACUUM ANALYZE audit_log" ;;
  esac
  sql "$insert VALUES ($demo, NULL, NULL, 'bench.records', '{\"records\":$RECORDS}', 0)"
}

for backend in $BACKENDS; do
  say "$backend"
  OUT="target/bench/activity-$backend-$USERS"
  DATABASE_URL=$(database)
  export DATABASE_URL
  serve "$OUT"
  stop_server
  fill
  serve "$OUT"
  DEMO="(SELECT id FROM tenants WHERE slug = 'demo')"
  busy=$(sql_value "SELECT email FROM users WHERE tenant_id = $DEMO ORDER BY id LIMIT 1")
  quiet=$(sql_value "SELECT email FROM users WHERE tenant_id = $DEMO ORDER BY id LIMIT 1 OFFSET 48")
  enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
  middle=$(sql_value "SELECT id FROM audit_log WHERE tenant_id = $DEMO ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $((RECORDS / 2))")
  day=$(date -u -d '-180 days' +%F)
  views=(
    "newest page|/activity"
    "5,000,000 records in (keyset)|/activity?before=$middle"
    "one action (suspended)|/activity?action=user.suspend"
    "a rare action (exports, 0.1%)|/activity?action=users.export"
    "a busy actor (16% of records)|/activity?actor=$(enc "$busy")"
    "a less busy actor (2%)|/activity?actor=$(enc "$quiet")"
    "one day, 180 days ago|/activity?from=$day&to=$day"
    "busy actor + rare action|/activity?actor=$(enc "$busy")&action=users.export"
    "one action + one day|/activity?action=user.reset_password&from=$day&to=$day"
  )
  for v in "${views[@]}"; do # warm-up, not measured (see perf-http.sh)
    for _ in $(seq 3); do
      curl -sS -o /dev/null -H "Cookie: $COOKIE" -H "Accept-Encoding: br, gzip" "$BASE${v#*|}"
    done
  done
  {
    printf 'view\tp50 ms\tp95 ms\tbytes\tentries\n'
    for v in "${views[@]}"; do
      name=${v%%|*}; path=${v#*|}
      times=$(for _ in $(seq 20); do
        curl -sS -o /dev/null -w '%{time_total} %{size_download} %{http_code}\n' -H "Cookie: $COOKIE" \
          -H "Accept-Encoding: br, gzip" "$BASE$path"
      done)
      if echo "$times" | awk '$3 != 200 {bad = 1} END {exit !bad}'; then
        echo "$path answered $(echo "$times" | awk '{print $3}' | sort -u | tr '\n' ' ')" >&2; exit 1
      fi
      entries=$(curl -sS -H "Cookie: $COOKIE" "$BASE$path" | { grep -o 'class="history-entry"' || true; } | wc -l)
      pct() { echo "$times" | awk '{print $1 * 1000}' | sort -n | awk -v p="$1" '{a[NR] = $1} END {print a[int(NR * p + 0.5)]}'; }
      printf '%s\t%.1f\t%.1f\t%s\t%s\n' "$name" "$(pct 0.5)" "$(pct 0.95)" "$(echo "$times" | awk 'END {print $2}')" "$entries"
    done
  } | tee "$OUT/views.tsv"
  stop_server
done
