# Sourced by the fault scripts (scripts/faults/*.sh). Gives: $root, $JAVA_HOME, $jar, a temporary
# directory ($work), the processes the script started ($pids: each stopped on exit by its PID, with
# SIGTERM, then SIGKILL after 15 s; nothing else is touched), and helpers. Loopback only.
set -euo pipefail
# (so a pipeline ending in `head` can fail: head exits after its lines, a writer still writing dies
# of SIGPIPE, status 141, and the script ends without a word; take first lines with `sed -n 1,Np`)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/bin/find-jdk.sh"
"$root/throng" --version > /dev/null # builds the jar if the sources changed
jar="$root/throng-cli/target/throng.jar"
work=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 150); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# The throng command itself (no rebuild check: lib.sh did it once), as an array so that
# `"${throng[@]}" ... &` is the JVM itself and $! its PID (a shell function would put a subshell between).
throng=("$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED ${THRONG_JAVA_OPTS:-} -jar "$jar")
# A port free now on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Wall clock in seconds with nanoseconds.
now() { date +%s.%N; }
# Waits up to $3 s (default 60) for a line matching the extended regexp $2 in file $1.
wait_line() {
  local deadline=$(( $(date +%s) + ${3:-60} ))
  until grep -qE "$2" "$1" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "timed out waiting for /$2/ in $1" >&2; tail -5 "$1" >&2; return 1; fi
    sleep 0.05
  done
}
# CPU ticks (user + system, 1/100 s) of a process, from /proc/PID/stat.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# Established TCP connections whose local port is $1, per owning PID: "pid count" lines.
conns_by_pid() {
  ss -Htnp state established "( sport = :$1 )" 2>/dev/null | grep -o 'pid=[0-9]*' | sort | uniq -c | awk '{ sub("pid=", "", $2); print $2, $1 }' || true
}
# Established connections on local port $1 owned by PID $2.
conns_of() { ss -Htnp state established "( sport = :$1 )" 2>/dev/null | grep -c "pid=$2," || true; }
# One field of a JSON file: jfield FILE EXPR (a Python expression on `d`).
jfield() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
today=$(date +%F)
machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2/1048576 }' /proc/meminfo), $(uname -sr), $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 1p), open files $(ulimit -Hn) hard"
