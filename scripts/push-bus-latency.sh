#!/usr/bin/env bash
# What one bus hop costs: one subscriber, COUNT 64-byte messages published one at a time (each
# after the previous arrived), publish-to-arrival p50/p99/max, for each bus:
#   in-process (throng push), the prefork hub (2 workers), Redis and NATS (one node, own broker).
#
#   scripts/push-bus-latency.sh [count]     (default 5000; 1000 more are a warm-up)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
count=${1:-5000}
"$root/throng" --version >/dev/null   # builds if needed
jar="$root/throng-cli/target/throng.jar"
. "$root/scripts/lib-procs.sh"
find_bin() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

rport=$(free_port)
"$(find_bin redis-server)" --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --logfile "$work/redis.log" &
pids+=($!)
nport=$(free_port)
"$(find_bin nats-server)" -a 127.0.0.1 -p "$nport" >"$work/nats.log" 2>&1 &
pids+=($!)
sleep 1

run() {
  local name=$1; shift
  local port
  port=$(free_port)
  "$root/throng" push --port "$port" --status-interval 0 "$@" >"$work/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 240); do grep -q "^throng push on" "$work/server.log" && break; sleep 0.25; done
  printf '%-34s ' "$name:"
  "$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED -cp "$jar" \
    io.throng.websocket.probe.ClusterBroadcastProbe latency "$port" "$count" 2>/dev/null
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
}

run "in-process (multi-reactor)" --model multi-reactor --loops 1
run "embedded, prefork hub (2 workers)" --model prefork --procs 2 --worker-model multi-reactor --loops 1
run "redis (one node)" --model multi-reactor --loops 1 --bus "redis://127.0.0.1:$rport"
run "nats (one node)" --model multi-reactor --loops 1 --bus "nats://127.0.0.1:$nport"
