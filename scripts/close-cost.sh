#!/usr/bin/env bash
# What closing many connections at once costs a server's loop: CONNS idle connections on one
# loop, all closed together, by the peer or by the server.
#
#   scripts/close-cost.sh [transport ...]   (default: io_uring epoll; CONNS=18000 ROUNDS=3)
#   THRONG_JAR=other/throng.jar scripts/close-cost.sh ...   measures another build (before/after)
#
# For each transport, closer and round: `throng serve --model single-reactor` (one loop, as a
# prefork worker of the million run has: 18,000 connections a worker); Python holds CONNS idle
# connections (an independent peer). Once the server has them all:
#   closer=peer    the peer exits: every connection's FIN arrives together and the server closes
#                  its ends after reading the end of input
#   closer=server  the server's idle timeout (IDLE, 30s: after the last connects) closes them while they are still open
#                  on both sides (as a WebSocket server does after the close handshake): what is
#                  armed on each connection must be stopped first
# Measured on the server, from all held until none of its ends is open:
#   cpu_ms     the server process's CPU time (user + system)
#   us/conn    cpu_ms per connection
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
conns=${CONNS:-18000}
rounds=${ROUNDS:-3}
idle=${IDLE:-30s}
transports=("$@")
[ ${#transports[@]} -gt 0 ] || transports=(io_uring epoll)
"$root/throng" --version >/dev/null   # builds if needed
jar=${THRONG_JAR:-$root/throng-cli/target/throng.jar}
tck=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$tck" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$1/stat"; }
# the server's ends still open: established or waiting for the server's close (a peer's socket
# may have the same port number on another address: only the server's own address counts)
open_ends() { ss -Htan "( sport = :$1 )" | awk -v me="127.0.0.1:$1" '$4 == me && ($1 == "ESTAB" || $1 == "CLOSE-WAIT")' | wc -l; }
echo "closing $conns connections on one loop; peer: Python"
printf '%-9s %-7s %-6s %9s %9s\n' transport closer round cpu_ms "us/conn"
for transport in "${transports[@]}"; do
 for closer in peer server; do
  for round in $(seq "$rounds"); do
    timeout=(); [ "$closer" = server ] && timeout=(--idle-timeout "$idle")
    port=$((20000 + RANDOM % 20000))
    log=$(mktemp)
    "$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED -jar "$jar" serve \
      --model single-reactor --transport "$transport" --port "$port" --status-interval 0 "${timeout[@]}" </dev/null >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do ss -Htln "( sport = :$port )" | grep -q . && break; sleep 0.1; done
    fifo=$(mktemp -u); mkfifo "$fifo"
    python3 "$root/scripts/hold_connections.py" --port "$port" --conns "$conns" <"$fifo" >"$log.hold" 2>&1 &
    peer=$!
    exec 9>"$fifo"
    for _ in $(seq 1200); do grep -q "^held" "$log.hold" && break; sleep 0.25; done
    for _ in $(seq 200); do [ "$(open_ends "$port")" -ge "$conns" ] && break; sleep 0.1; done
    sleep 1
    held=$(open_ends "$port")
    before=$(cpu_ms "$pid")
    if [ "$closer" = peer ]; then
      exec 9>&-   # the peer reads end of input and exits, closing every connection
      wait "$peer" 2>/dev/null || true
    fi
    for _ in $(seq 6000); do [ "$(open_ends "$port")" -eq 0 ] && break; sleep 0.05; done
    after=$(cpu_ms "$pid")
    [ "$closer" = server ] && { exec 9>&-; wait "$peer" 2>/dev/null || true; }
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$fifo" "$log" "$log.hold"
    if [ "$held" -lt "$conns" ]; then
      printf '%-9s %-7s %-6s %s\n' "$transport" "$closer" "$round" "not measured: the server had $held of $conns open"
      continue
    fi
    awk -v tr="$transport" -v cl="$closer" -v r="$round" -v c=$((after - before)) -v n="$conns" \
      'BEGIN { printf "%-9s %-7s %-6s %9d %9.1f\n", tr, cl, r, c, c * 1000 / n }'
  done
 done
done
