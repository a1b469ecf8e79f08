#!/usr/bin/env bash
# Fault run 4: a descriptor storm past the process's open-file limit.
# `throng serve` started under `ulimit -n LIMIT` (1,000), then `throng load hold` opens CONNS (3,000)
# connections at once and holds them, pinging, for HOLD s: the server runs out of descriptors and
# its accepts fail (EMFILE). Measures the server's CPU each second from /proc/PID/stat (a server that
# retries a failing accept in a loop would spin at 100%), its `accept errors` (status line, then
# /metrics), and whether accepting resumes once the storm's connections close (connect probes that
# must be echoed), and each loop's listener as /dump shows it then. Once for each transport in
# TRANSPORTS. Writes docs/runs/fault-<NAME>-<date>.md (or OUT).
#
#   scripts/faults/fd-storm.sh          environment: LIMIT=1000 CONNS=3000 HOLD=20 TRANSPORTS="io_uring epoll nio" NAME=fd-storm OUT= LOGS=
. "$(dirname "$0")/lib.sh"
limit=${LIMIT:-1000}; conns=${CONNS:-3000}; hold=${HOLD:-20}; transports=${TRANSPORTS:-io_uring epoll nio}
cd "$root"
out=${OUT:-docs/runs/fault-${NAME:-fd-storm}-$today.md}
verdict=PASS; why=()
rows=""; details=""
for tr in $transports; do
  port=$(free_port); admin=$(free_port)
  log="$work/server-$tr.log"
  serve_cmd="ulimit -n $limit; ./throng serve --transport $tr --port $port --admin-port $admin --status-interval 1s"
  bash -c 'ulimit -n "$1"; shift; exec "$@"' _ "$limit" "${throng[@]}" serve --transport "$tr" --port "$port" \
    --admin-port "$admin" --status-interval 1s \
    > >(while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done > "$log") 2>&1 &
  server=$!; pids+=("$server")
  wait_line "$log" 'throng serving' 90
  sleep 2
  fdlimit=$(awk '/Max open files/ { print $4 }' "/proc/$server/limits")
  base_fds=$(ls "/proc/$server/fd" | wc -l)
  load_cmd="./throng load hold --port $port --conns $conns --rate 0 --ping-interval 1 --duration $hold --json FILE"
  "${throng[@]}" load hold --port "$port" --conns "$conns" --rate 0 --ping-interval 1 --duration "$hold" \
    --json "$work/load-$tr.json" > "$work/load-$tr.log" 2>&1 &
  load=$!; pids+=("$load")
  # the server's CPU each second while the storm lasts
  series=(); maxfds=0
  prev=$(cpu_ticks "$server"); t_prev=$(now); t_storm=$t_prev; c_storm=$prev
  while kill -0 "$load" 2>/dev/null; do
    sleep 1
    kill -0 "$server" 2>/dev/null || { verdict=FAIL; why+=("$tr: the server died"); break; }
    cur=$(cpu_ticks "$server"); t=$(now)
    series+=("$(python3 -c "print(round(($cur - $prev) / ($t - $t_prev)))")")
    fds=$(ls "/proc/$server/fd" 2>/dev/null | wc -l); [ "$fds" -gt "$maxfds" ] && maxfds=$fds
    prev=$cur; t_prev=$t
  done
  wait "$load" || true
  t_end=$(now); c_end=$(cpu_ticks "$server")
  avg=$(python3 -c "print(round(($c_end - $c_storm) / ($t_end - $t_storm), 1))")
  peak=$(printf '%s\n' "${series[@]}" | sort -n | tail -1)
  errs_status=$(grep -oE 'accept errors [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || echo 0)
  sleep 3 # the storm's connections closed by the load tool; the server reads their ends
  python3 scripts/faults/probe.py 127.0.0.1 "$port" 5 0.05 > "$work/probe-$tr.json"
  # each loop's listener (SO_REUSEPORT): connections waiting in its accept queue now
  recvq=$(ss -Hltn "( sport = :$port )" | awk '{ printf "%s%s", sep, $2; sep = "/" }')
  probe=$(cat "$work/probe-$tr.json")
  probe_ok=$(python3 -c "import json; d=json.loads('$probe'); print(d['ok'] == d['attempts'] and d['ok'] > 0)")
  m=$(curl -s -m 5 "http://127.0.0.1:$admin/metrics" || true)
  listeners=$(curl -s -m 5 "http://127.0.0.1:$admin/dump?first=0" | grep -oE 'loop [^:]*: .*' \
    | sed -E 's/^(loop [^:]*):.*(listener .*), connections [0-9]+, unwritable.*/\1: \2/' || true)
  errs_metric=$(echo "$m" | awk '/^throng_accept_errors_total/ { printf "%d", $NF }')
  pauses_metric=$(echo "$m" | awk '/^throng_accept_pauses_total/ { printf "%d", $NF }')
  accepted_metric=$(echo "$m" | awk '/^throng_connections_accepted_total/ { printf "%d", $NF }')
  open_metric=$(echo "$m" | awk '/^throng_connections_open/ { printf "%d", $NF }')
  est=$(jfield "$work/load-$tr.json" 'd["established"]'); silent=$(jfield "$work/load-$tr.json" 'd["silent"]')
  pinged=$(jfield "$work/load-$tr.json" 'd["openAtEnd"] - d["silent"]'); fails=$(jfield "$work/load-$tr.json" 'd["pingFailures"]')
  rows+="| $tr | $fdlimit | $base_fds | $maxfds | $est | $pinged | $silent | $fails | ${errs_status:-0} | ${errs_metric:-?} | $avg% | $peak% | $(python3 -c "import json; d=json.loads('$probe'); print(f\"{d['ok']} of {d['attempts']}\")") | ${accepted_metric:-?} / ${open_metric:-?} | $recvq |"$'\n'
  details+="### $tr"$'\n\n'"\`\`\`sh"$'\n'"$serve_cmd"$'\n'"$load_cmd"$'\n'"\`\`\`"$'\n\n'
  details+="Server CPU each second of the storm (% of one core): ${series[*]}"$'\n\n'
  details+="Each loop's listener after the storm (/dump):"$'\n\n'"\`\`\`"$'\n'"${listeners:-(no dump)}"$'\n'"\`\`\`"$'\n\n'
  details+="Status lines (every fifth) and anything the server logged:"$'\n\n'"\`\`\`"$'\n'
  details+="$(cut -d' ' -f2- "$log" | grep -vE '^  |^(server|limits|tls):' | awk '!/^conns/ || NR % 5 == 0' | grep -vE '^conns 0 \|' | sed -n 1,25p)"$'\n'"\`\`\`"$'\n\n'
  [ "${errs_status:-0}" -gt 0 ] || { verdict=FAIL; why+=("$tr: no accept errors counted"); }
  python3 -c "import sys; sys.exit(0 if $avg < 50 else 1)" || { verdict=FAIL; why+=("$tr: the server averaged $avg% of a core during the storm"); }
  [ "$probe_ok" = True ] || { verdict=FAIL; why+=("$tr: after the storm, probes failed: $probe"); }
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  [ -z "${LOGS:-}" ] || cp "$log" "$LOGS/server-$tr-$(date +%H%M%S).log" # LOGS=DIR keeps each server's whole log
done
cat > "$out" <<MD
# Fault run: a descriptor storm past the open-file limit ($today)

**Verdict: $verdict.** $( [ ${#why[@]} -eq 0 ] && echo "On every transport the server counted its failed accepts, did not spin (CPU below), and served new clients once the storm's connections closed." || printf '%s. ' "${why[@]}")

Script: \`scripts/faults/fd-storm.sh\` (LIMIT=$limit CONNS=$conns HOLD=$hold). Machine: $machine.

| transport | fd limit | fds at rest | fds at most | storm connections established (kernel) | of them served (a ping answered) | never served | failed pings | accept errors (status line) | accept errors (/metrics, after) | server CPU over the storm | worst second | probes after the storm echoed | accepted / open at the end | listeners' accept queues after (ss Recv-Q) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$rows
The storm's connections past the limit are established by the kernel (the listen backlog) and
wait there unaccepted: their pings go unanswered (failed pings) until the load tool closes them.

$details
MD
echo "wrote $out"; cat "$out"
