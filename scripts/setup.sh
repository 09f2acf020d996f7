#!/usr/bin/env bash
# Installs what building and running OmniBots needs, skipping whatever is already there.
# Usage: scripts/setup.sh [--browser]   (--browser adds Debian's Chromium for the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs Rust 1.96
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes, once)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
fi

# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock; cargo-leptos never checks.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  say "Installing wasm-bindgen-cli $WB_VERSION (a few minutes, once)"
  # Not --locked: its lock file names a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

# wasm-opt from npm's binaryen: Debian's older one silently corrupts the wasm.
if [ ! -x node_modules/.bin/wasm-opt ] || ! npm ls --silent binaryen >/dev/null 2>&1; then
  say "Installing npm build tools (binaryen)"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    say "Installing Debian's Chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    say "Installing Playwright (the test runner only; the browser is Debian's)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix end2end --no-audit --no-fund
  fi
fi
