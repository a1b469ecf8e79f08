#!/usr/bin/env bash
# 100,000 held connections on one machine: a prefork server (8 workers, 12,500 each: one process
# holds at most ~19,900 descriptors here) and a multi-process hold load (8 processes, 8 source
# addresses), every connection pinging every 10 s for 60 s. Writes the load's JSON result.
#
#   scripts/prefork-100k.sh [out.json]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-prefork-100k-hold.json}
port=${PORT:-19402}
"$root/throng" --version >/dev/null
log=$(mktemp)
"$root/throng" serve --model prefork --procs 8 --worker-model multi-reactor --loops 1 --handler timestamp-echo \
  --port "$port" --status-interval 5s --worker-jvm "-Xmx512m -XX:+UseSerialGC" >"$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 120); do grep -q "prefork x8" "$log" && break; sleep 0.5; done
"$root/throng" load hold --port "$port" --conns 100000 --procs 8 --src-ips 8 --rate 5000 --ping-interval 10 \
  --duration 60 --json "$out"
grep '^cluster' "$log" | tail -n 2
