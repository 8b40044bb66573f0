#!/usr/bin/env bash
# Runs Parlor's fuzz targets (client-frame parser, name validators, message renderer) for a bounded
# time each. Not part of the test command. Installs cargo-fuzz when missing.
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
#
#   scripts/fuzz.sh            60 s per target
#   FUZZ_SECONDS=600 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
seconds=${FUZZ_SECONDS:-60}
for target in client_frame names markup; do
  echo "== fuzzing $target for ${seconds}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" -max_len=20000
done
