#!/usr/bin/env bash
# Connections ramped into a prefork server at a steady rate by an independent C load generator
# (scripts/hold.c), held, and each pinged once at the end: does the accept path keep up, and does
# it lose anything? Prints the load's counts, the kernel's listen-queue counters over the run
# (TcpExtListenOverflows, TcpExtListenDrops, from nstat) and the workers' accepted totals.
#
#   scripts/ramp.sh CONNS RATE WORKERS          e.g. scripts/ramp.sh 1000000 10000 56
#   TRANSPORT=epoll WORKER_MODEL=multi-reactor HOLD=30 scripts/ramp.sh ...
#   SERVER=c-epoll scripts/ramp.sh ...          the C baseline (scripts/echo-epoll.c), WORKERS processes
#
# Needs root for the kernel settings it raises (it prints them and restores them at the end):
# somaxconn and the SYN backlog, the netdev_max_backlog, tcp_mem, file-max. The load
# uses source addresses 127.0.0.2 ... each connection with a port of its own.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
conns=${1:?CONNS}
rate=${2:?RATE}
workers=${3:?WORKERS}
transport=${TRANSPORT:-auto}
model=${WORKER_MODEL:-single-reactor}
hold=${HOLD:-20}
port=${PORT:-19471}
source "$root/scripts/lib-procs.sh"

bin="$work/hold"
gcc -O2 -o "$bin" "$root/scripts/hold.c"
"$root/throng" --version >/dev/null

# kernel settings: remember, raise, restore on exit
declare -A want=(
  [net.core.somaxconn]=4096 [net.ipv4.tcp_max_syn_backlog]=4096 [net.core.netdev_max_backlog]=16384
  [fs.file-max]=4000000
  [net.ipv4.tcp_mem]="1500000 3000000 4500000"
)
declare -A old=()
for k in "${!want[@]}"; do old[$k]=$(sysctl -n "$k" | tr '\t' ' '); sysctl -qw "$k=${want[$k]}"; done
restore() { for k in "${!old[@]}"; do sysctl -qw "$k=${old[$k]}" || true; done; cleanup; }
trap restore EXIT

# source addresses: the load binds each connection's port itself, 60,000 an address (scripts/hold.c)
nsrc=$(( (conns + 59999) / 60000 ))
srcs=$(seq -s, -f "127.0.0.%g" 2 $((nsrc + 1)))
# load processes: under the open-files limit each
limit=$(ulimit -Hn)
procs=$(( (conns + limit - 300) / (limit - 300) ))

log="$work/server.log"
if [ "${SERVER:-throng}" = c-epoll ]; then
  # the C baseline: as many single-threaded epoll echo processes sharing the port (SO_REUSEPORT)
  gcc -O2 -pthread -o "$work/echo-epoll" "$root/scripts/echo-epoll.c"
  ( trap 'kill $(jobs -p) 2>/dev/null' TERM; for _ in $(seq "$workers"); do "$work/echo-epoll" "$port" 1 & done; wait ) &
  pids+=($!)
  sleep 1
  transport=epoll model="C echo-epoll"
  echo "prefork x$workers" >"$log"
else
  MALLOC_ARENA_MAX=2 "$root/throng" serve --model prefork --procs "$workers" --worker-model "$model" --loops 1 \
    --transport "$transport" --handler echo --port "$port" --status-interval 5s \
    --worker-jvm "-XX:+UseSerialGC -Xms8m -Xmx128m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m -Xss256k -XX:-UsePerfData -XX:TrimNativeHeapInterval=5000" \
    >"$log" 2>&1 &
  pids+=($!)
fi
for _ in $(seq 600); do grep -q "prefork x$workers" "$log" && break; sleep 0.5; done
grep -q "prefork x$workers" "$log" || { echo "the server did not start:"; tail -n 20 "$log"; exit 2; }
sleep 3
echo "server: prefork x$workers $model on $transport; load: $conns connections at $rate/s from $procs processes and $nsrc source addresses"
# CPU seconds of the server's processes (the supervisor and its workers)
descendants() { local c; for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done; }
server_cpu() {
  local tck=$(getconf CLK_TCK)
  for p in ${pids[0]} $(descendants "${pids[0]}"); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done \
    | awk -v t="$tck" '{s += $1} END {printf "%.1f", s / t}'
}
drops() { local s=0 a b r; while read -r a b r; do s=$((s + 0x$b)); done </proc/net/softnet_stat; echo $s; }
cpu0=$(server_cpu); drops0=$(drops)
nstat -n >/dev/null
set +e
"$bin" -n "$conns" -r "$rate" -H "$hold" -P "$procs" -t 10000 -s "$srcs" 127.0.0.1 "$port" | grep -v '^proc'
status=${PIPESTATUS[0]}
set -e
echo "server CPU during the run: $(echo "$(server_cpu) - $cpu0" | bc) s; softnet drops: $(( $(drops) - drops0 ))"
echo "kernel: $(nstat -sz TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop TcpExtSyncookiesSent 2>/dev/null | awk 'NR>1 && $1 !~ /^#/ {printf "%s %s  ", $1, $2}')"
echo "kernel, every counter that moved: $(nstat -s 2>/dev/null | awk 'NR>1 && $1 !~ /^#/ {printf "%s %s  ", $1, $2}')"
grep '^cluster' "$log" | tail -n 1 || true
exit "$status"
