#!/usr/bin/env bash
# Sets up what is missing, checks the formatting and the lints (clippy, for
# the server's and the browser's half), then runs every test: the Rust unit and integration
# tests (real server, real SQLite file, real PostgreSQL and Redis, real sockets)
# and the Playwright end-to-end tests in Chromium against the release build,
# including two instances behind nginx. Ends with one line counting them all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== cargo fmt --check (every crate of the workspace, and the fuzz targets)"
cargo fmt --all --check
rustfmt --check --config-path rustfmt.toml fuzz/fuzz_targets/*.rs

echo "== cargo clippy -D warnings (server half, browser half)"
cargo clippy --workspace --all-targets --features ssr --locked -- -D warnings
cargo clippy --all-targets --features hydrate --locked -- -D warnings

echo "== cargo test"
cargo test --features ssr --locked --lib --bins --tests 2>&1 | tee "$log/cargo"

echo "== release build for the end-to-end tests"
cargo leptos build --release --precompress --split

echo "== playwright"
(cd end2end && npx playwright test) 2>&1 | tee "$log/e2e"
echo "== playwright: two instances behind nginx"
(cd end2end && npx playwright test -c playwright.scale-out.config.ts) 2>&1 | tee "$log/scale-out"

# Every runner above stops this script when it fails, so reaching here means all passed.
count() { grep -hoE "$1" "$log"/* | grep -oE '[0-9]+ passed' | awk '{ sum += $1 } END { print sum + 0 }'; }
cargo_passed=$(count '^test result: ok\. [0-9]+ passed')
e2e_passed=$(count '^ +[0-9]+ passed')
echo "all: $((cargo_passed + e2e_passed)) passed, 0 failed"
