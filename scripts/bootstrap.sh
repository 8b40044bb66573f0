#!/usr/bin/env bash
# Installs what Parlor needs to build and test on a fresh machine, skipping
# whatever is already there. Only package registries are used (crates.io, npm,
# Debian). Safe to run again and again.
#
#   scripts/bootstrap.sh          toolchain for building and running Parlor
#   scripts/bootstrap.sh --test   also Chromium, PostgreSQL, Redis, nginx and the
#                                 end-to-end npm packages
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

log() { printf '\033[1mbootstrap:\033[0m %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

export PATH="$HOME/.cargo/bin:$PATH"

apt_updated=false
apt_install() {
  if ! $apt_updated; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=true
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Rust target for the browser bundle.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# rustfmt and clippy, which the test script runs before the tests.
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding the $component component"
    rustup component add "$component"
  fi
done

# cargo-leptos, built without its downloader (it would fetch tools from the web).
if ! have cargo-leptos || ! cargo-leptos --version | grep -q '0\.3\.10'; then
  log "installing cargo-leptos 0.3.10 (about 17 minutes on 2 cores)"
  cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
fi

# wasm-bindgen must match the wasm-bindgen crate in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! have wasm-bindgen || [[ "$(wasm-bindgen --version | awk '{print $2}')" != "$bindgen_version" ]]; then
  log "installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# wasm-opt (for release builds) from npm's binaryen; Debian's is too old.
if ! have wasm-opt || ! wasm-opt --version | grep -q 'version 1[3-9][0-9]'; then
  log "installing wasm-opt (npm binaryen 132)"
  npm install --global --no-audit --no-fund --silent binaryen@132.0.0
fi

if $want_test; then
  missing=()
  have chromium || missing+=(chromium)
  have redis-server || missing+=(redis-server)
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
  have psql || missing+=(postgresql-client)
  have nginx || missing+=(nginx)
  if ((${#missing[@]})); then
    apt_install "${missing[@]}"
  fi
  if [[ ! -d end2end/node_modules/@playwright/test || ! -d end2end/node_modules/@axe-core/playwright ]]; then
    log "installing the end-to-end test packages (npm ci)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  fi
fi

log "ready"
