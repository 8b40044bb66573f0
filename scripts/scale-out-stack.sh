#!/usr/bin/env bash
# Runs a small Parlor deployment on loopback, in the foreground, for the
# scale-out browser test: PostgreSQL, Redis, two Parlor instances (release build)
# and nginx in front of them with deploy/nginx.conf. Everything stops on exit.
#
#   scripts/scale-out-stack.sh BASE_PORT
#   LAYER=cluster scripts/scale-out-stack.sh BASE_PORT
# nginx listens on BASE_PORT; the instances on BASE_PORT+1 and +2, Redis on +3,
# PostgreSQL on +4. With LAYER=cluster the instances share a three-node Redis
# Cluster (sharded pub/sub) on +5, +6 and +7 (cluster bus ports 10000 higher)
# instead of the one Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: scale-out-stack.sh BASE_PORT}
a=$((base + 1)); b=$((base + 2)); redis_port=$((base + 3)); pg_port=$((base + 4))
dir=$(mktemp -d /tmp/parlor-stack.XXXXXX)
chmod 755 "$dir"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  as_postgres "$pg_bin/pg_ctl" -D "$dir/pg" -m immediate stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [[ ${LAYER:-redis} == cluster ]]; then
  nodes=()
  for port in $((base + 5)) $((base + 6)) $((base + 7)); do
    mkdir -p "$dir/cluster-$port"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir/cluster-$port" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
      --cluster-require-full-coverage no >"$dir/redis-$port.log" 2>&1 &
    pids+=($!)
    nodes+=("127.0.0.1:$port")
  done
  for node in "${nodes[@]}"; do until redis-cli -p "${node#*:}" ping >/dev/null 2>&1; do sleep 0.1; done; done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
  for node in "${nodes[@]}"; do
    until redis-cli -p "${node#*:}" cluster info | grep -q cluster_state:ok; do sleep 0.1; done
  done
  layer="redis-cluster://$(IFS=,; echo "${nodes[*]}")"
else
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$dir/redis.log" 2>&1 &
  pids+=($!)
  layer="redis://127.0.0.1:$redis_port"
fi

mkdir -p "$dir/pg"
[[ $(id -u) == 0 ]] && chown postgres:postgres "$dir/pg"
as_postgres "$pg_bin/initdb" -D "$dir/pg" -A trust -U postgres --no-sync >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/log" -w \
  -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null
psql -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE parlor"

export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/parlor"
export PARLOR_CHANNEL_LAYER="$layer"
export PARLOR_AUTH_ATTEMPTS_PER_IP=100000 PARLOR_UPGRADES_PER_IP=100000
# nginx reaches the instances from 127.0.0.1: believe its X-Forwarded-For.
export PARLOR_TRUSTED_PROXIES=127.0.0.1/32
# The first instance migrates the database; the second starts once it is ready.
./target/release/parlor --addr "127.0.0.1:$a" &
pids+=($!)
until curl -sf "http://127.0.0.1:$a/healthz" >/dev/null; do sleep 0.2; done
./target/release/parlor --addr "127.0.0.1:$b" &
pids+=($!)
until curl -sf "http://127.0.0.1:$b/healthz" >/dev/null; do sleep 0.2; done

mkdir -p "$dir/logs"
sed -e "s/127.0.0.1:3001/127.0.0.1:$a/; s/127.0.0.1:3002/127.0.0.1:$b/; s/listen 8080;/listen 127.0.0.1:$base;/" \
  deploy/nginx.conf >"$dir/nginx.conf"
nginx -c "$dir/nginx.conf" -p "$dir" -e stderr \
  -g "daemon off; pid $dir/nginx.pid; $( [[ $(id -u) == 0 ]] && echo 'user root;' )" &
pids+=($!)
wait
