#!/usr/bin/env bash
# What an idle WebSocket connection costs a throng server, per model.
#
#   scripts/ws-idle-memory.sh [model ...]      (default: single-reactor multi-reactor worker-pool; CONNS=10000)
#   MODE=push scripts/ws-idle-memory.sh ...    (the push service, each connection subscribed to one channel)
#   TRANSPORT=nio scripts/ws-idle-memory.sh ... (default: the server's default, auto = epoll on Linux)
#
# As scripts/idle-memory.sh does for raw TCP: start the server (`throng serve --handler ws-echo`, or
# `throng push`) with a fixed, pre-touched heap; warm it up with one round of CONNS handshakes that
# are closed again (the handshake path's JIT compilation takes ~14 MB of compiler arenas once,
# which would otherwise be charged to the connections); force a full GC and read RSS and used heap; open
# CONNS upgraded, idle WebSocket connections from a second process (scripts/hold_websockets.py,
# plain sockets); force a full GC and read both again. Per connection:
#   rss/conn   growth of resident memory outside the heap (native: socket objects, buffers, stacks)
#   heap/conn  growth of live heap objects (the engine's connection, the WebSocket session, NIO's objects)
#   total/conn the sum. Kernel socket memory is in neither.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
conns=${CONNS:-10000}
heap=${HEAP:-1g}
mode=${MODE:-echo}
transport=${TRANSPORT:-auto}
jvm_opts="-Xms$heap -Xmx$heap -XX:+AlwaysPreTouch"
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(single-reactor multi-reactor worker-pool)
"$root/throng" --version >/dev/null   # builds if needed

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
heap_kb() {
  "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null
  sleep 1
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info | sed -n 's/.*used \([0-9]*\)K.*/\1/p' | head -n 1
}

printf '%-16s %-5s %-9s %8s %10s %10s %10s %10s\n' model mode transport conns "rss/conn" "heap/conn" "total/conn" "threads"
for model in "${models[@]}"; do
  port=$((20000 + RANDOM % 20000))
  log=$(mktemp)
  if [ "$mode" = push ]; then
    path=/sub/idle
    THRONG_JAVA_OPTS="$jvm_opts" "$root/throng" push --model "$model" --transport "$transport" --port "$port" --status-interval 0 \
      --max-handshakes 20000 >"$log" 2>&1 &
    marker="throng push on"
  else
    path=/
    THRONG_JAVA_OPTS="$jvm_opts" "$root/throng" serve --handler ws-echo --model "$model" --transport "$transport" --port "$port" \
      --status-interval 0 >"$log" 2>&1 &
    marker="throng serving"
  fi
  server=$!
  for _ in $(seq 100); do grep -q "$marker" "$log" && break; sleep 0.1; done
  pid=$(sed -n 's/.*pid \([0-9]*\)).*/\1/p' "$log" | head -n 1)
  sleep 1
  python3 "$root/scripts/hold_websockets.py" --port "$port" --path "$path" --conns "$conns" --hold 0 >/dev/null
  sleep 6   # HotSpot frees idle compiler arena chunks every 5 s
  heap0=$(heap_kb "$pid"); rss0=$(rss_kb "$pid")
  threads0=$(ls "/proc/$pid/task" | wc -l)

  fifo=$(mktemp -u); mkfifo "$fifo"
  python3 "$root/scripts/hold_websockets.py" --port "$port" --path "$path" --conns "$conns" <"$fifo" >"$log.hold" 2>&1 &
  holder=$!
  exec 9>"$fifo"
  for _ in $(seq 1200); do grep -q "^held" "$log.hold" && break; sleep 0.1; done
  if ! grep -q "^held" "$log.hold"; then echo "the holder failed:"; cat "$log.hold"; fi
  sleep 2
  heap1=$(heap_kb "$pid"); rss1=$(rss_kb "$pid")
  threads1=$(ls "/proc/$pid/task" | wc -l)
  exec 9>&-
  wait "$holder" || true
  rm -f "$fifo"
  kill -TERM "$server"; wait "$server" || true

  awk -v m="$model" -v mode="$mode" -v tr="$transport" -v n="$conns" -v r0="$rss0" -v r1="$rss1" -v h0="$heap0" -v h1="$heap1" -v t0="$threads0" -v t1="$threads1" 'BEGIN {
    rss = (r1 - r0) * 1024 / n; hp = (h1 - h0) * 1024 / n;
    printf "%-16s %-5s %-9s %8d %9.0fB %9.0fB %9.0fB %5d->%d\n", m, mode, tr, n, rss, hp, rss + hp, t0, t1 }'
  rm -f "$log" "$log.hold"
done
