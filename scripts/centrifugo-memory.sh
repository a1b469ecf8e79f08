#!/usr/bin/env bash
# What an idle, authenticated subscriber of Centrifugo's protocol costs `throng push`, with history
# (and forced recovery) on its channel: issue 21's target is at most 2 KB a subscriber in all.
#
#   scripts/centrifugo-memory.sh               (CONNS=10000, HISTORY=100: publications kept on the channel)
#   CONNS=4000 HISTORY=0 scripts/centrifugo-memory.sh
#
# As scripts/ws-idle-memory.sh does for the raw endpoint: `throng push --centrifugo` with a fixed,
# pre-touched heap (HEAP, default 1g), multi-reactor on the default transport; a warm-up round of
# WARMUP (1,000) SDK clients that connect, subscribe and leave (one-time costs: the JIT, the HMAC provider,
# the tables' growth); HISTORY publications to the channel, so that its history is full; a full GC,
# then used heap and RSS; CONNS idle subscribers, each a `centrifuge` SDK client (Node, one process
# per 5,000: src/test/node/centrifuge-hold.mjs) with its own HS256 token, subscribed to one channel;
# a full GC, then both again. Per subscriber: heap/conn (live Java objects), rss/conn (resident
# memory outside the heap's fixed size: native socket state, io_uring/epoll, stacks). Kernel socket
# buffers are in neither. One server process: CONNS up to ~19,000 (20,000 open files a process).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
. "$root/scripts/lib-procs.sh"
conns=${CONNS:-10000}
history=${HISTORY:-100}
heap=${HEAP:-1g}
node_dir="$root/throng-websocket/src/test/node"
[ -d "$node_dir/node_modules/centrifuge" ] || { echo "the centrifuge npm package is missing: npm ci --prefix throng-websocket/src/test/node (bin/test-peers.sh)" >&2; exit 2; }
"$root/throng" --version >/dev/null   # builds if needed

head -c 32 /dev/urandom | base64 > "$work/key"
port=$(free_port)
admin=$(free_port)
history_opts=()
[ "$history" = 0 ] || history_opts=(--centrifugo-history-size "$history" --centrifugo-history-ttl 3600s --centrifugo-force-recovery)
nmt=()
[ "${NMT:-0}" = 0 ] || nmt=(-XX:NativeMemoryTracking=summary)
THRONG_JAVA_OPTS="-Xms$heap -Xmx$heap -XX:+AlwaysPreTouch ${nmt[*]}" "$root/throng" push --port "$port" --model multi-reactor \
  --status-interval 0 --max-handshakes 20000 --admin-port "$admin" --centrifugo --centrifugo-hmac-secret-file "$work/key" "${history_opts[@]}" \
  >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q "throng push on" "$work/server.log" && break; sleep 0.1; done
pid=$(sed -n 's/.*pid \([0-9]*\)).*/\1/p' "$work/server.log" | head -n 1)
[ -n "$pid" ] || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }

# the engine's buffer pool (native, pooled buffers kept for reuse), from the admin port
pool() { curl -s "http://127.0.0.1:$admin/stats.json" | grep -o '"buffer_pool_bytes":[0-9]*' | sed -n 1p | cut -d: -f2 || true; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
heap_kb() {
  "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null
  sleep 1
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info | sed -n 's/.*used \([0-9]*\)K.*/\1/p' | head -n 1
}
# hold N K: K subscribers in one Node process, kept until its stdin (a fifo) closes
hold() {
  local fifo="$work/fifo-$1"
  mkfifo "$fifo"
  node "$node_dir/centrifuge-hold.mjs" "127.0.0.1:$port" "$2" news sdk "$work/key" <"$fifo" >"$work/hold-$1.log" 2>&1 &
  pids+=($!)
  eval "exec $((10 + $1))>\"$fifo\""
}
release() { eval "exec $((10 + $1))>&-"; }
await_held() {
  for _ in $(seq 1800); do grep -q "^held" "$work/hold-$1.log" && return 0; sleep 0.1; done
  echo "holder $1 did not hold its subscribers:"; tail -5 "$work/hold-$1.log"; exit 1
}

# warm-up round
hold 0 "${WARMUP:-1000}"; await_held 0; release 0; sleep 3
for i in $(seq "$history"); do
  curl -s -o /dev/null -d "{\"n\":$i}" "http://127.0.0.1:$port/pub/news"
done
sleep 6   # HotSpot frees idle compiler arena chunks every 5 s
heap0=$(heap_kb "$pid"); rss0=$(rss_kb "$pid")
pool0=$(pool)
[ "${NMT:-0}" = 0 ] || "$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory baseline >/dev/null

procs=$(( (conns + 4999) / 5000 ))
left=$conns
for k in $(seq "$procs"); do
  n=$(( left < 5000 ? left : 5000 )); left=$(( left - n ))
  hold "$k" "$n"
done
for k in $(seq "$procs"); do await_held "$k"; done
sleep 6   # again: the JIT's arenas of compiling what the subscribers ran are freed after 5 s idle
heap1=$(heap_kb "$pid"); rss1=$(rss_kb "$pid")
pool1=$(pool)
# NMT=1: where the native growth went (the JVM's own accounting; malloc by native libraries is "Other"/not tracked)
[ "${NMT:-0}" = 0 ] || "$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory summary.diff | grep -E '^-|committed=' | grep -E '\+[0-9]+KB' | sed -n 1,30p
delivered=$(curl -s -d '{"probe":true}' "http://127.0.0.1:$port/pub/news" | sed -n 's/.*"delivered":\([0-9]*\).*/\1/p')
history_now=$(curl -s "http://127.0.0.1:$port/stats" | grep -o '"sessions":[0-9]*' || true)
for k in $(seq "$procs"); do release "$k"; done

echo "buffer pool: ${pool0:-?} B before, ${pool1:-?} B after (native, pooled; part of rss/conn)"
awk -v n="$conns" -v h="$history" -v r0="$rss0" -v r1="$rss1" -v h0="$heap0" -v h1="$heap1" -v d="$delivered" -v s="$history_now" 'BEGIN {
  rss = (r1 - r0) * 1024 / n; hp = (h1 - h0) * 1024 / n;
  printf "subscribers %d  history %d  heap/conn %.0f B  rss/conn %.0f B  total/conn %.0f B  (a publish reached %s; %s)\n",
    n, h, hp, rss, hp + rss, d, s }'
