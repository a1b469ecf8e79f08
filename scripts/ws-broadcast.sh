#!/usr/bin/env bash
# How long one published message takes to reach every subscriber of a `throng push` server.
#
#   scripts/ws-broadcast.sh [subscribers] [model]     (defaults: 10000, multi-reactor; SIZE=64 ROUNDS=5)
#
# Starts `throng push` in one process and io.throng.websocket.probe.BroadcastProbe in another (each
# holds one end of every connection: 10,000 each stays under a process's descriptor limit). The
# probe subscribes that many WebSocket clients to one channel, publishes a SIZE-byte message with
# the binary publish protocol ROUNDS times, and prints, per round, the publish call's time and the
# delivery times measured from just before the publish: p50, p99 and max (the last subscriber).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
subs=${1:-10000}
model=${2:-multi-reactor}
size=${SIZE:-64}
rounds=${ROUNDS:-5}
"$root/throng" --version >/dev/null   # builds if needed
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
THRONG_JAVA_OPTS="${SERVER_OPTS:--Xmx2g}" "$root/throng" push --model "$model" --port "$port" --status-interval 0 \
  --max-handshakes 20000 >"$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "throng push on" "$log" && break; sleep 0.1; done
pid=$(sed -n 's/.*pid \([0-9]*\)).*/\1/p' "$log" | head -n 1)
echo "server: throng push --model $model (pid $pid), $subs subscribers, $size-byte messages"
"$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders -Xmx2g -cp "$root/throng-cli/target/throng.jar" \
  io.throng.websocket.probe.BroadcastProbe "$port" "$subs" "$size" "$rounds"
echo "server RSS with $subs subscribers: $(awk '/^VmRSS:/ {print $2 " kB"}' "/proc/$pid/status")"
