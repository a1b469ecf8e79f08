#!/usr/bin/env bash
# What an idle connection costs a throng server, per model.
#
#   scripts/idle-memory.sh [model ...]    (default: five models; CONNS=10000, TRANSPORT=nio)
#   THRONG_JAR=other/throng.jar scripts/idle-memory.sh ...   measures another build (before/after)
#   TLS=1 scripts/idle-memory.sh ...      every connection over TLS 1.3: the server gets a certificate
#                                         openssl makes for the run, the peer verifies it (Python's ssl)
#
# For each model: start `throng serve` with a fixed, pre-touched heap, so that heap pages do not
# show up as RSS growth (PLAIN=1 uses the JVM's default heap instead). Open and close CONNS
# connections once, so that code paths are compiled and pools grown before any baseline (JIT
# output alone is megabytes: hundreds of bytes per connection at 10,000). Then three times: force
# a full GC and read RSS (/proc/<pid>/status) and the live heap (the total of jcmd
# GC.class_histogram, which is exact); open CONNS idle connections from a second process (a Python
# script, an independent peer) and wait until the server reports them all; read both again; close
# them. Reports the median of the three, per connection:
#   rss/conn   growth of resident memory outside the heap (native: buffers, stacks, JDK natives)
#   heap/conn  growth of live heap objects
#   total/conn the sum: what one idle connection costs in user space
# Kernel socket memory is in neither; it is the same whatever the server does.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
conns=${CONNS:-10000}
transport=${TRANSPORT:-nio}
heap=${HEAP:-1g}
rounds=${ROUNDS:-3}
if [ "${PLAIN:-0}" = 1 ]; then jvm_opts=""; else jvm_opts="-Xms$heap -Xmx$heap -XX:+AlwaysPreTouch"; fi
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(virtual-threads platform-threads single-reactor multi-reactor worker-pool)
"$root/throng" --version >/dev/null   # builds if needed
server_tls=(); peer_tls=()
if [ "${TLS:-0}" = 1 ]; then
  certs=$(mktemp -d)
  trap 'rm -rf "$certs"' EXIT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$certs/key.pem" -out "$certs/cert.pem" \
    -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
  server_tls=(--tls-cert "$certs/cert.pem" --tls-key "$certs/key.pem")
  peer_tls=(--tls-ca "$certs/cert.pem")
fi

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
heap_bytes() {
  "$JAVA_HOME/bin/jcmd" "$1" GC.class_histogram | awk '/^Total/ {print $3}'
}
# Waits until the server's status line reports exactly $1 connections (accepted, not just queued).
await_conns() {
  local want
  want=$(if [ "$1" -lt 10000 ]; then echo "$1"; else awk -v n="$1" 'BEGIN { printf "%.1fk", n / 1000 }'; fi)
  for _ in $(seq 480); do
    [ "$(grep -o '^conns [0-9.k]*' "$log" | tail -n 1)" = "conns $want" ] && { sleep 1; return; }
    sleep 0.25
  done
  echo "warning: the server did not reach $1 connections" >&2
}
# Waits (up to 30 s) until the server is back to about $1 threads: under platform-threads a closed
# connection's thread may still be exiting when the server already counts it gone, and a baseline
# taken then would hold thousands of stacks.
await_threads() {
  for _ in $(seq 120); do
    [ "$(ls "/proc/$pid/task" | wc -l)" -le $(( $1 + 16 )) ] && return
    sleep 0.25
  done
  echo "warning: the server still has $(ls "/proc/$pid/task" | wc -l) threads" >&2
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

[ "${TLS:-0}" = 1 ] && echo "every connection over TLS (a P-256 certificate; TLS 1.3 negotiated by Python's ssl)"
printf '%-18s %-6s %8s %10s %10s %10s %10s\n' model transport conns "rss/conn" "heap/conn" "total/conn" "threads"
for model in "${models[@]}"; do
  port=$((20000 + RANDOM % 20000))
  log=$(mktemp)
  THRONG_JAVA_OPTS="$jvm_opts" \
    "$root/throng" serve --model "$model" --transport "$transport" --port "$port" --status-interval 250ms "${server_tls[@]}" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 200); do grep -q "throng serving" "$log" && break; sleep 0.2; done
  pid=$(sed -n 's/.*pid \([0-9]*\)).*/\1/p' "$log")
  base_threads=$(ls "/proc/$pid/task" | wc -l)
  python3 "$root/scripts/hold_connections.py" --port "$port" --conns "$conns" --hold 0 "${peer_tls[@]}" >/dev/null 2>&1 </dev/null
  await_conns 0
  await_threads "$base_threads"
  rss_deltas=(); heap_deltas=(); threads=""
  for _ in $(seq "$rounds"); do
    heap0=$(heap_bytes "$pid"); rss0=$(rss_kb "$pid"); t0=$(ls "/proc/$pid/task" | wc -l)
    fifo=$(mktemp -u); mkfifo "$fifo"
    python3 "$root/scripts/hold_connections.py" --port "$port" --conns "$conns" "${peer_tls[@]}" <"$fifo" >"$log.hold" 2>&1 &
    holder=$!
    exec 9>"$fifo"
    for _ in $(seq 600); do grep -q "^held" "$log.hold" && break; sleep 0.1; done
    await_conns "$conns"
    heap1=$(heap_bytes "$pid"); rss1=$(rss_kb "$pid"); t1=$(ls "/proc/$pid/task" | wc -l)
    exec 9>&-
    wait "$holder" || true
    rm -f "$fifo"
    await_conns 0
    await_threads "$base_threads"
    rss_deltas+=("$(( (rss1 - rss0) * 1024 / conns ))")
    heap_deltas+=("$(( (heap1 - heap0) / conns ))")
    threads="$t0->$t1"
  done
  kill -TERM "$server"; wait "$server" || true
  rss=$(printf '%s\n' "${rss_deltas[@]}" | median)
  hp=$(printf '%s\n' "${heap_deltas[@]}" | median)
  printf '%-18s %-6s %8d %9dB %9dB %9dB %10s   (rss rounds: %s)\n' "$model" "$transport" "$conns" "$rss" "$hp" \
    "$((rss + hp))" "$threads" "${rss_deltas[*]}"
  rm -f "$log" "$log.hold"
done
