#!/usr/bin/env bash
# What the operators' view costs the echo hot path, round by round on one machine: A = a build from
# before it (BEFORE_JAR), B = this build with no admin port, C = this build with --admin-port and
# /metrics + /stats.json scraped every second. Each run: `throng serve` (multi-reactor, epoll),
# `throng load pingpong` with 1,000 connections (3 s warm-up, 10 s window); the server's CPU
# (user + system, /proc/PID/stat) over 8 s of the window gives its CPU time per request. The order
# within a round rotates over all six, so that no variant always runs first.
#
#   BEFORE_JAR=/path/to/old/throng.jar [ROUNDS=6] scripts/metrics-cost.sh
#
# Prints "round variant requests/s server-us-per-request".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
"$root/throng" --version > /dev/null # builds this tree's jar if the sources changed
new="$root/throng-cli/target/throng.jar"
old=${BEFORE_JAR:?BEFORE_JAR=the jar of a build from before (e.g. git worktree add /tmp/old <commit>; ./mvnw -q package -DskipTests there)}
rounds=${ROUNDS:-6}
jvm=(-XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
orders=("A B C" "B C A" "C A B" "A C B" "B A C" "C B A")
for round in $(seq "$rounds"); do
  for v in ${orders[$(( (round - 1) % 6 ))]}; do
    port=$(free_port); aport=$(free_port)
    jar=$new; [ "$v" = A ] && jar=$old
    extra=(); [ "$v" = C ] && extra=(--admin-port "$aport")
    "$JAVA_HOME/bin/java" "${jvm[@]}" -jar "$jar" serve --model multi-reactor --transport epoll --port "$port" \
      --status-interval 0 "${extra[@]}" > "$work/server-$v.log" 2>&1 &
    pid=$!; pids=("$pid"); sleep 3
    scraper=
    if [ "$v" = C ]; then
      (for _ in $(seq 40); do curl -s -o /dev/null "http://127.0.0.1:$aport/metrics"; curl -s -o /dev/null "http://127.0.0.1:$aport/stats.json"; sleep 1; done) &
      scraper=$!; pids+=("$scraper")
    fi
    "$JAVA_HOME/bin/java" "${jvm[@]}" -jar "$new" load pingpong --port "$port" --conns 1000 --src-ips 4 --warmup 3 \
      --duration 10 --json "$work/load.json" > "$work/load.log" 2>&1 &
    load=$!; pids+=("$load")
    # the window starts after the connects (under 1 s) and the 3 s warm-up
    sleep 5; t0=$(ticks "$pid"); sleep 8; t1=$(ticks "$pid")
    wait "$load"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); rps=d["requestsPerSecond"]; print(sys.argv[4], sys.argv[5], round(rps), round((int(sys.argv[3])-int(sys.argv[2]))*10000/(rps*8), 3))' \
      "$work/load.json" "$t0" "$t1" "$round" "$v"
    [ -n "$scraper" ] && { kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; }
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
