#!/usr/bin/env bash
# The fault matrix of docs/delivery.md: two Parlor instances (release build)
# behind deploy/nginx.conf, sharing PostgreSQL and Redis, each instance reaching
# Redis through its own TCP proxy that this script can cut, reset and slow down
# (`parlor-faults proxy`). For each case a fresh stack takes 1,000 msg/s from
# senders with a browser's outbox and readers that reconnect with ?after=
# (`parlor-faults run`, through nginx); ten seconds in, the fault strikes. At the
# end every acknowledged message is looked up in the history.
#
#   scripts/faults.sh                    every case
#   scripts/faults.sh redis-cut pg-stall some of them
#   SECONDS_OF_LOAD=40 RATE=1000 BASE_PORT=4600 scripts/faults.sh
#   LOGS=/tmp/faults-logs scripts/faults.sh   keeps each case's logs (instances,
#                                            nginx, Redis, PostgreSQL with lock waits)
#
# Cases: baseline, kill-instance, redis-restart, redis-pause, pg-restart,
# redis-cut, redis-delay, pg-stall. Prints one table row per case; exits 1 if
# any case lost, duplicated or skipped a message. Not part of .ci/run (about
# ten minutes); installs what it uses the way bootstrap.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."

all_cases=(baseline kill-instance redis-restart redis-pause pg-restart redis-cut redis-delay pg-stall)
cases=("$@")
[[ $# -eq 0 ]] && cases=("${all_cases[@]}")
for case in "${cases[@]}"; do
  [[ " ${all_cases[*]} " == *" $case "* ]] || { echo "faults: unknown case $case (${all_cases[*]})" >&2; exit 2; }
done
seconds=${SECONDS_OF_LOAD:-40}
rate=${RATE:-1000}
base=${BASE_PORT:-4600}
nginx_port=$base a_port=$((base + 1)) b_port=$((base + 2)) redis_port=$((base + 3)) pg_port=$((base + 4))
proxy_a=$((base + 5)) proxy_b=$((base + 6)) control_a=$((base + 7)) control_b=$((base + 8))

# quiet RUN...: runs a set-up step, showing its output only if it fails.
quiet() { local log; log=$(mktemp); "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }; rm -f "$log"; }
quiet scripts/bootstrap.sh --test
quiet cargo leptos build --release --split
quiet cargo build --release -p parlor-load

pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
ulimit -n 65536 2>/dev/null || true

export PARLOR_MESSAGES_PER_SECOND=1000000 PARLOR_ROOMS_PER_HOUR=1000000 PARLOR_MAX_SOCKETS_PER_USER=1000000
export PARLOR_AUTH_ATTEMPTS_PER_IP=100000 PARLOR_UPGRADES_PER_IP=100000
# nginx reaches the instances from 127.0.0.1: believe its X-Forwarded-For.
export PARLOR_TRUSTED_PROXIES=127.0.0.1/32
export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/parlor"
export RUST_LOG=warn

dir="" pids=() instance_pid=()
stop_stack() {
  [[ -n $dir ]] || return 0
  if [[ -n ${LOGS:-} && -n ${case:-} ]]; then
    mkdir -p "$LOGS/$case"
    cp "$dir"/*.log "$dir"/out "$dir"/load.err "$dir"/samples "$LOGS/$case/" 2>/dev/null || true
    cp "$dir/pg/log" "$LOGS/$case/postgres.log" 2>/dev/null || true
  fi
  for pid in "${pids[@]}" "${instance_pid[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f $dir/redis.pid ]] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  as_postgres "$pg_bin/pg_ctl" -D "$dir/pg" -m immediate stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  for pid in "${instance_pid[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done
  rm -rf "$dir"
  dir="" pids=() instance_pid=()
}
trap stop_stack EXIT

start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --pidfile "$dir/redis.pid" --daemonize yes --logfile "$dir/redis.log"
  until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
}

start_pg() {
  as_postgres "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/log" -w \
    -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c log_lock_waits=on" start >/dev/null
}

# start_instance INDEX: instance 0 on a_port through proxy_a, 1 on b_port through proxy_b.
start_instance() {
  local ports=("$a_port" "$b_port") proxies=("$proxy_a" "$proxy_b")
  PARLOR_CHANNEL_LAYER="redis://127.0.0.1:${proxies[$1]}" \
    ./target/release/parlor --addr "127.0.0.1:${ports[$1]}" --metrics-addr "127.0.0.1:$((base + 10 + $1))" \
      --data-dir "$dir/data" >>"$dir/parlor-$1.log" 2>&1 &
  instance_pid[$1]=$!
  disown "$!" # a SIGKILL of it is the point, not news
  until curl -sf "http://127.0.0.1:${ports[$1]}/healthz" >/dev/null; do sleep 0.2; done
}

start_stack() {
  dir=$(mktemp -d /tmp/parlor-faults.XXXXXX)
  chmod 755 "$dir"
  mkdir -p "$dir/pg" "$dir/data" "$dir/logs"
  [[ $(id -u) == 0 ]] && chown postgres:postgres "$dir/pg"
  as_postgres "$pg_bin/initdb" -D "$dir/pg" -A trust -U postgres --no-sync >/dev/null
  start_pg
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE parlor"
  start_redis
  ./target/release/parlor-faults proxy "127.0.0.1:$proxy_a" "127.0.0.1:$redis_port" "127.0.0.1:$control_a" &
  pids+=($!)
  ./target/release/parlor-faults proxy "127.0.0.1:$proxy_b" "127.0.0.1:$redis_port" "127.0.0.1:$control_b" &
  pids+=($!)
  sleep 0.3
  start_instance 0
  start_instance 1
  sed -e "s/127.0.0.1:3001/127.0.0.1:$a_port/; s/127.0.0.1:3002/127.0.0.1:$b_port/; s/listen 8080;/listen 127.0.0.1:$nginx_port;/" \
    deploy/nginx.conf >"$dir/nginx.conf"
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/nginx.log" \
    -g "daemon off; pid $dir/nginx.pid; $( [[ $(id -u) == 0 ]] && echo 'user root;' )" &
  pids+=($!)
  until curl -sf "http://127.0.0.1:$nginx_port/healthz" >/dev/null; do sleep 0.2; done
}

# proxy CONTROL_PORT COMMAND: one control line to a proxy.
proxy() { exec 3<>"/dev/tcp/127.0.0.1/$1"; echo "$2" >&3; read -r -t 5 answer <&3; exec 3<&-; [[ $answer == ok ]]; }

# Samples instance 0's /healthz and both instances' resident memory every half second.
sample() {
  while :; do
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$a_port/healthz" || true)
    rss=0
    for pid in "${instance_pid[@]}"; do
      kb=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
      (( kb > rss )) && rss=$kb
    done
    echo "$code $rss"
    sleep 0.5
  done
}

# The fault of each case, struck ten seconds into the load.
strike() {
  case $1 in
    baseline) ;;
    kill-instance)
      kill -9 "${instance_pid[0]}"
      sleep 10
      start_instance 0 ;;
    redis-restart)
      redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
      sleep 1
      start_redis ;;
    redis-pause)
      redis-cli -p "$redis_port" client pause 10000 all >/dev/null ;;
    pg-restart)
      as_postgres "$pg_bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null
      sleep 3
      start_pg ;;
    redis-cut)
      proxy "$control_a" cut
      sleep 10
      proxy "$control_a" heal
      echo "healed at $(date +%s.%N)" >>"$dir/events" ;;
    redis-delay) ;; # set before the load starts
    pg-stall)
      psql -h 127.0.0.1 -p "$pg_port" -U postgres -d parlor -q \
        -c "BEGIN; LOCK TABLE message IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(10); COMMIT;" >/dev/null ;;
  esac
}

printf '%-14s %7s %7s %5s %4s %5s %8s %11s %9s %9s %-15s %7s  %s\n' \
  case sent acked lost dup gaps unacked "away max" "p99" "max lat" "healthz (a)" "RSS MB" errors
failed=0
for case in "${cases[@]}"; do
  # The stall outlasts a small writer queue: its bound and refusals show.
  if [[ $case == pg-stall ]]; then export PARLOR_WRITER_QUEUE=200; else unset PARLOR_WRITER_QUEUE; fi
  start_stack
  [[ $case == redis-delay ]] && { proxy "$control_a" "delay 50"; proxy "$control_b" "delay 50"; }
  sample >"$dir/samples" &
  sampler=$!
  ./target/release/parlor-faults run --url "http://127.0.0.1:$nginx_port" --rate "$rate" --seconds "$seconds" \
    --room-prefix "$case" --json >"$dir/out" 2>"$dir/load.err" &
  load=$!
  sleep 10
  strike "$case"
  wait "$load" || failed=1
  for i in 0 1; do curl -s "http://127.0.0.1:$((base + 10 + i))/metrics" >"$dir/metrics-$i.log" || true; done
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  if ! json=$(tail -1 "$dir/out") || [[ $json != \{* ]]; then
    echo "faults: $case: the load tool failed:" >&2
    cat "$dir/load.err" "$dir/out" >&2
    tail -5 "$dir"/parlor-*.log >&2
    failed=1
    stop_stack
    continue
  fi
  health=$(awk '{ print $1 }' "$dir/samples" | uniq | paste -sd '>' | cut -c1-15)
  rss=$(awk '$2 > max { max = $2 } END { printf "%d", max / 1024 }' "$dir/samples")
  python3 - "$case" "$health" "$rss" "$json" <<'EOF'
import json, sys
case, health, rss, j = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
errors = " ".join(f"{code}x{n}" for code, n in j["errors"].items()) or "none"
print(f'{case:<14} {j["sent"]:>7} {j["acked"]:>7} {j["lost"]:>5} {j["duplicates"]:>4} {j["gaps"]:>5} {j["unacked"]:>8}'
      f' {j["longest_away_ms"] / 1000:>9.1f} s {j["p99_ms"]:>6.0f} ms {j["max_ms"] / 1000:>7.1f} s {health:<15} {rss:>7}  {errors}')
EOF
  stop_stack
done
exit "$failed"
