#!/usr/bin/env bash
# Sets up everything, builds the release site and runs the portal on http://127.0.0.1:3000
# with the embedded SQLite database under data/, a demo tenant, and the sign-in printed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

printf '\033[1m==> %s\033[0m\n' "Building the release site (about 6 minutes the first time)"
cargo leptos build --release --precompress --split

export DATABASE_URL="${DATABASE_URL:-sqlite://data/omnibots.db}"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
exec target/release/omnibots seed-demo --users "${DEMO_USERS:-250}" --serve
