# Shared by the benchmark scripts (perf-http.sh, perf-export.sh); sourced, never run. Expects
# USERS, BASE, PG_ADMIN_URL, PASSWORD and `backend` to be set, and the release build in
# target/release.

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The bench database of $backend: its URL, created when missing (the demo tenant of $USERS
# users is kept between runs: target/bench/http-USERS.db, and omnibots_http_USERS).
database() {
  case $backend in
    sqlite) echo "sqlite://$PWD/target/bench/http-$USERS.db" ;;
    postgres)
      local db="omnibots_http_$USERS"
      psql "$PG_ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
        || psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $db" >/dev/null
      echo "${PG_ADMIN_URL%/*}/$db" ;;
  esac
}

# sql_value QUERY: the first row of QUERY on $DATABASE_URL, fields separated by spaces.
sql_value() {
  case $backend in
    sqlite) python3 - "${DATABASE_URL#sqlite://}" "$1" <<'PY'
import sqlite3, sys
print(*sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone())
PY
    ;;
    postgres) psql "$DATABASE_URL" -tA -F ' ' -c "$1" ;;
  esac
}

# serve OUT: seeds the demo tenant (once), starts the server on $BASE (its pid in $SERVER, its
# log in OUT/server.log) and signs the demo admin in: the session cookie in $COOKIE and
# OUT/cookie.txt. The first run replaces the seeded temporary password with $PASSWORD.
serve() {
  local out=$1
  mkdir -p "$out"
  say "Seeding the demo tenant with $USERS users (once)"
  /usr/bin/time -f "%e s" target/release/omnibots seed-demo --users "$USERS" | tee "$out/seed.txt"
  RUST_LOG=warn target/release/omnibots serve >"$out/server.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done

  local jar="$out/cookies.txt" code temporary
  rm -f "$jar"
  post() { # post ENDPOINT ARGS… (form-encoded, like the sign-in form)
    local endpoint=$1; shift
    curl -sS -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" -H "Origin: $BASE" "$@" "$BASE/api/$endpoint"
  }
  temporary=$(sed -n 's/^ *Password: *\([^ ]*\) *(temporary.*/\1/p' "$out/seed.txt")
  if [ -n "$temporary" ]; then
    post sign_in -d workspace=demo --data-urlencode email=admin@demo.example \
      --data-urlencode "password=$temporary" >/dev/null
    code=$(post change_password --data-urlencode "current_password=$temporary" \
      --data-urlencode "new_password=$PASSWORD" --data-urlencode "confirm_password=$PASSWORD")
    [ "$code" = 200 ] || { echo "password change answered $code"; exit 1; }
  else
    code=$(post sign_in -d workspace=demo --data-urlencode email=admin@demo.example \
      --data-urlencode "password=$PASSWORD")
    [ "$code" = 200 ] || { echo "sign-in answered $code"; exit 1; }
  fi
  COOKIE=$(sed 's/^#HttpOnly_//' "$jar" | awk 'NF >= 7 && $1 !~ /^#/ { c = $6 "=" $7 } END { print c }')
  [ -n "$COOKIE" ] || { echo "no session cookie"; exit 1; }
  echo "$COOKIE" >"$out/cookie.txt"
}

# stop_server: stops the server `serve` started.
stop_server() {
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  trap - EXIT
}
