#!/usr/bin/env bash
# What an idle TLS connection costs: throng against Netty 4.2 on the JDK's engine and on BoringSSL
# (netty-tcnative), measured the same way, one server after the other.
#
#   scripts/tls-idle-memory.sh [server ...]   servers: throng netty-jdk netty-openssl (default: all)
#   CONNS=10000 ROUNDS=3 TRANSPORT=epoll HEAP=1g   (the defaults)
#   THRONG_JAR=other/throng.jar ...         measures another build of throng (before/after)
#
# Each server gets a fixed, pre-touched heap (so heap pages do not show as RSS growth) and a P-256
# certificate openssl makes for the run; the peer is Python's ssl module (OpenSSL), which verifies
# it and completes a TLS 1.3 handshake on every connection before counting it held. After one
# open-and-close of CONNS (code compiled, pools grown), three times: full GC, read RSS
# (/proc/PID/status) and the live heap (jcmd GC.class_histogram, exact); hold CONNS idle TLS
# connections until the kernel shows them all established on the server's port; read both again;
# close them. The median of the rounds, per connection:
#   rss/conn    growth of resident memory outside the heap (native buffers, OpenSSL's SSL objects)
#   heap/conn   growth of live heap objects (the JDK's SSLEngine and session live here)
#   total/conn  the sum
# Then, for the last round, the heap classes that grew most per connection: what of the total is
# the TLS engine's own state. Kernel socket memory is in neither.
set -euo pipefail
# a pipe whose write end this script holds: the servers' stdin stays open (a Netty peer stops when
# it closes) until the script ends, and no process is left behind to hold it
exec {keep}<> <(:)
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
conns=${CONNS:-10000}
rounds=${ROUNDS:-3}
transport=${TRANSPORT:-epoll}
heap=${HEAP:-1g}
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(throng netty-jdk netty-openssl)
"$root/throng" --version >/dev/null   # builds if needed
jar=${THRONG_JAR:-$root/throng-cli/target/throng.jar}
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$certs/key.pem" -out "$certs/cert.pem" \
  -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
jvm=(-Xms"$heap" -Xmx"$heap" -XX:+AlwaysPreTouch -XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED)

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
histogram() { "$JAVA_HOME/bin/jcmd" "$1" GC.class_histogram; }
heap_bytes() { histogram "$1" | awk '/^Total/ {print $3}'; }
# the server's end only: a client socket of the peer's may have the same local port on another address
# (Netty listens dual-stack: its end shows as [::ffff:127.0.0.1]:PORT)
established() { ss -Htn state established "( sport = :$1 )" | awk -v me="127.0.0.1:$1" -v me6="[::ffff:127.0.0.1]:$1" '$3 == me || $3 == me6' | wc -l; }
await_established() {
  for _ in $(seq 1200); do [ "$(established "$1")" -eq "$2" ] && { sleep 1; return; }; sleep 0.25; done
  echo "warning: $(established "$1") connections established, not $2" >&2
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo_flag=(); [ "${ECHO:-0}" = 1 ] && echo_flag=(--echo)
hold() { python3 "$root/scripts/hold_connections.py" --port "$1" --conns "$conns" --tls-ca "$certs/cert.pem" "${echo_flag[@]}" "${@:2}"; }

echo "idle TLS connections: $conns, $transport, heap $heap fixed; the peer: Python's ssl (TLS 1.3, the certificate verified)$([ "${ECHO:-0}" = 1 ] && echo ", one byte echoed on each first")"
printf '%-14s %8s %10s %10s %10s\n' server conns "rss/conn" "heap/conn" "total/conn"
for server in "${servers[@]}"; do
  port=$((20000 + RANDOM % 20000))
  log=$(mktemp)
  case "$server" in
    throng) cmd=("$JAVA_HOME/bin/java" "${jvm[@]}" -jar "$jar" serve --model multi-reactor --transport "$transport"
                 --port "$port" --status-interval 0 --tls-cert "$certs/cert.pem" --tls-key "$certs/key.pem") ;;
    netty-jdk) cmd=("$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$jar" io.throng.bench.peers.NettyTlsEchoServer "$transport" "$port" jdk
                    "$certs/cert.pem" "$certs/key.pem") ;;
    netty-openssl) cmd=("$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$jar" io.throng.bench.peers.NettyTlsEchoServer "$transport" "$port" openssl
                        "$certs/cert.pem" "$certs/key.pem") ;;
    *) echo "unknown server $server (throng, netty-jdk, netty-openssl)" >&2; exit 2 ;;
  esac
  "${cmd[@]}" <&"$keep" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do grep -Eq "^port |throng serving|unavailable" "$log" && break; sleep 0.2; done
  if grep -q unavailable "$log"; then echo "$server: $(cat "$log")"; kill "$pid"; continue; fi
  hold "$port" --hold 0 >/dev/null 2>&1 </dev/null
  await_established "$port" 0
  rss_d=(); heap_d=()
  for _ in $(seq "$rounds"); do
    histogram "$pid" >"$log.h0"; heap0=$(awk '/^Total/ {print $3}' "$log.h0"); rss0=$(rss_kb "$pid")
    fifo=$(mktemp -u); mkfifo "$fifo"
    hold "$port" <"$fifo" >"$log.hold" 2>&1 &
    holder=$!
    exec 9>"$fifo"
    for _ in $(seq 1200); do grep -q "^held" "$log.hold" && break; sleep 0.1; done
    await_established "$port" "$conns"
    histogram "$pid" >"$log.h1"; heap1=$(awk '/^Total/ {print $3}' "$log.h1"); rss1=$(rss_kb "$pid")
    exec 9>&-
    wait "$holder" || true
    rm -f "$fifo"
    await_established "$port" 0
    rss_d+=("$(( (rss1 - rss0) * 1024 / conns ))")
    heap_d+=("$(( (heap1 - heap0) / conns ))")
  done
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rss=$(printf '%s\n' "${rss_d[@]}" | median)
  hp=$(printf '%s\n' "${heap_d[@]}" | median)
  printf '%-14s %8d %9dB %9dB %9dB   (rounds: rss %s; heap %s)\n' "$server" "$conns" "$rss" "$hp" "$((rss + hp))" \
    "${rss_d[*]}" "${heap_d[*]}"
  # classes by bytes grown per connection in the last round (name, bytes/conn), the largest six (TOP=n for more)
  awk -v n="$conns" 'FNR == NR { if ($1 ~ /^[0-9]+:$/) b[$4] = $3; next }
       $1 ~ /^[0-9]+:$/ { d = ($3 - b[$4]) / n; if (d >= 8) printf "    %-60s %6.0f B\n", $4, d }' \
    "$log.h0" "$log.h1" | sort -k2 -n -r | head -"${TOP:-6}"
  rm -f "$log" "$log.h0" "$log.h1" "$log.hold"
done
