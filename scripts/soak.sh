#!/usr/bin/env bash
# Soak: N connections held over a prefork server for an hour, each pinging, with a trickle of
# connections closed and replaced; every minute the workers' RSS, live heap and the buffer pool are
# sampled. At the end: drift after warm-up, the pool once every connection has gone, every ping
# accounted for. Writes docs/runs/soak-<date>.md, its samples (.tsv) and a plot (docs/images/).
#
#   scripts/soak.sh                                  # 100,000 connections, one hour (the issue's run)
#   CONNS=10000 DURATION=300 WARMUP=60 scripts/soak.sh   # a short try
#
# Settings (environment): CONNS (100000), DURATION hold seconds (3600), WARMUP seconds of the hold
# left out of the drift (600), SAMPLE seconds between samples (60), PROCS server workers (8),
# LOAD_PROCS (8), RATE connects/s of the ramp (2000), PING seconds between a connection's pings (10),
# CHURN connections/s closed and replaced during the hold (10), TRANSPORT (auto), OUT report name.
#
# Run it on an otherwise idle machine, or above what shares it (`nice -n -10 scripts/soak.sh`, as
# root): a ramp of 100,000 pinging connections on two cores beside builds failed 60,549 pings in
# its first 100 s (answers 7-10 s late), which says nothing about the server's memory.
#
# Live heap is read with `jcmd PID GC.class_histogram` (a full collection first, so the figure is
# what is reachable, not what the young generation happens to hold); RSS from /proc/PID/status.
. "$(dirname "$0")/faults/lib.sh"
command -v gnuplot >/dev/null || { echo "soak.sh: needs gnuplot for the plot: apt-get install gnuplot-nox" >&2; exit 2; }

conns=${CONNS:-100000}
duration=${DURATION:-3600}
warmup=${WARMUP:-600}
sample=${SAMPLE:-60}
procs=${PROCS:-8}
load_procs=${LOAD_PROCS:-8}
rate=${RATE:-2000}
ping=${PING:-10}
churn=${CHURN:-10}
transport=${TRANSPORT:-auto}
name=${OUT:-soak-$today}
report="$root/docs/runs/$name.md"
tsv="$root/docs/runs/$name.tsv"
plot="$root/docs/images/$name.svg"
port=$(free_port)
jcmd="$JAVA_HOME/bin/jcmd"

server_cmd=("${throng[@]}" serve --model prefork --procs "$procs" --worker-model multi-reactor --loops 1
  --transport "$transport" --handler timestamp-echo --port "$port" --status-interval 5s
  --worker-jvm "-Xmx512m -XX:+UseSerialGC")
load_cmd=("${throng[@]}" load hold --port "$port" --conns "$conns" --procs "$load_procs" --src-ips 8 --rate "$rate"
  --ping-interval "$ping" --churn "$churn" --duration "$duration" --json "$work/load.json")
"${server_cmd[@]}" > "$work/server.log" 2>&1 &
server=$!
pids+=("$server")
wait_line "$work/server.log" '^throng serving' 180
workers=$(grep -oE 'worker [0-9]+ \(pid [0-9]+\)' "$work/server.log" | grep -oE 'pid [0-9]+' | awk '{print $2}' | sort -u)
echo "soak: server pid $server, workers $(echo $workers | tr '\n' ' '), port $port"

# The last cluster status line's field after a label: cluster_field 'buffers' -> "12 (48.0 KiB) pool 1.0 MiB"
last_cluster() { grep '^cluster ' "$work/server.log" | tail -1; }
# Sums over the workers: RSS in KiB, live heap in bytes.
rss_kib() { local s=0 p; for p in $workers; do s=$(( s + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0) )); done; echo $s; }
live_heap() {
  local s=0 p t
  for p in $workers; do
    t=$("$jcmd" "$p" GC.class_histogram 2>/dev/null | awk '/^Total/ {print $3}')
    s=$(( s + ${t:-0} ))
  done
  echo $s
}
# Buffers lent and pool bytes, from the workers' own reports (the supervisor adds them up).
buffers() { last_cluster | sed -E 's/.*\| buffers ([0-9]+) \(([^)]*)\) pool ([^|]*) \|.*/\1\t\2\t\3/'; }
conns_now() { last_cluster | sed -E 's/.*\| conns ([^ ]+) \|.*/\1/'; }

sleep 6 # one status line of the idle server
baseline_buffers=$(buffers)
baseline_rss=$(rss_kib)
baseline_heap=$(live_heap)
echo "soak: idle: rss $baseline_rss KiB, live heap $baseline_heap B, buffers lent/bytes/pool $baseline_buffers"

printf 'minute\tphase\tconns\trss_kib\tlive_heap_bytes\tbuffers_lent\tlent\tpool\tload\n' > "$work/samples.tsv"
started=$(date +%s)
"${load_cmd[@]}" > "$work/load.log" 2>&1 &
load=$!
pids+=("$load")
echo "soak: load pid $load: ${load_cmd[*]:5}"
k=0
while kill -0 "$load" 2>/dev/null; do
  # on the minute (since the load started), however long the previous sample took
  k=$(( k + 1 )); wait_s=$(( started + k * sample - $(date +%s) ))
  [ "$wait_s" -gt 0 ] && { sleep "$wait_s" & wait $! || true; }
  kill -0 "$load" 2>/dev/null || break
  t=$(( $(date +%s) - started ))
  lp=$(grep -E '^(connecting|measure|draining)' "$work/load.log" | tail -1 | tr -s ' ' | cut -c1-200)
  phase=$(echo "$lp" | awk '{print $1}')
  row=$(printf '%.1f\t%s\t%s\t%s\t%s\t%s\t%s' "$(echo "$t / 60" | bc -l)" "${phase:-?}" "$(conns_now)" "$(rss_kib)" "$(live_heap)" "$(buffers)" "$lp")
  echo "$row" | tee -a "$work/samples.tsv"
done
wait "$load" && load_rc=0 || load_rc=$?
ended=$(date +%s)
# Every connection is gone: the pool as the idle server had it?
for _ in $(seq 120); do [ "$(conns_now)" = 0 ] && break; sleep 1; done
sleep 6
end_buffers=$(buffers)
end_rss=$(rss_kib)
end_heap=$(live_heap)
echo "soak: after: conns $(conns_now), rss $end_rss KiB, live heap $end_heap B, buffers $end_buffers; load exit $load_rc"
cp "$work/samples.tsv" "$tsv"
restarts=$(grep -c 'exited with status' "$work/server.log" || true)

python3 - "$work/samples.tsv" "$work/load.json" "$report" "$warmup" "$sample" <<'EOF' > "$work/summary.md"
import json, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])][1:]
warm = float(sys.argv[4]) / 60
# the hold starts when the load's phase says measure; warm-up counts from there
hold0 = next((float(r[0]) for r in rows if r[1] == 'measure'), None)
steady = [r for r in rows if r[1] == 'measure' and hold0 is not None and float(r[0]) - hold0 >= warm]
def drift(col):
    xs = [float(r[0]) for r in steady]; ys = [float(r[col]) for r in steady]
    if len(ys) < 4:
        return None
    k = min(5, len(ys) // 2)
    first, last = sum(ys[:k]) / k, sum(ys[-k:]) / k
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / max(1e-9, sum((x - mx) ** 2 for x in xs))
    return first, last, 100 * (last - first) / first, 100 * slope * (xs[-1] - xs[0]) / my
r = json.load(open(sys.argv[2]))
print("| figure | first 5 samples after warm-up | last 5 | change | least-squares trend over the steady part |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, col, unit, scale in (("workers' RSS", 3, "MiB", 1 / 1024), ("workers' live heap", 4, "MiB", 1 / 1048576),
                               ("buffers lent", 5, "", 1)):
    d = drift(col)
    if d is None:
        print(f"| {name} | too few samples | | | |")
    else:
        print(f"| {name} | {d[0] * scale:,.1f} {unit} | {d[1] * scale:,.1f} {unit} | {d[2]:+.2f}% | {d[3]:+.2f}% |")
print()
print(f"Steady samples: {len(steady)} (from minute {hold0 + warm:.0f} of the run, the hold's minute {warm:.0f}, to its end)." if hold0 is not None else "The hold never started.")
print()
print(f"Load: established {r['established']:,} of {r['connectAttempts']:,} attempted; open at the end {r['openAtEnd']:,}; "
      f"lost {r['disconnects']:,}; churned {r.get('churned', 0):,}; pings answered {r['responses']:,}, failed {r['pingFailures']:,} "
      f"(late {r['lateEchoes']:,}); mismatches {r['mismatches']:,}; connect failures {r['connectFailures']}; "
      f"ping round trip p50 {r['latency']['p50']:,.0f} us, p99 {r['latency']['p99']:,.0f} us, p99.99 {r['latency']['p9999']:,.0f} us, max {r['latency']['max']:,.0f} us.")
EOF

gnuplot <<EOF
set terminal svg size 900,520 dynamic font "sans,11"
set output "$plot"
set title "throng soak: $conns connections over $procs prefork workers, pinging every ${ping} s, ${churn}/s replaced ($today)"
set xlabel "minutes since the load started"
set ylabel "MiB"
set y2label "buffers lent"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key bottom right
set datafile separator "\t"
set grid
plot "$tsv" every ::1 using 1:(\$4/1024) with linespoints title "workers' RSS (MiB)", \
     "$tsv" every ::1 using 1:(\$5/1048576) with linespoints title "workers' live heap (MiB)", \
     "$tsv" every ::1 using 1:6 axes x1y2 with lines title "buffers lent (right)"
EOF

{
  echo "# Soak, $today: $(printf "%'d" "$conns") connections over prefork for $(( duration / 60 )) min"
  echo
  echo "Machine: $machine. Build: \`$(git -C "$root" rev-parse --short HEAD)\`$(git -C "$root" diff --quiet || echo ' (with uncommitted changes)')."
  echo
  echo "Commands (\`scripts/soak.sh\`, CONNS=$conns DURATION=$duration WARMUP=$warmup SAMPLE=$sample PROCS=$procs LOAD_PROCS=$load_procs RATE=$rate PING=$ping CHURN=$churn TRANSPORT=$transport):"
  echo
  echo '```'
  echo "throng ${server_cmd[*]:5}"
  echo "throng ${load_cmd[*]:5}"
  echo '```'
  echo
  echo "Each minute: the workers' RSS (/proc/PID/status, summed), their live heap (\`jcmd PID GC.class_histogram\`, which collects first; summed), the buffers lent and the pool (the workers' reports, added up by the supervisor)."
  echo
  echo "## Result"
  echo
  cat "$work/summary.md"
  echo
  echo "Idle server before the load: RSS $(( baseline_rss / 1024 )) MiB, live heap $(( baseline_heap / 1048576 )) MiB, buffers lent / their bytes / pool: $(echo "$baseline_buffers" | tr '\t' ' / ')."
  echo "After the load, every connection closed ($(conns_now) open): RSS $(( end_rss / 1024 )) MiB, live heap $(( end_heap / 1048576 )) MiB, buffers lent / their bytes / pool: $(echo "$end_buffers" | tr '\t' ' / ')."
  echo "Worker restarts: $restarts. Load exit status: $load_rc. Wall time: $(( (ended - started) / 60 )) min."
  echo
  echo "![samples]($(realpath --relative-to="$root/docs/runs" "$plot"))"
  echo
  echo "## Samples ($(basename "$tsv"))"
  echo
  echo '```'
  cut -f1-8 "$tsv" | column -t -s $'\t'
  echo '```'
  echo
  echo "## The load's summary"
  echo
  echo '```'
  grep -v -E '^(connecting|measure|draining|stopping) ' "$work/load.log" | tail -n 12
  echo '```'
} > "$report"
echo "soak: wrote $report, $tsv, $plot"
cat "$work/summary.md"
