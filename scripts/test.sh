#!/usr/bin/env bash
# Sets up what is missing, then runs every test: the Rust unit and integration
# tests (real server, real SQLite file, real sockets) and the Playwright
# end-to-end tests in Chromium against the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test
export PATH="$HOME/.cargo/bin:$PATH"

echo "== cargo test"
cargo test --features ssr --locked

echo "== release build for the end-to-end tests"
cargo leptos build --release

echo "== playwright"
cd end2end
npx playwright test
echo "== playwright: two instances behind nginx"
npx playwright test -c playwright.scale-out.config.ts
