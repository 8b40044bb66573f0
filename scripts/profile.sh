#!/usr/bin/env bash
# Profiles one benchmark scenario with perf: starts a fresh release server,
# drives it (parlor-load, or wrk for the room page), samples every CPU for a few
# seconds in the middle of the run, and prints where the time went: by thread
# kind, by binary/library, and the hottest symbols of the server.
#
#   scripts/profile.sh fanout [RATE]     # case (a): 100 clients, 10 senders (default 2000 msg/s)
#   scripts/profile.sh durable [RATE]    # case (f): 200 senders over 100 rooms (default 20000 msg/s)
#   scripts/profile.sh page              # case (d): wrk on the room page
#
# Needs `perf` (Debian package linux-perf) and root or perf_event_paranoid <= 1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
what=${1:?usage: scripts/profile.sh fanout|durable|page [RATE]}
port=${PORT:-3450}
base="http://127.0.0.1:$port"
out=$(mktemp -d /tmp/parlor-profile.XXXXXX)
ulimit -n 65536 2>/dev/null || true

cargo leptos build --release --precompress --split >/dev/null
cargo build --release -p parlor-load >/dev/null

RUST_LOG=warn ./target/release/parlor --addr "127.0.0.1:$port" --data-dir "$out/data" \
  --auth-attempts-per-ip 1000000 --upgrades-per-ip 1000000 --messages-per-second 1000000 --layer-capacity 4096 \
  --rooms-per-hour 1000000 --max-sockets-per-user 1000000 --sqlite-synchronous "${SYNC:-full}" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
until curl -sf "$base/healthz" >/dev/null; do sleep 0.1; done
load() { ./target/release/parlor-load --url "$base" "$@"; }

# Samples the whole machine for 5 s, starting 3 s from now.
sample() { (sleep 3; perf record -F 499 -a -o "$out/perf.data" -- sleep 5 >/dev/null 2>&1) & }

case $what in
  fanout)
    sample; perf_pid=$!
    load --clients 100 --senders 10 --rate "${2:-2000}" --duration 10 --room-prefix a ;;
  durable)
    sample; perf_pid=$!
    load --clients 200 --senders 200 --rooms 100 --rate "${2:-20000}" --duration 10 --room-prefix f ;;
  page)
    load --clients 1 --senders 1 --rate 60 --duration 1 --room-prefix d >/dev/null
    cookie=$(curl -s -D - -o /dev/null -H 'accept: application/json' \
      --data 'username=load_sender0&password=parlor-load-password' "$base/api/login" |
      awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /^parlor_session=/ { print $2 }')
    sample; perf_pid=$!
    wrk -t2 -c50 -d10s -H "Cookie: $cookie" "$base/room/d-0/" | grep Requests/sec ;;
  *) echo "unknown scenario: $what" >&2; exit 2 ;;
esac
wait "$perf_pid"
report() { perf report -i "$out/perf.data" --stdio "$@" 2>/dev/null | grep -v '^#' | grep -v '^$'; }
echo "== CPU by thread kind (swapper = idle)"; report --sort comm | head -6
echo "== CPU by binary"; report --sort dso | head -6
echo "== hottest server symbols"; report --dsos parlor --sort sym | head -25
echo "(perf data: $out/perf.data)"
