#!/usr/bin/env bash
# What an idle connection costs a throng server, per model.
#
#   scripts/idle-memory.sh [model ...]        (default: all five models; CONNS=10000)
#
# For each model: start `throng serve` with a fixed, pre-touched heap (so that heap pages do not
# show up as RSS growth), force a full GC and read RSS (/proc/<pid>/status) and used heap
# (jcmd GC.heap_info); open CONNS idle connections from a second process (a Python script, an
# independent peer); force a full GC again and read both again. Reports per connection:
#   rss/conn   growth of resident memory outside the heap (native: buffers, stacks, JDK natives)
#   heap/conn  growth of live heap objects
#   total/conn the sum: what one idle connection costs in user space
# Kernel socket memory is not in either; it is the same whatever the server does.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
conns=${CONNS:-10000}
heap=${HEAP:-1g}
# PLAIN=1: the JVM's default heap sizing, no pre-touch: RSS growth then includes heap pages touched.
if [ "${PLAIN:-0}" = 1 ]; then jvm_opts=""; else jvm_opts="-Xms$heap -Xmx$heap -XX:+AlwaysPreTouch"; fi
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(virtual-threads platform-threads single-reactor multi-reactor worker-pool)
"$root/throng" --version >/dev/null   # builds if needed

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
heap_kb() {
  "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null
  sleep 1
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info | sed -n 's/.*used \([0-9]*\)K.*/\1/p' | head -n 1
}

printf '%-18s %8s %10s %10s %10s %10s\n' model conns "rss/conn" "heap/conn" "total/conn" "threads"
for model in "${models[@]}"; do
  port=$((20000 + RANDOM % 20000))
  log=$(mktemp)
  THRONG_JAVA_OPTS="$jvm_opts" \
    "$root/throng" serve --model "$model" --port "$port" --status-interval 0 >"$log" 2>&1 &
  server=$!
  for _ in $(seq 100); do grep -q "throng serving" "$log" && break; sleep 0.1; done
  pid=$(sed -n 's/.*pid \([0-9]*\)).*/\1/p' "$log")
  sleep 1
  heap0=$(heap_kb "$pid"); rss0=$(rss_kb "$pid")
  threads0=$(ls "/proc/$pid/task" | wc -l)

  fifo=$(mktemp -u); mkfifo "$fifo"
  python3 "$root/scripts/hold_connections.py" --port "$port" --conns "$conns" <"$fifo" >"$log.hold" 2>&1 &
  holder=$!
  exec 9>"$fifo"
  for _ in $(seq 600); do grep -q "^held" "$log.hold" && break; sleep 0.1; done
  sleep 2
  heap1=$(heap_kb "$pid"); rss1=$(rss_kb "$pid")
  threads1=$(ls "/proc/$pid/task" | wc -l)
  exec 9>&-
  wait "$holder" || true
  rm -f "$fifo"
  kill -TERM "$server"; wait "$server" || true

  awk -v m="$model" -v n="$conns" -v r0="$rss0" -v r1="$rss1" -v h0="$heap0" -v h1="$heap1" -v t0="$threads0" -v t1="$threads1" 'BEGIN {
    rss = (r1 - r0) * 1024 / n; hp = (h1 - h0) * 1024 / n;
    printf "%-18s %8d %9.0fB %9.0fB %9.0fB %5d->%d\n", m, n, rss, hp, rss + hp, t0, t1 }'
  rm -f "$log" "$log.hold"
done
