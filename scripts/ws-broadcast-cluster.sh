#!/usr/bin/env bash
# How long one published message takes to reach every subscriber of a channel when there are more
# subscribers than one process holds: `throng push --model prefork` (WORKERS worker processes) with
# the embedded bus (the supervisor relays between the workers) or Redis, and PROBES subscriber
# processes of io.throng.websocket.probe.ClusterBroadcastProbe, each holding its share.
#
#   scripts/ws-broadcast-cluster.sh [subscribers] [bus]     (defaults: 100000, embedded)
#       bus: embedded, or redis (starts its own redis-server on a free port, stopped at the end)
#   environment: WORKERS=8 PROBES=6 ROUNDS=5 SIZE=64 GAP_MS=3000 WORKER_JVM="-Xmx512m -XX:+UseSerialGC"
#                TRANSPORT=auto (the workers': auto, io_uring, epoll or nio)
#
# A process holds at most ~19,900 descriptors here: 100,000 subscribers need at least 6 workers and
# 6 probe processes. The publisher stamps each message with System.nanoTime() (CLOCK_MONOTONIC,
# shared by the machine's processes); every probe records arrival minus stamp; the report gives
# per round p50, p99 and max, the time to the last subscriber.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
subs=${1:-100000}
bus=${2:-embedded}
workers=${WORKERS:-8}
probes=${PROBES:-6}
rounds=${ROUNDS:-5}
size=${SIZE:-64}
gap=${GAP_MS:-3000}
worker_jvm=${WORKER_JVM:--Xmx512m -XX:+UseSerialGC}
transport=${TRANSPORT:-auto}
"$root/throng" --version >/dev/null   # builds if needed
jar="${THRONG_JAR:-$root/throng-cli/target/throng.jar}"   # THRONG_JAR: another build (before/after)
java=("$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED)
. "$root/scripts/lib-procs.sh"

bus_url=embedded
if [ "$bus" = redis ]; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --logfile "$work/redis.log" &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  bus_url="redis://127.0.0.1:$redis_port"
elif [ "$bus" != embedded ]; then
  echo "bus must be embedded or redis, got '$bus'" >&2
  exit 2
fi

port=$(free_port)
"$root/throng" push --model prefork --procs "$workers" --worker-model multi-reactor --loops 1 --transport "$transport" --port "$port" \
  --bus "$bus_url" --max-handshakes 20000 --idle-timeout 0 --status-interval 5s --worker-jvm "$worker_jvm" \
  >"$work/server.log" 2>&1 &
supervisor=$!
pids+=($supervisor)
for _ in $(seq 240); do grep -q "^throng push on" "$work/server.log" && break; sleep 0.5; done
grep -q "^throng push on" "$work/server.log" || { cat "$work/server.log"; exit 1; }
echo "server: $(grep '^throng push on' "$work/server.log")"

per=$(( (subs + probes - 1) / probes ))
files=()
probe_pids=()
for i in $(seq 0 $((probes - 1))); do
  n=$per
  [ $(( (i + 1) * per )) -gt "$subs" ] && n=$(( subs - i * per ))
  first=$(( 2 + i * 20 ))
  "${java[@]}" -Xmx1g -cp "$jar" io.throng.websocket.probe.ClusterBroadcastProbe subscribe "$port" "$n" "$rounds" "$first" \
    "$work/probe-$i.txt" >"$work/probe-$i.log" 2>&1 &
  pids+=($!)
  probe_pids+=($!)
  files+=("$work/probe-$i.txt")
done
start=$(date +%s)
for i in $(seq 0 $((probes - 1))); do
  until grep -q "^subscribed" "$work/probe-$i.log"; do
    if [ $(( $(date +%s) - start )) -gt 600 ]; then echo "probe $i did not subscribe in time:"; cat "$work/probe-$i.log"; exit 1; fi
    sleep 1
  done
  echo "probe $i: $(grep '^subscribed' "$work/probe-$i.log")"
done
sleep 2
echo "cluster: $(grep '^cluster' "$work/server.log" | tail -n 1)"
# CPU seconds (user + system) of a set of processes, from /proc: to split a round's cost.
cpu() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) )); done; echo "$t"; }
worker_pids=($(pgrep -P "$supervisor" || true))
hz=$(getconf CLK_TCK)
w0=$(cpu "${worker_pids[@]}"); s0=$(cpu "$supervisor"); p0=$(cpu "${probe_pids[@]}"); t0=$(date +%s.%N)
"${java[@]}" -cp "$jar" io.throng.websocket.probe.ClusterBroadcastProbe publish "$port" "$rounds" "$size" "$gap"
sleep 1
w1=$(cpu "${worker_pids[@]}"); s1=$(cpu "$supervisor"); p1=$(cpu "${probe_pids[@]}"); t1=$(date +%s.%N)
# the probes close their subscribers only now: closing costs more CPU than a broadcast
for f in "${files[@]}"; do touch "$f.close"; done
for p in "${probe_pids[@]}"; do wait "$p" || true; done
awk -v w=$((w1 - w0)) -v s=$((s1 - s0)) -v p=$((p1 - p0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" -v r="$rounds" 'BEGIN {
  printf "CPU over the %d rounds (%.1f s of wall time, 2 cores): workers %.2f s, supervisor %.2f s, subscribers %.2f s\n",
    r, t1 - t0, w / hz, s / hz, p / hz }'
echo "report ($subs subscribers over $workers workers, bus $bus_url, $size-byte messages):"
"${java[@]}" -cp "$jar" io.throng.websocket.probe.ClusterBroadcastProbe report "$subs" "${files[@]}"
echo "cluster: $(grep '^cluster' "$work/server.log" | tail -n 1)"
downs=$(grep -c ': down (' "$work/server.log" || true)
if [ "$downs" != 0 ]; then
  echo "bus links lost during the run: $downs; why:"
  grep -o ': down (.*' "$work/server.log" | sort | uniq -c
fi
