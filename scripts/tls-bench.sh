#!/usr/bin/env bash
# TLS throughput: throng against Netty 4.2 on the JDK's engine and on BoringSSL (netty-tcnative),
# round by round in one run (the load shares the machine's cores: compare within a round).
#
#   scripts/tls-bench.sh               ROUNDS=3 CONNS=1000 SECONDS_EACH=5 TRANSPORT=epoll (defaults)
#
# Each round starts each server in turn (a P-256 certificate openssl makes for the run) and
# measures, with throng's load tool on TLS 1.3 (the JDK's engine, trusting the test certificate):
#   full/s     new connections a second, each a full handshake (--tls-no-resume), 4 in flight
#   resumed/s  the same with session resumption (the client offers its cached session)
#   echo/s     8-byte ping-pong requests a second over CONNS connections
#   ossl/s     full handshakes a second made by CLIENTS `openssl s_time -new -tls1_3` processes at
#              once: a client in C whose handshake costs a fraction of the server's, so the server
#              is what limits the figure (throng's load, on the JDK's engine, limits full/s)
# Then the ratios of throng to each Netty, per round, and their medians.
set -euo pipefail
# a pipe whose write end this script holds: the servers' stdin stays open (a Netty peer stops when
# it closes) until the script ends, and no process is left behind to hold it
exec {keep}<> <(:)
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
rounds=${ROUNDS:-3}
conns=${CONNS:-1000}
secs=${SECONDS_EACH:-5}
transport=${TRANSPORT:-epoll}
clients=${CLIENTS:-4}
"$root/throng" --version >/dev/null
jar=${THRONG_JAR:-$root/throng-cli/target/throng.jar}
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$certs/key.pem" -out "$certs/cert.pem" \
  -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
jvm=(-XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED)
servers=(throng netty-jdk netty-openssl)
figure() { python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["requestsPerSecond"]))' "$1"; }
load() { "$root/throng" load "$@" --tls --tls-insecure --src-ips 4 --warmup 1 --duration "$secs" --json "$out" >/dev/null 2>&1 || true; }
# full handshakes a second from $clients openssl processes at once (each one connection at a time)
s_time() {
  local pids=() outs=() i total=0
  for i in $(seq "$clients"); do
    outs+=("$(mktemp)")
    openssl s_time -connect "127.0.0.1:$1" -new -tls1_3 -time "$secs" </dev/null >"${outs[-1]}" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}" 2>/dev/null || true
  for i in "${outs[@]}"; do
    total=$((total + $(awk '/connections in [0-9]+ real seconds/ {print $1; exit}' "$i" | grep . || echo 0)))
    rm -f "$i"
  done
  echo $((total / secs))
}
results=$(mktemp)
echo "TLS 1.3, $transport, load: throng's (JDK engine), ${secs}s a measure, $conns connections for echo; ossl/s: $clients openssl s_time"
printf '%-6s %-14s %10s %10s %10s %10s\n' round server "full/s" "resumed/s" "echo/s" "ossl/s"
for round in $(seq "$rounds"); do
  for server in "${servers[@]}"; do
    port=$((20000 + RANDOM % 20000))
    log=$(mktemp); out=$(mktemp)
    case "$server" in
      throng) cmd=("$JAVA_HOME/bin/java" "${jvm[@]}" -jar "$jar" serve --model multi-reactor --transport "$transport"
                   --port "$port" --status-interval 0 --tls-cert "$certs/cert.pem" --tls-key "$certs/key.pem") ;;
      netty-jdk) cmd=("$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$jar" io.throng.bench.peers.NettyTlsEchoServer "$transport" "$port" jdk
                      "$certs/cert.pem" "$certs/key.pem") ;;
      netty-openssl) cmd=("$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$jar" io.throng.bench.peers.NettyTlsEchoServer "$transport" "$port" openssl
                          "$certs/cert.pem" "$certs/key.pem") ;;
    esac
    "${cmd[@]}" <&"$keep" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do grep -Eq "^port |throng serving|unavailable" "$log" && break; sleep 0.2; done
    load connrate --port "$port" --concurrency 4 --tls-no-resume; full=$(figure "$out")
    load connrate --port "$port" --concurrency 4; resumed=$(figure "$out")
    load pingpong --port "$port" --conns "$conns"; echo_=$(figure "$out")
    ossl=$(s_time "$port")
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    printf '%-6s %-14s %10s %10s %10s %10s\n' "$round" "$server" "$full" "$resumed" "$echo_" "$ossl"
    echo "$round $server $full $resumed $echo_ $ossl" >>"$results"
    rm -f "$log" "$out"
  done
done
python3 - "$results" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for r, s, *v in rows:
    by.setdefault(r, {})[s] = [float(x) for x in v]
for peer in ("netty-jdk", "netty-openssl"):
    ratios = [[by[r]["throng"][i] / by[r][peer][i] if by[r][peer][i] else float("nan") for i in range(4)] for r in sorted(by)]
    med = [statistics.median(x[i] for x in ratios) for i in range(4)]
    print(f"throng / {peer}: full " + " ".join(f"{x[0]:.2f}" for x in ratios) + f" (median {med[0]:.2f}x); resumed "
          + " ".join(f"{x[1]:.2f}" for x in ratios) + f" (median {med[1]:.2f}x); echo "
          + " ".join(f"{x[2]:.2f}" for x in ratios) + f" (median {med[2]:.2f}x); full from openssl "
          + " ".join(f"{x[3]:.2f}" for x in ratios) + f" (median {med[3]:.2f}x)")
PY
rm -f "$results"
