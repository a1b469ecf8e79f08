#!/usr/bin/env bash
# Issue 21 at scale: CONNS idle, authenticated subscribers of Centrifugo's protocol (the official
# `centrifuge` SDK in Node) on `throng push --model prefork`, with history on their channels; what
# they cost in memory; then every worker killed at once (kill -9: the SDKs all lose their
# connection together) and the time until every subscriber has reconnected, subscribed again and
# recovered what was published meanwhile, with the SDK's own back-off and recovery.
#
#   scripts/centrifugo-recovery.sh                (CONNS=100000 PROCS=8 CHANNELS=1000 HISTORY=10)
#   CONNS=10000 PROCS=2 scripts/centrifugo-recovery.sh
#
# Steps: prefork with PROCS workers (each a fixed, pre-touched heap of HEAP, default 384m, serial
# GC), history HISTORY publications per channel (an hour), forced recovery; a warm-up round of
# 2,000 SDK clients; HISTORY broadcasts (the server API) to all CHANNELS, so every history is full;
# a full GC in every worker, then heap and RSS of the supervisor and the workers; CONNS SDK
# subscribers (5,000 per Node process), subscriber i on channel room-(i % CHANNELS); the same
# figures again. Then: every worker SIGKILLed; the supervisor starts new ones (the history lives in
# the supervisor's hub, so it survives); once one answers, AFTER (default 3) broadcasts to all
# channels, which the subscribers miss while they are away or get live if already back; the time
# from the kill until the last subscriber has subscribed again, and how many recovered. Finally
# every subscriber's count of publications: the HISTORY before and the AFTER after, each once.
# One process holds at most ~19,900 descriptors here: PROCS >= CONNS / 15,000.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
. "$root/scripts/lib-procs.sh"
conns=${CONNS:-100000}
procs=${PROCS:-8}
channels=${CHANNELS:-1000}
history=${HISTORY:-10}
after=${AFTER:-3}
heap=${HEAP:-384m}
node_dir="$root/throng-websocket/src/test/node"
[ -d "$node_dir/node_modules/centrifuge" ] || { echo "the centrifuge npm package is missing: npm ci --prefix throng-websocket/src/test/node (bin/test-peers.sh)" >&2; exit 2; }
"$root/throng" --version >/dev/null   # builds if needed

head -c 32 /dev/urandom | base64 > "$work/key"
head -c 24 /dev/urandom | base64 > "$work/apikey"
port=$(free_port)
admin=$(free_port)
"$root/throng" push --model prefork --procs "$procs" --worker-model multi-reactor --port "$port" --status-interval 0 \
  --max-handshakes 20000 --admin-port "$admin" \
  --worker-jvm "-Xms$heap -Xmx$heap -XX:+AlwaysPreTouch -XX:+UseSerialGC -XX:+UseCompactObjectHeaders" \
  --centrifugo --centrifugo-hmac-secret-file "$work/key" --centrifugo-api-key-file "$work/apikey" \
  --centrifugo-history-size "$history" --centrifugo-history-ttl 3600s --centrifugo-force-recovery \
  >"$work/server.log" 2>&1 &
supervisor=$!
pids+=($supervisor)
for _ in $(seq 600); do grep -q "prefork x$procs" "$work/server.log" && break; sleep 0.1; done
grep -q "prefork x$procs" "$work/server.log" || { echo "the server did not start:"; tail -20 "$work/server.log"; exit 1; }
workers() { pgrep -P "$supervisor" -f 'throng' || true; }
apikey=$(cat "$work/apikey")
list=$(python3 -c "import json,sys; print(json.dumps(['room-%d' % i for i in range(int(sys.argv[1]))]))" "$channels")
# one broadcast of {"n":N} to every channel, through the server API: "ok", or what went wrong
broadcast() {
  local body
  body=$(curl -s -m 10 -H "X-API-Key: $apikey" -d "{\"channels\":$list,\"data\":{\"n\":$1}}" \
    "http://127.0.0.1:$port/api/broadcast" 2>&1) || { echo "no answer"; return 0; }
  case "$body" in
    *'"error"'*) echo "refused: $(echo "$body" | grep -o '"error":{[^}]*}' | head -n 1)" ;;
    '{"result":{"responses":['*) echo ok ;;
    *) echo "answered: ${body:0:120}" ;;
  esac
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# the used heap after a full GC: the serial collector's young and old generations together
heap_kb() {
  "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null 2>&1 || true
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info 2>/dev/null | awk '/^(DefNew|Tenured) / {sub(/K,?$/, "", $5); s += $5} END {print s + 0}'
}
# sums over the supervisor and the workers: "rss_kb heap_kb trimmed_rss_kb" (the supervisor's heap is
# not fixed: its RSS counts). trimmed: RSS again after each JVM has handed the C heap's free memory
# back to the kernel (jcmd System.trim_native_heap; what -XX:TrimNativeHeapInterval does on a timer):
# glibc keeps memory freed by the JIT's arenas and other transient native allocations.
measure() {
  local rss heap trimmed w
  rss=$(rss_kb "$supervisor"); heap=0
  for w in $(workers); do
    heap=$(( heap + $(heap_kb "$w") ))
  done
  sleep 1
  for w in $(workers); do rss=$(( rss + $(rss_kb "$w") )); done
  for w in $supervisor $(workers); do "$JAVA_HOME/bin/jcmd" "$w" System.trim_native_heap >/dev/null 2>&1 || true; done
  sleep 1
  trimmed=$(rss_kb "$supervisor")
  for w in $(workers); do trimmed=$(( trimmed + $(rss_kb "$w") )); done
  echo "$rss $heap $trimmed"
}

# hold K N: N SDK subscribers in one Node process (the K-th), kept until its stdin (a fifo) closes
hold() {
  local fifo="$work/fifo-$1"
  mkfifo "$fifo"
  # source addresses 127.0.0.1-8 in turn: one has ~28,000 ephemeral ports towards the server's port
  SRC="127.0.0.$(( $1 % 8 + 1 ))" CHANNELS="$channels" BASE="$3" RECOVERABLE=1 node "$node_dir/centrifuge-hold.mjs" "127.0.0.1:$port" "$2" room sdk "$work/key" \
    <"$fifo" >"$work/hold-$1.log" 2>&1 &
  pids+=($!)
  eval "exec $((10 + $1))>\"$fifo\""
}
release() { eval "exec $((10 + $1))>&-"; }
await_line() { # K PATTERN SECONDS
  for _ in $(seq $(( $3 * 10 ))); do grep -q "$2" "$work/hold-$1.log" && return 0; sleep 0.1; done
  echo "holder $1: no '$2' within $3 s:"; tail -5 "$work/hold-$1.log"; exit 1
}

# warm-up round (the JIT, the tables' growth), then the histories filled
hold 0 2000 0; await_line 0 "^held" 120; release 0; sleep 3
for i in $(seq "$history"); do
  r=$(broadcast "$i"); [ "$r" = ok ] || { echo "broadcast $i: $r"; exit 1; }
done
sleep 6   # HotSpot frees idle compiler arena chunks every 5 s
read -r rss0 heap0 trim0 < <(measure)

holders=$(( (conns + 4999) / 5000 ))
left=$conns
start=$(date +%s.%N)
# one holder after the other: 100,000 SDK clients connecting at once leave the server's two cores
# too little time to read each connect within the stale delay, and the SDKs reconnect in a loop
for k in $(seq "$holders"); do
  n=$(( left < 5000 ? left : 5000 ))
  hold "$k" "$n" $(( conns - left ))
  left=$(( left - n ))
  await_line "$k" "^held" 600
done
# subscribers held: those closed for good on the way (the line says "held S lost L") are not counted
subscribed=0; lost=0
for k in $(seq "$holders"); do
  read -r h l < <(sed -n 's/^held \([0-9]*\)\( lost \([0-9]*\)\)\{0,1\}$/\1 \3/p' "$work/hold-$k.log" | head -n 1)
  subscribed=$(( subscribed + h )); lost=$(( lost + ${l:-0} ))
done
held_s=$(echo "$(date +%s.%N) - $start" | bc)
sleep 6
read -r rss1 heap1 trim1 < <(measure)
echo "held $subscribed subscribers in ${held_s} s over $procs workers ($lost of $conns closed for good on the way)"
conns_asked=$conns
conns=$subscribed
awk -v n="$conns" -v p="$procs" -v h="$history" -v r0="$rss0" -v r1="$rss1" -v h0="$heap0" -v h1="$heap1" -v t0="$trim0" -v t1="$trim1" 'BEGIN {
  rss = (r1 - r0) * 1024 / n; hp = (h1 - h0) * 1024 / n; tr = (t1 - t0) * 1024 / n;
  printf "memory: subscribers %d  workers %d  history %d/channel  heap/conn %.0f B  rss/conn %.0f B (outside the fixed heaps)  total/conn %.0f B;" \
    " with the C heaps trimmed: rss/conn %.0f B, total/conn %.0f B\n", n, p, h, hp, rss, hp + rss, tr, hp + tr }'

# every worker killed at once; the supervisor restarts them; the hub keeps the history
old=$(workers | tr '\n' ' ')
kill_at=$(date +%s%3N)
for w in $old; do kill -9 "$w" 2>/dev/null || true; done
# the first broadcast is retried until a new worker takes it whole (no channel refused: the bus is up)
for _ in $(seq 1200); do
  r=$(broadcast $(( history + 1 )))
  [ "$r" = ok ] && break
  sleep 0.05
done
[ "$r" = ok ] || { echo "the server API did not take a broadcast within about a minute after the kill: $r"; exit 1; }
first_at=$(date +%s%3N)
for i in $(seq 2 "$after"); do
  for _ in $(seq 600); do   # each taken whole, as the first: the workers are busy taking the SDKs back
    r=$(broadcast $(( history + i ))); [ "$r" = ok ] && break; sleep 0.1
  done
  [ "$r" = ok ] || { echo "broadcast $i after the kill: $r"; exit 1; }
done
published_at=$(date +%s%3N)
recovered=0; failed=0; lost_again=0; last=0
for k in $(seq "$holders"); do
  await_line "$k" "^resubscribed" 900
  read -r r f l at < <(sed -n 's/^resubscribed [0-9]* recovered \([0-9]*\) failed \([0-9]*\) lost \([0-9]*\) at \([0-9]*\)/\1 \2 \3 \4/p' "$work/hold-$k.log")
  recovered=$(( recovered + r )); failed=$(( failed + f )); lost_again=$(( lost_again + l ))
  [ "$at" -gt "$last" ] && last=$at
done
sleep 2   # publications in flight to the last subscribers back
total=0; min=999999999
for k in $(seq "$holders"); do
  echo count > "$work/fifo-$k" 2>/dev/null || eval "echo count >&$((10 + k))"
done
sleep 2
for k in $(seq "$holders"); do
  read -r t m < <(sed -n 's/^pubs total \([0-9]*\) min \([0-9]*\) max .*/\1 \2/p' "$work/hold-$k.log" | tail -n 1)
  total=$(( total + t )); [ "$m" -lt "$min" ] && min=$m
done
for k in $(seq "$holders"); do release "$k"; done
echo "closes that ended a subscriber for good, by code:"; grep -h "^disconnected" "$work"/hold-*.log | sort | uniq -c | sed 's/^/  /' || true


echo "recovery: all $procs workers killed; the first broadcast taken $(( first_at - kill_at )) ms after, the $after-th $(( published_at - kill_at )) ms after;" \
  "all $conns subscribed again (or closed for good) $(( last - kill_at )) ms after the kill: recovered $recovered, not recovered $failed, closed for good $lost_again"
echo "publications per subscriber that came back (the $after made after the kill; the history was filled before they came): min $min, total $total of $(( recovered + failed )) x $after = $(( (recovered + failed) * after )) expected"
echo "the supervisor:"; grep -E "exited|restart" "$work/server.log" | sed 's/^/  /' | head -n $(( procs * 2 ))
