#!/usr/bin/env bash
# Fault run 5: peers that reset while the server is writing to them.
# `throng serve` (echo) with an admin port; scripts/faults/resetter.py: THREADS x ROUNDS
# connections, each sending up to SIZE bytes without reading (the echo piles up in the server's
# write queue), reading 64 KiB of it, then closing with SO_LINGER 0 (a reset under the server's
# write). Reports the closes by reason, I/O errors, the buffer pool before / right after / at rest,
# and that the server still serves (connect probes and a pingpong load). Once per transport.
# Writes docs/runs/fault-reset-write-<date>.md.
#
#   scripts/faults/reset-write.sh     environment: THREADS=20 ROUNDS=50 SIZE=4194304 TRANSPORTS="io_uring epoll nio"
. "$(dirname "$0")/lib.sh"
threads=${THREADS:-20}; rounds=${ROUNDS:-50}; size=${SIZE:-4194304}; transports=${TRANSPORTS:-io_uring epoll nio}
cd "$root"
out="docs/runs/fault-reset-write-$today.md"
verdict=PASS; why=(); sections=""
metric() { echo "$1" | awk -v k="$2" 'index($0, k) == 1 { s += $NF } END { printf "%d", s }'; }
scrape() { curl -s -m 5 "http://127.0.0.1:$1/metrics"; }
for tr in $transports; do
  port=$(free_port); admin=$(free_port); log="$work/server-$tr.log"
  serve_cmd="./throng serve --transport $tr --port $port --admin-port $admin --status-interval 1s"
  "${throng[@]}" serve --transport "$tr" --port "$port" --admin-port "$admin" --status-interval 1s > "$log" 2>&1 &
  server=$!; pids+=("$server")
  wait_line "$log" 'throng serving' 90
  "${throng[@]}" load pingpong --port "$port" --conns 50 --warmup 1 --duration 3 > /dev/null 2>&1 || true # warm: the loops' buffers exist
  sleep 2
  m0=$(scrape "$admin")
  reset_cmd="python3 scripts/faults/resetter.py 127.0.0.1 $port $threads $rounds $size"
  t0=$(now); c0=$(cpu_ticks "$server")
  res=$(python3 scripts/faults/resetter.py 127.0.0.1 "$port" "$threads" "$rounds" "$size")
  t1=$(now); c1=$(cpu_ticks "$server")
  m1=$(scrape "$admin")
  sleep 5
  m2=$(scrape "$admin")
  probe=$(python3 scripts/faults/probe.py 127.0.0.1 "$port" 2 0.02)
  pp_cmd="./throng load pingpong --port $port --conns 100 --warmup 1 --duration 5 --json FILE"
  "${throng[@]}" load pingpong --port "$port" --conns 100 --warmup 1 --duration 5 --json "$work/pp-$tr.json" > /dev/null 2>&1 || true
  pp_rps=$(jfield "$work/pp-$tr.json" 'round(d["requestsPerSecond"])'); pp_mis=$(jfield "$work/pp-$tr.json" 'd["mismatches"]')
  pp_est=$(jfield "$work/pp-$tr.json" 'd["established"]'); pp_p99=$(jfield "$work/pp-$tr.json" 'round(d["latency"]["p99"] / 1000, 2)')
  sleep 2
  m3=$(scrape "$admin")
  row() { # label, metric prefix
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$(metric "$m0" "$2")" "$(metric "$m1" "$2")" "$(metric "$m2" "$2")" "$(metric "$m3" "$2")"
  }
  table=$(
    row 'connections open' 'throng_connections_open'
    row 'connections accepted' 'throng_connections_accepted_total'
    row 'closed: io_error' 'throng_connections_closed_total{reason="io_error"'
    row 'closed: peer_closed' 'throng_connections_closed_total{reason="peer_closed"'
    row 'closed: write_limit' 'throng_connections_closed_total{reason="write_limit"'
    row 'closed: local' 'throng_connections_closed_total{reason="local"'
    row 'times a queue passed the high water mark' 'throng_connections_unwritable_total'
    row 'bytes read' 'throng_data_read_bytes_total'
    row 'bytes written' 'throng_data_written_bytes_total'
    row 'buffers lent' 'throng_buffers_lent '
    row 'bytes of buffers lent' 'throng_buffers_lent_bytes'
    row 'buffer pool (native bytes held)' 'throng_buffers_pool_bytes'
  )
  lent0=$(metric "$m0" 'throng_buffers_lent_bytes'); lent2=$(metric "$m2" 'throng_buffers_lent_bytes')
  open2=$(metric "$m2" 'throng_connections_open')
  ioerr=$(( $(metric "$m1" 'throng_connections_closed_total{reason="io_error"') - $(metric "$m0" 'throng_connections_closed_total{reason="io_error"') ))
  conns_done=$(echo "$res" | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"])')
  cpu=$(python3 -c "print(round(($c1 - $c0) / ($t1 - $t0), 1))")
  probe_ok=$(python3 -c "import json; d=json.loads('$probe'); print(d['ok'] == d['attempts'] and d['ok'] > 0)")
  [ "$lent2" -le "$lent0" ] || { verdict=FAIL; why+=("$tr: buffers lent at rest $lent2 B, $lent0 B before"); }
  [ "$open2" -eq 0 ] || { verdict=FAIL; why+=("$tr: $open2 connections still open at rest"); }
  [ "$probe_ok" = True ] && [ "$pp_mis" -eq 0 ] && [ "$pp_est" -eq 100 ] || { verdict=FAIL; why+=("$tr: not serving afterwards"); }
  if ! kill -0 "$server" 2>/dev/null; then verdict=FAIL; why+=("$tr: the server died"); fi
  sections+="### $tr"$'\n\n'"\`\`\`sh"$'\n'"$serve_cmd"$'\n'"$reset_cmd"$'\n'"$pp_cmd"$'\n'"\`\`\`"$'\n\n'
  sections+="Resetter: \`$res\`, $(python3 -c "print(round($t1 - $t0, 1))") s; server CPU meanwhile $cpu% of one core; $ioerr closes for I/O errors against $conns_done resets."$'\n\n'
  sections+="| (admin /metrics) | before | right after | 5 s later | after the pingpong load |"$'\n'"| --- | ---: | ---: | ---: | ---: |"$'\n'"$table"$'\n\n'
  sections+="Still serving: probes \`$probe\`; pingpong 100 connections: $pp_est established, $pp_rps echoes/s, p99 $pp_p99 ms, $pp_mis wrong echoes."$'\n\n'
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  sections+="Anything the server logged besides its status lines:"$'\n\n'"\`\`\`"$'\n'"$(grep -vE '^(conns|  |server:|limits:)' "$log" | head -15)"$'\n'"\`\`\`"$'\n\n'
done
cat > "$out" <<MD
# Fault run: peers that reset while the server writes ($today)

**Verdict: $verdict.** $( [ ${#why[@]} -eq 0 ] && echo "On every transport each reset closed its connection (counted), the buffers lent went back to their level before the run, no connection was left open, and the server went on serving." || printf '%s. ' "${why[@]}")

Script: \`scripts/faults/reset-write.sh\` (THREADS=$threads ROUNDS=$rounds SIZE=$size). Machine: $machine.

$sections
MD
echo "wrote $out"; cat "$out"
