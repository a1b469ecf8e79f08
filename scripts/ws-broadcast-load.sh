#!/usr/bin/env bash
# How long one broadcast takes to reach every subscriber of a `throng push` server, measured with
# the load tool (`throng load ws-broadcast`).
#
#   scripts/ws-broadcast-load.sh [subscribers] [procs]   (defaults: 10000, 1)
#   SIZE=64 MESSAGES=20 WARMUP=5 INTERVAL=1 CHANNELS=1 PUBLISH=binary TRANSPORT=auto MODEL=multi-reactor
#
# Starts `throng push` (one process) and the load tool (PROCS processes: one holds at most ~19,900
# sockets here), which subscribes that many WebSocket clients, publishes WARMUP + MESSAGES
# broadcasts of SIZE bytes, and prints each one's p50, p99, max and time to the last subscriber.
# The load tool's summary goes to stdout and its JSON result to $OUT (default: a temporary file).
# The server's RSS after the run is printed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
subs=${1:-10000}
procs=${2:-1}
size=${SIZE:-64}
messages=${MESSAGES:-20}
warmup=${WARMUP:-5}
interval=${INTERVAL:-1}
channels=${CHANNELS:-1}
publish=${PUBLISH:-binary}
transport=${TRANSPORT:-auto}
model=${MODEL:-multi-reactor}
out=${OUT:-$(mktemp --suffix=.json)}
"$root/throng" --version >/dev/null   # builds if needed
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
THRONG_JAVA_OPTS="${SERVER_OPTS:--Xmx2g}" "$root/throng" push --model "$model" --transport "$transport" --port "$port" \
  --status-interval 0 --max-handshakes 20000 >"$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "throng push on" "$log" && break; sleep 0.1; done
pid=$(sed -n 's/.*pid \([0-9]*\)).*/\1/p' "$log" | head -n 1)
echo "server: throng push --model $model --transport $transport (pid $pid)"
"$root/throng" load ws-broadcast --url "ws://127.0.0.1:$port/sub/bench" --conns "$subs" --procs "$procs" --rate 0 \
  --channels "$channels" --messages "$messages" --warmup-messages "$warmup" --size "$size" --interval "$interval" \
  --publish "$publish" --src-ips 8 --json "$out"
echo "server RSS after the run: $(awk '/^VmRSS:/ {print $2 " kB"}' "/proc/$pid/status")"
