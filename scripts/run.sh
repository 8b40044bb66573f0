#!/usr/bin/env bash
# Sets up what is missing, builds Parlor (release) and serves it at
# http://127.0.0.1:3000 with a SQLite file under ./data and the in-memory channel
# layer. Flags are passed on to `parlor` (see `parlor --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress --split
exec ./target/release/parlor "$@"
