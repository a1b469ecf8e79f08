#!/usr/bin/env bash
# The raw endpoint's broadcast figures measured again on the Centrifugo protocol path, side by
# side: for each configuration, PAIRS pairs of runs, raw then Centrifugo, each against a fresh
# `throng push` started with the same options (Centrifugo's endpoint on in both, so the server's
# command line is identical and only the subscribers' protocol differs).
#
#   docs/runs/centrifugo-broadcast-2026-12-07.sh OUTDIR [config...]
#   configs: bus2000 (2,000 subscribers on 1,000 channels, docs/push-bus.md), one10k (10,000 on one
#   channel, scripts/ws-broadcast-load.sh 10000), one19k2 (19,000 on one channel, two load processes)
#   PAIRS=3; SERVER_EXTRA="..." adds options to the server's command (both protocols alike)
#   one10kw15: one10k with 15 warm-up broadcasts instead of 5
#
# The key is made here, in a file; it is never on a command line. While each run lasts, the
# server's CPU time (user + system, /proc/PID/stat) is sampled every 0.2 s against the real-time
# clock into NAME.cpu, so that the summary can take the CPU of the broadcasts alone (from the first
# measured round's publish to the last delivery, the load's own real-time stamps) apart from the
# connects.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bin/find-jdk.sh"
out=${1:?output directory}
shift
configs=${*:-bus2000 one10k one19k2}
pairs=${PAIRS:-3}
mkdir -p "$out"
"$root/throng" --version >/dev/null   # builds if needed
key="$out/centrifugo.key"
[ -f "$key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$key")

args_of() {   # the load options of one configuration, as the docs ran them
  case $1 in
    bus2000) echo "--conns 2000 --channels 1000 --messages 20 --warmup-messages 3 --interval 0.5" ;;
    one10k) echo "--conns 10000 --procs 1 --rate 0 --channels 1 --messages 20 --warmup-messages 5 --size 64 --interval 1 --publish binary --src-ips 8" ;;
    one10kw15) echo "--conns 10000 --procs 1 --rate 0 --channels 1 --messages 20 --warmup-messages 15 --size 64 --interval 1 --publish binary --src-ips 8" ;;
    one19k2) echo "--conns 19000 --procs 2 --rate 0 --channels 1 --messages 20 --warmup-messages 5 --size 64 --interval 1 --publish binary --src-ips 8" ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
  esac
}

run() {   # run CONFIG PAIR PROTOCOL
  local config=$1 pair=$2 proto=$3
  local port=$((20000 + RANDOM % 20000)) log
  log=$(mktemp)
  THRONG_JAVA_OPTS=-Xmx2g "$root/throng" push --model multi-reactor --transport auto --port "$port" --status-interval 0 \
    --max-handshakes 20000 --centrifugo --centrifugo-hmac-secret-file "$key" ${SERVER_EXTRA:-} >"$log" 2>&1 &
  local server=$!
  for _ in $(seq 150); do grep -q "throng push on" "$log" && break; sleep 0.1; done
  local pid
  pid=$(sed -n 's/.*pid \([0-9]*\)).*/\1/p' "$log" | head -n 1)
  local cpu0
  cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  local name="$out/$config-$pair-$proto"
  (while [ -r "/proc/$pid/stat" ]; do echo "$(date +%s%6N) $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null)"; sleep 0.2; done) \
    >"$name.cpu" 2>/dev/null &
  local sampler=$!
  local target
  if [ "$proto" = raw ]; then
    target="--url ws://127.0.0.1:$port/sub/bench"
  else
    target="--centrifugo --url ws://127.0.0.1:$port/connection/websocket --centrifugo-channel bench --centrifugo-hmac-secret-file $key"
  fi
  echo "== $config pair $pair $proto ($(date -u +%H:%M:%S), load average $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$name.txt"
  # shellcheck disable=SC2046,SC2086
  "$root/throng" load ws-broadcast $target $(args_of "$config") --json "$name.json" >>"$name.txt" 2>&1 || echo "(exit $?)" >>"$name.txt"
  local cpu1
  cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "server CPU during the run: $(( (cpu1 - cpu0) ))0 ms; RSS $(awk '/^VmRSS:/ {print $2 " kB"}' "/proc/$pid/status")" | tee -a "$name.txt"
  kill -TERM "$sampler" 2>/dev/null || true
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  rm -f "$log"
  grep -E "established|delivered|time to the last|delivery latency|pings answered" "$name.txt" | sed 's/^/  /'
}

for config in $configs; do
  for pair in $(seq "$pairs"); do
    run "$config" "$pair" raw
    run "$config" "$pair" centrifugo
  done
done
