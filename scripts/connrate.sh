#!/usr/bin/env bash
# Short connections per second (connect, one 8-byte echo, close), the same C client
# (scripts/connrate.c) against each server in turn, round after round: throng multi-reactor on
# io_uring and on epoll, Netty 4.2 io_uring and epoll, and a C epoll echo server
# (scripts/echo-epoll.c), each with two event loops. Prints every round and the medians.
#
#   scripts/connrate.sh [ROUNDS]      CONC=32 PROCS=1 SECONDS_=10 SERVERS="throng-io_uring ..."
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
conc=${CONC:-32}
procs=${PROCS:-1}
secs=${SECONDS_:-10}
servers=${SERVERS:-"throng-io_uring throng-epoll netty-io_uring netty-epoll c-epoll"}
source "$root/scripts/lib-procs.sh"
gcc -O2 -o "$work/connrate" "$root/scripts/connrate.c"
gcc -O2 -pthread -o "$work/echo-epoll" "$root/scripts/echo-epoll.c"
"$root/throng" --version >/dev/null
jar="${THRONG_JAR:-$root/throng-cli/target/throng.jar}"
java=("$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders -Xmx2g --enable-native-access=ALL-UNNAMED)

# Starts a server on a port and sets $pid. Netty's echo server runs until its stdin closes: it
# reads a fifo this shell holds open on descriptor 9 (a `sleep | java` pipe would leave the sleep,
# and with it this script's output, behind for an hour).
start() {
  case "$1" in
    throng-*) "${java[@]}" -jar "$jar" serve --model multi-reactor --transport "${1#throng-}" --handler echo \
                --port "$2" --status-interval 0 >"$work/$1.log" 2>&1 & ;;
    netty-*) rm -f "$work/stdin"; mkfifo "$work/stdin"
             "${java[@]}" -cp "$jar" io.throng.bench.peers.NettyEchoServer "${1#netty-}" "$2" \
                <"$work/stdin" >"$work/$1.log" 2>&1 &
             exec 9>"$work/stdin" ;;
    c-epoll) "$work/echo-epoll" "$2" 2 >"$work/$1.log" 2>&1 & ;;
  esac
  pid=$!
}

declare -A results=()
for r in $(seq "$rounds"); do
  for s in $servers; do
    port=$(free_port)
    start "$s" "$port"
    wait_port "$port"
    line=$("$work/connrate" -c "$conc" -P "$procs" -w 3 -d "$secs" 127.0.0.1 "$port" || true)
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    exec 9>&- # (Netty's stdin, if it was one)
    rate=$(echo "$line" | sed -n 's/connections\/s \([0-9]*\),.*/\1/p')
    echo "round $r  $s  $line"
    results[$s]="${results[$s]:-} $rate"
  done
done
echo "medians over $rounds rounds (connections/s):"
for s in $servers; do
  echo "  $s $(echo ${results[$s]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')  (rounds:${results[$s]})"
done
