#!/usr/bin/env bash
# Runs the benchmark scenarios of docs/benchmarks.md against a fresh release
# server on this machine (client and server on the same box) and prints one
# result line per run. Each scenario is repeated REPEAT times (default 3).
#
#   scripts/bench.sh [a|b|c|d|e|f|all]  (a runs parlor-bare beside Parlor at each rate: BARE=0 not;
#                                       the server runs with its default flags but the rate limits,
#                                       LAYER_CAPACITY=N to set --layer-capacity)
#   PARLOR_BIN=/tmp/old/parlor LEPTOS_SITE_ROOT=/tmp/old/site NO_BUILD=1 scripts/bench.sh k
#                                      (the same scenario against another build, for an A/B)
#   SYNC=normal scripts/bench.sh f     (SQLite synchronous=NORMAL instead of FULL)
#   MIX=1 scripts/bench.sh a           (the realistic mix: read markers, typing, a reaction and an
#                                       edit on 5% of messages (parlor-load --mix), and CHURN (4)
#                                       uncounted sockets of their own users joining and leaving,
#                                       2 s in, 2 s out: ~1 join and 1 leave a second, 1% of readers)
#   scripts/bench.sh j                 (scenario a split across two instances on PostgreSQL + Redis,
#                                       scripts/scale-out-stack.sh: sockets and senders alternate
#                                       between them; RATES (4000), MIX as for a; ROOMS_J rooms (1);
#                                       LAYER=cluster: a three-node Redis Cluster instead of one Redis;
#                                       prints the Redis servers' CPU over the run; not in `all`)
#   scripts/bench.sh g                 (search latency over ~1,000,000 messages; not in `all`:
#                                       seeding takes minutes; SEED_SECS sets how long)
#   scripts/bench.sh h                 (room page time to interactive in Chromium, 20 cold and 20
#                                       warm loads, end2end/bench/tti.mjs; not in `all`; LOADS)
#   scripts/bench.sh k                 (page views as real traffic makes them: 100 logged-in users x 10 rooms
#                                       of 60 messages, every request a different (user, room) pair
#                                       (scripts/bench/pages.lua): room page without and with
#                                       Accept-Encoding "br, gzip", the lobby, the history API: req/s and the
#                                       server's CPU time per request; not in `all`)
#   scripts/bench.sh l                 (Lighthouse 12 mobile audit of the room page and the lobby:
#                                       performance, accessibility, best practices, LCP, TBT, CLS;
#                                       installs lighthouse@12 under target/lighthouse; not in `all`)
#   scripts/bench.sh i                 (100,000 idle sockets over 100 rooms from 8 loopback source
#                                       addresses, each sent THEN_SEND (5) messages per room first:
#                                       server RSS per socket and idle CPU over 30 s; not in `all`;
#                                       needs an open-file hard limit above CLIENTS_I (100000))
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
which=${1:-all}
repeat=${REPEAT:-3}
port=${PORT:-3400}
base="http://127.0.0.1:$port"
# As many open files as allowed (a socket is one): the hard limit, or more where
# this shell may raise it.
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# Scenario i fails here rather than after the build when its sockets cannot fit:
# the server and the generator each hold one file per socket, plus their own.
clients_i=${CLIENTS_I:-100000}
files=$(ulimit -Sn)
if [[ $which == i && $files != unlimited ]] && (( files < clients_i + 1024 )); then
  echo "bench: (i) needs an open-file limit of $((clients_i + 1024)); this shell's is $files" \
    "(hard $(ulimit -Hn); raising it needs root with CAP_SYS_RESOURCE, or LimitNOFILE/limits.conf)." \
    "Set CLIENTS_I lower to run a smaller version." >&2
  exit 1
fi

# The build toolchain (skipped when present), then the load tools this script
# drives, installed the same idempotent way.
scripts/bootstrap.sh >/dev/null
if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: installing wrk" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# An A/B against a build kept elsewhere: PARLOR_BIN=/path/to/parlor (with
# LEPTOS_SITE_ROOT=/path/to/its/site) and NO_BUILD=1 to leave target/ as it is.
bin=${PARLOR_BIN:-./target/release/parlor}
if [[ -z ${NO_BUILD:-} ]]; then
  cargo leptos build --release --precompress --split >/dev/null
fi
cargo build --release -p parlor-load >/dev/null

server_pid=
start_server() {
  data=$(mktemp -d /tmp/parlor-bench.XXXXXX)
  RUST_LOG=warn "$bin" --addr "127.0.0.1:$port" --data-dir "$data" \
    --auth-attempts-per-ip 1000000 --upgrades-per-ip 1000000 --messages-per-second 1000000 \
    ${LAYER_CAPACITY:+--layer-capacity "$LAYER_CAPACITY"} --rooms-per-hour 1000000 --max-sockets-per-user 1000000 \
    --sqlite-synchronous "${SYNC:-full}" &
  server_pid=$!
  until curl -sf "$base/healthz" >/dev/null; do sleep 0.1; done
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
trap stop_server EXIT
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status"; }
# utime + stime of the server, in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{ print $12 + $13 }'; }
load() { ./target/release/parlor-load --url "$base" "$@"; }
# Puts about 60 messages in room <prefix>-0 and prints a session cookie of its sender
# (the session's only: log-in also sets a known-browser cookie).
seed_room() {
  load --clients 1 --senders 1 --rate 60 --duration 1 --room-prefix "$1" >/dev/null
  curl -s -D - -o /dev/null -H 'accept: application/json' \
    --data 'username=load_sender0&password=parlor-load-password' "$base/api/login" |
    awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /^parlor_session=/ { print $2 }'
}

# Runs `parlor-load ARGS` REPEAT times, each against a fresh server: repeat_load LABEL ARGS...
repeat_load() {
  local label=$1
  shift
  for run in $(seq "$repeat"); do
    start_server
    echo -n "($label) run $run: "
    load "$@"
    stop_server
  done
}

# The same load against parlor-bare (load/src/bin/parlor-bare), the bare
# broadcast server the fan-out is compared with: repeat_bare LABEL ARGS...
bare_port=$((port + 1))
repeat_bare() {
  local label=$1
  shift
  for run in $(seq "$repeat"); do
    ./target/release/parlor-bare --addr "127.0.0.1:$bare_port" &
    local bare_pid=$!
    until curl -sf "http://127.0.0.1:$bare_port/healthz" >/dev/null; do sleep 0.1; done
    echo -n "($label) run $run: "
    ./target/release/parlor-load --url "http://127.0.0.1:$bare_port" "$@"
    kill "$bare_pid" 2>/dev/null || true
    wait "$bare_pid" 2>/dev/null || true
  done
}

if [[ $which == a || $which == all ]]; then
  for rate in ${RATES:-1000 2000 4000 6000 8000}; do
    repeat_load a --clients 100 --senders 10 --rate "$rate" --duration 10 --room-prefix a \
      ${MIX:+--mix --churn "${CHURN:-4}" --churn-secs 2}
    # Beside it, the bare broadcast server under the same load (BARE=0: not).
    if [[ ${BARE:-1} != 0 && -z ${MIX:-} ]]; then
      repeat_bare a-bare --clients 100 --senders 10 --rate "$rate" --duration 10 --room-prefix a
    fi
  done
fi

if [[ $which == b || $which == all ]]; then
  repeat_load b --clients 1000 --senders 10 --rate "${RATE_B:-100}" --duration 10 --room-prefix b
fi

if [[ $which == c || $which == all ]]; then
  for run in $(seq "$repeat"); do
    start_server
    before=$(rss_kib)
    load --clients 10000 --idle --duration 5 --connect-parallelism 128 --room-prefix c --rooms 100 &
    load_pid=$!
    sleep 4
    until grep -q parlor_sockets_open <(curl -s "$base/metrics") && \
      [[ $(curl -s "$base/metrics" | awk '/^parlor_sockets_open / { print $2 }') -ge 10000 ]]; do sleep 0.5; done
    after=$(rss_kib)
    echo "(c) run $run: rss before=${before}KiB after=${after}KiB per socket=$(( (after - before) * 1024 / 10000 )) bytes"
    wait "$load_pid"
    stop_server
  done
fi

if [[ $which == d || $which == all ]]; then
  start_server
  cookie=$(seed_room d)
  for run in $(seq "$repeat"); do
    echo -n "(d) run $run room page: "
    wrk -t2 -c50 -d10s -H "Cookie: $cookie" "$base/room/d-0/" | awk '/Requests\/sec/ { print $2 " req/s" }'
    echo -n "(d) run $run history API: "
    wrk -t2 -c50 -d10s -H "Cookie: $cookie" "$base/api/messages/d-0/" | awk '/Requests\/sec/ { print $2 " req/s" }'
  done
  stop_server
fi

if [[ $which == e || $which == all ]]; then
  # Every file the room page loads on a first visit, as gzip and as brotli (what
  # Chromium negotiates); the service worker and the manifest come after the load.
  start_server
  cookie=$(seed_room e)
  declare -A total=([gzip]=0 [br]=0)
  # The bundle's folder is content-hashed: read its files off the page (the
  # chunks' loader is named by a modulepreload; the lazy chunks are not loaded).
  bundle=$(curl -s -H "Cookie: $cookie" "$base/room/e-0/" | grep -oE '/pkg/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?' | sort -u)
  for path in /room/e-0/ $bundle /favicon.svg; do
    line="(e) $path:"
    for encoding in gzip br; do
      bytes=$(curl -s -H "Accept-Encoding: $encoding" -H "Cookie: $cookie" -o /dev/null -w '%{size_download}' "$base$path")
      line="$line $encoding $bytes"
      total[$encoding]=$(( total[$encoding] + bytes ))
    done
    echo "$line bytes on the wire"
  done
  echo "(e) first load total: gzip ${total[gzip]} bytes, brotli ${total[br]} bytes"
  stop_server
fi

if [[ $which == f || $which == all ]]; then
  # Offered above what the writer stores (≈ 34-38k acked msg/s with batches of 4,096), so the
  # figure is the writer's capacity and not the offered rate.
  repeat_load f --clients 200 --senders 200 --rooms 100 --rate "${RATE_F:-40000}" --duration 10 --room-prefix f
fi

if [[ $which == g ]]; then
  # About 1,000,000 messages of 8 words each (a 20,000-word vocabulary, from
  # w1 in most messages to w19000 in a handful) over 100 rooms, then each kind
  # of query for 10 s with 4 connections: latency p50 / p99 per query.
  start_server
  load --clients 200 --senders 200 --rooms 100 --rate 25000 --duration "${SEED_SECS:-50}" --words 8 --room-prefix g
  cookie=$(curl -s -D - -o /dev/null -H 'accept: application/json' \
    --data 'username=load_sender0&password=parlor-load-password' "$base/api/login" |
    awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /^parlor_session=/ { print $2 }')
  for query in w1 w100 w15000 w12%2A %22w1%20w2%22 w3%20w70 w5%20from%3Aload_sender7 w9%20in%3Ag-3; do
    echo -n "(g) q=$query: "
    wrk -t2 -c4 -d10s --latency -H "Cookie: $cookie" "$base/api/search/?q=$query" |
      awk '/^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 } /Requests\/sec/ { rps = $2 } END { print "p50 " p50 ", p99 " p99 ", " rps " req/s" }'
  done
  stop_server
fi

if [[ $which == h ]]; then
  # Time to interactive of the room page in Chromium (issue #18): navigation
  # start to the later of room socket open and first message painted, p50/p90
  # over LOADS cold loads (a fresh browser context each) and as many warm ones.
  [[ -d end2end/node_modules/@playwright/test ]] || (cd end2end && npm ci --silent)
  start_server
  cookie=$(seed_room h)
  node end2end/bench/tti.mjs --url "$base" --cookie "$cookie" --room h-0 --loads "${LOADS:-20}" | sed 's/^/(h) /'
  stop_server
fi

if [[ $which == i ]]; then
  # 100,000 authenticated idle sockets over 100 rooms, from 8 loopback source
  # addresses (one address has ~28k ephemeral ports). Once all are open, the
  # first socket of each room sends THEN_SEND messages and the generator waits
  # until every socket has them (it prints `settled ...`); then: server RSS per
  # socket, and the CPU the idle server uses over 30 s, pings included.
  clients=$clients_i
  ping_secs=20 # the server's --ping-secs (default): start_server does not set it
  hz=$(getconf CLK_TCK)
  for run in $(seq "$repeat"); do
    start_server
    # The rooms exist before the sockets open, as rooms do: a room's first
    # message makes every socket already open to it record the room in the
    # database, which is not what this scenario measures.
    load --clients 100 --rooms 100 --idle --then-send 1 --duration 0 --room-prefix i >/dev/null 2>&1
    before=$(rss_kib)
    log=$(mktemp /tmp/parlor-bench-i.XXXXXX)
    load --clients "$clients" --idle --then-send "${THEN_SEND:-5}" --rooms 100 --source-addrs 8 \
      --connect-parallelism 128 --drain-secs 120 --duration 45 --room-prefix i >"$log.out" 2>"$log" &
    load_pid=$!
    until grep -q '^settled' "$log"; do
      if ! kill -0 "$load_pid" 2>/dev/null; then
        cat "$log" "$log.out" >&2
        echo "bench: (i) the generator ended before its messages settled" >&2
        exit 1
      fi
      sleep 0.5
    done
    sleep 2
    after=$(rss_kib)
    open=$(curl -s "$base/metrics" | awk '/^parlor_sockets_open / { print $2 }')
    ticks_before=$(cpu_ticks)
    sleep 30
    ticks_after=$(cpu_ticks)
    # Once idle for 30 s: what connecting left behind has been returned.
    idle=$(rss_kib)
    wait "$load_pid"
    echo "(i) run $run generator: $(grep '^settled' "$log"); $(cat "$log.out")"
    echo "(i) run $run: sockets=$clients open=$open rss before=${before}KiB settled=${after}KiB idle=${idle}KiB" \
      "per socket=$(( (after - before) * 1024 / clients )) bytes settled, $(( (idle - before) * 1024 / clients )) bytes after 30 s idle;" \
      "idle cpu=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$hz" 'BEGIN { printf "%.1f", t / hz / 30 * 100 }')%" \
      "of one core over 30 s (pings every ${ping_secs} s: ~$((clients / ping_secs))/s)"
    rm -f "$log" "$log.out"
    stop_server
  done
fi

# Registers user $1 and prints its session cookie.
user_cookie() {
  curl -s -D - -o /dev/null -H 'accept: application/json' \
    --data "username=$1&password=parlor-bench-password" "$base/api/register" |
    awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /^parlor_session=/ { print $2 }'
}

# 10 rooms of about 60 messages each, and 100 users who have each opened all of
# them (so their sidebars list the 10 with their counts). Prints the rooms.
seed_page_mix() {
  load --clients 10 --senders 10 --rooms 10 --rate 600 --duration 1 --room-prefix "$1" >/dev/null
  cookies=$(mktemp /tmp/parlor-bench-cookies.XXXXXX)
  for i in $(seq 0 99); do user_cookie "reader$i" >>"$cookies"; done
  rooms=$(seq -f "$1-%g" 0 9 | tr '\n' ' ')
  while read -r cookie; do
    for room in $rooms; do curl -s -o /dev/null -H "Cookie: $cookie" "$base/room/$room/"; done
  done <"$cookies"
}

if [[ $which == k ]]; then
  # Besides the rate (which wrk, sharing the two cores, makes noisy): the
  # server's own CPU time per request, steadier from run to run.
  hz=$(getconf CLK_TCK)
  for run in $(seq "$repeat"); do
    start_server
    seed_page_mix k
    for case in "room:" "room:br, gzip" "lobby:br, gzip" "history:br, gzip"; do
      kind=${case%%:*} encoding=${case#*:}
      echo -n "(k) run $run $kind${encoding:+ ($encoding)}: "
      ticks_before=$(cpu_ticks)
      report=$(PAGES_COOKIES=$cookies PAGES_ROOMS=$rooms PAGES_KIND=$kind PAGES_ENCODING=$encoding \
        wrk -t2 -c50 -d10s -s scripts/bench/pages.lua "$base" 2>/dev/null)
      ticks_after=$(cpu_ticks)
      echo "$report" | awk -v t=$((ticks_after - ticks_before)) -v hz="$hz" '
        /requests in/ { n = $1 } /Requests\/sec/ { rate = $2 }
        END { printf "%s req/s, server CPU %.0f us/request\n", rate, n ? t / hz * 1e6 / n : 0 }'
    done
    rm -f "$cookies"
    stop_server
  done
fi

if [[ $which == l ]]; then
  # Lighthouse 12's mobile audit (simulated slow 4G, 4x CPU slowdown) of a
  # room page and the lobby, as a logged-in reader sees them.
  lighthouse_dir=target/lighthouse
  if [[ ! -x $lighthouse_dir/node_modules/.bin/lighthouse ]]; then
    echo "bench: installing lighthouse@12" >&2
    mkdir -p "$lighthouse_dir"
    (cd "$lighthouse_dir" && npm install --no-audit --no-fund --silent lighthouse@12 >/dev/null)
  fi
  for run in $(seq "$repeat"); do
    start_server
    cookie=$(seed_room l)
    for path in /room/l-0/ /; do
      report=$(mktemp /tmp/parlor-lighthouse.XXXXXX.json)
      CHROME_PATH=/usr/bin/chromium "$lighthouse_dir/node_modules/.bin/lighthouse" "$base$path" \
        --quiet --output=json --output-path="$report" --only-categories=performance,accessibility,best-practices \
        --extra-headers="{\"Cookie\": \"$cookie\"}" \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync" \
        >/dev/null 2>&1 || true
      echo -n "(l) run $run $path: "
      node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const score = (c) => Math.round(r.categories[c].score * 100);
        const ms = (a) => Math.round(r.audits[a].numericValue);
        console.log(`performance ${score("performance")} accessibility ${score("accessibility")} best-practices ${score("best-practices")}` +
          ` LCP ${ms("largest-contentful-paint")} ms TBT ${ms("total-blocking-time")} ms CLS ${r.audits["cumulative-layout-shift"].numericValue.toFixed(3)}`);
      ' "$report" 2>/dev/null || echo "no report (see $report)"
      rm -f "$report"
    done
    stop_server
  done
fi

# CPU seconds used so far by each redis-server of this machine ("pid:seconds" each).
redis_cpu() {
  local hz pid
  hz=$(getconf CLK_TCK)
  for pid in $(pgrep -x redis-server); do
    awk -v pid="$pid" -v hz="$hz" '{ printf "%s:%.2f ", pid, ($14 + $15) / hz }' "/proc/$pid/stat"
  done
}
# Each redis-server's CPU seconds since the `redis_cpu` snapshot $1.
redis_cpu_since() {
  local now entry pid before after
  now=$(redis_cpu)
  for entry in $now; do
    pid=${entry%%:*}; after=${entry#*:}
    before=$(tr ' ' '\n' <<<"$1" | awk -F: -v pid="$pid" '$1 == pid { print $2 }')
    awk -v a="$after" -v b="${before:-0}" 'BEGIN { printf "%.2f s  ", a - b }'
  done
}

if [[ $which == j ]]; then
  # Scenario (a) on two instances sharing PostgreSQL and Redis: socket i (and
  # sender i) goes to instance i mod 2, so every message reaches half of its
  # readers through Redis. A fresh stack (scripts/scale-out-stack.sh) per run.
  stack_port=$((port + 100))
  first="http://127.0.0.1:$((stack_port + 1))" second="http://127.0.0.1:$((stack_port + 2))"
  for rate in ${RATES:-4000}; do
    for run in $(seq "$repeat"); do
      PARLOR_MESSAGES_PER_SECOND=1000000 PARLOR_LAYER_CAPACITY=4096 PARLOR_ROOMS_PER_HOUR=1000000 \
        PARLOR_MAX_SOCKETS_PER_USER=1000000 scripts/scale-out-stack.sh "$stack_port" >/dev/null 2>&1 &
      stack=$!
      until curl -sf "$first/healthz" >/dev/null && curl -sf "$second/healthz" >/dev/null; do sleep 0.2; done
      echo -n "(j) run $run: "
      redis_cpu_before=$(redis_cpu)
      ./target/release/parlor-load --url "$first" --socket-url "$first" --socket-url "$second" \
        --clients 100 --senders 10 --rooms "${ROOMS_J:-1}" --rate "$rate" --duration 10 --room-prefix j \
        ${MIX:+--mix --churn "${CHURN:-4}" --churn-secs 2}
      echo "(j) run $run: redis CPU $(redis_cpu_since "$redis_cpu_before") (seconds of CPU per Redis server over the run)"
      kill "$stack"
      wait "$stack" 2>/dev/null || true
    done
  done
fi
