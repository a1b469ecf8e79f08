#!/usr/bin/env bash
# What each JVM option saves in a prefork worker (docs/scale.md, "Lean workers").
#
#   scripts/lean-worker-jvm.sh [copies] [held]        (defaults: 4 copies, 10000 held connections)
#
# For each option set (each adds to the one before), starts COPIES identical workers
# (`throng serve --model multi-reactor --loops 1 --handler timestamp-echo`, as a prefork worker runs),
# waits until they serve and 5 s more, and reads from /proc per worker: RSS (every mapped page) and
# PSS (shared pages divided among the processes sharing them: with many workers, the JDK's CDS
# archive, the AOT cache and libjvm are paid once). Then HELD connections are opened to the first
# copy and held (one ping every 5 s each) and its RSS is read again. Prints a Markdown table.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
copies=${1:-4}
held=${2:-10000}
"$root/throng" --version >/dev/null # builds if needed
jar="$root/throng-cli/target/throng.jar"
java="$JAVA_HOME/bin/java"
aotdir="$root/throng-cli/target"

steps=(
  "JDK defaults (G1, heap 1/64 of RAM at start)|"
  "+ -XX:+UseCompactObjectHeaders|-XX:+UseCompactObjectHeaders"
  "+ -XX:+UseSerialGC|-XX:+UseCompactObjectHeaders -XX:+UseSerialGC"
  "+ -Xms8m -Xmx128m|-XX:+UseCompactObjectHeaders -XX:+UseSerialGC -Xms8m -Xmx128m"
  "+ C1 only: -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m|-XX:+UseCompactObjectHeaders -XX:+UseSerialGC -Xms8m -Xmx128m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m"
  "+ -Xss256k -XX:-UsePerfData|-XX:+UseCompactObjectHeaders -XX:+UseSerialGC -Xms8m -Xmx128m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m -Xss256k -XX:-UsePerfData"
  "+ -XX:TrimNativeHeapInterval=5000, MALLOC_ARENA_MAX=2|-XX:+UseCompactObjectHeaders -XX:+UseSerialGC -Xms8m -Xmx128m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m -Xss256k -XX:-UsePerfData -XX:TrimNativeHeapInterval=5000"
  "+ AOT cache (-XX:AOTCache)|-XX:+UseCompactObjectHeaders -XX:+UseSerialGC -Xms8m -Xmx128m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m -Xss256k -XX:-UsePerfData -XX:TrimNativeHeapInterval=5000 AOT"
  "+ -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0|-XX:+UseCompactObjectHeaders -XX:+UseSerialGC -Xms8m -Xmx128m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m -Xss256k -XX:-UsePerfData -XX:TrimNativeHeapInterval=5000 -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 AOT"
)

pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

kb() { awk -v f="$2:" '$1 == f {print $2}' "$1"; }

echo "| options | $copies started together: all serving after |  RSS idle | PSS idle ($copies workers) | RSS with $held held |"
echo "| --- | ---: | ---: | ---: | ---: |"
for step in "${steps[@]}"; do
  label=${step%%|*}
  opts=${step#*|}
  env=()
  if [[ $label == *MALLOC_ARENA_MAX* || $opts == *AOT* ]]; then env=(MALLOC_ARENA_MAX=2); fi
  if [[ $opts == *AOT* ]]; then
    opts=${opts% AOT}
    aot="$aotdir/lean-probe-$(echo "$opts" | cksum | cut -d' ' -f1).aot"
    if [ ! -f "$aot" ] || [ "$aot" -ot "$jar" ]; then
      env MALLOC_ARENA_MAX=2 "$java" --enable-native-access=ALL-UNNAMED $opts -XX:AOTCacheOutput="$aot" -cp "$jar" \
        io.throng.cli.ThrongCommand serve --model multi-reactor --loops 1 --port 0 --handler timestamp-echo \
        --status-format json --status-interval 500ms --duration 2s --reuse-port >/dev/null 2>&1
    fi
    opts="$opts -XX:AOTCache=$aot"
  fi
  pids=()
  ports=()
  logs=()
  t0=$(date +%s%N)
  for i in $(seq "$copies"); do
    port=$((21000 + RANDOM % 9000))
    log=$(mktemp)
    env "${env[@]}" "$java" --enable-native-access=ALL-UNNAMED $opts -cp "$jar" io.throng.cli.ThrongCommand serve \
      --model multi-reactor --loops 1 --handler timestamp-echo --port "$port" --status-format json \
      --status-interval 5s --reuse-port >"$log" 2>&1 &
    pids+=($!)
    ports+=("$port")
    logs+=("$log")
  done
  for log in "${logs[@]}"; do
    for _ in $(seq 600); do grep -q "throng serving" "$log" && break; sleep 0.05; done
  done
  start_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  sleep 5
  rss=0; pss=0
  for p in "${pids[@]}"; do
    rss=$((rss + $(kb /proc/$p/status VmRSS)))
    pss=$((pss + $(kb /proc/$p/smaps_rollup Pss)))
  done
  "$root/throng" load hold --port "${ports[0]}" --conns "$held" --rate 5000 --ping-interval 5 --duration 8 --loops 1 \
    --src-ips 1 >/dev/null 2>&1 &
  loadpid=$!
  sleep $(( held / 5000 + 6 ))
  rss_held=$(kb /proc/${pids[0]}/status VmRSS)
  wait $loadpid || true
  awk -v l="$label" -v t="$start_ms" -v r="$rss" -v p="$pss" -v h="$rss_held" -v c="$copies" \
    'BEGIN { printf "| %s | %.1f s | %.1f MiB | %.1f MiB | %.1f MiB |\n", l, t / 1000, r / c / 1024, p / c / 1024, h / 1024 }'
  cleanup
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -f "${logs[@]}"
done
