#!/usr/bin/env bash
# Fault run 1: SIGKILL of one prefork worker under load.
# `throng serve --model prefork --procs 4`, CONNS connections held by `throng load hold` pinging
# every second; once they are all open, SIGKILL worker 1. Measures: each worker's connections before
# and after (ss, by PID), the load tool's counts (lost connections, failed pings), the supervisor's
# restart, the time until the new worker's listener is on the port (polled every 10 ms with ss),
# connect probes every 10 ms through the kill, and the new worker taking new connections.
# Writes docs/runs/fault-prefork-kill-<date>.md (and the load tool's .json beside it).
#
#   scripts/faults/prefork-kill.sh            environment: CONNS=4000 HOLD=40
. "$(dirname "$0")/lib.sh"
conns=${CONNS:-4000}
hold=${HOLD:-40}
port=$(free_port)
cd "$root"
out="docs/runs/fault-prefork-kill-$today.md"
json="docs/runs/fault-prefork-kill-$today.json"
slog="$work/supervisor.log"

serve_cmd="./throng serve --model prefork --procs 4 --port $port --status-interval 1s --duration $((hold + 60))s"
load_cmd="./throng load hold --port $port --conns $conns --rate 0 --ping-interval 1 --duration $hold --json $json"
echo "server: $serve_cmd"
# Each supervisor line stamped with the wall clock as it arrives.
"${throng[@]}" serve --model prefork --procs 4 --port "$port" --status-interval 1s --duration $((hold + 60))s \
  > >(while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done > "$slog") 2>&1 &
sup=$!; pids+=("$sup")
wait_line "$slog" 'throng serving' 120
declare -A worker
for i in 0 1 2 3; do
  worker[$i]=$(grep -oE "worker $i \(pid [0-9]+\) serving" "$slog" | grep -oE '[0-9]+\) ' | tr -d ') ')
done
echo "supervisor $sup, workers ${worker[0]} ${worker[1]} ${worker[2]} ${worker[3]}"

echo "load: $load_cmd"
"${throng[@]}" load hold --port "$port" --conns "$conns" --rate 0 --ping-interval 1 --duration "$hold" --json "$json" \
  > "$work/load.log" 2>&1 &
load=$!; pids+=("$load")
for _ in $(seq 600); do
  total=$(conns_by_pid "$port" | awk '{ s += $2 } END { print s + 0 }')
  [ "$total" -ge "$conns" ] && break
  sleep 0.1
done
sleep 5 # pings flowing on every connection
declare -A before
for i in 0 1 2 3; do before[$i]=$(conns_of "$port" "${worker[$i]}"); done
echo "before: ${before[0]} ${before[1]} ${before[2]} ${before[3]}"

python3 "$root/scripts/faults/probe.py" 127.0.0.1 "$port" 14 0.01 > "$work/probe.json" &
probe=$!; pids+=("$probe")
sleep 3
victim=${worker[1]}
t_kill=$(now)
kill -KILL "$victim"
echo "SIGKILL worker 1 (pid $victim) at $t_kill"
# The new worker's listener: a LISTEN socket on the port owned by a PID that is none of the old ones.
newpid=""; t_listen=""
for _ in $(seq 6000); do
  newpid=$(ss -Hltnp "( sport = :$port )" | grep -oE 'pid=[0-9]+' | cut -d= -f2 | sort -u \
    | grep -vxE "${worker[0]}|${worker[1]}|${worker[2]}|${worker[3]}" | head -1 || true)
  if [ -n "$newpid" ]; then t_listen=$(now); break; fi
  sleep 0.01
done
echo "new worker pid $newpid listening at $t_listen"
wait_line "$slog" "worker 1 \(pid $newpid\) serving" 30
t_served=$(grep -E "worker 1 \(pid $newpid\) serving" "$slog" | head -1 | cut -d' ' -f1)
t_exitline=$(grep -E "worker 1 \(pid $victim\) exited" "$slog" | head -1 | cut -d' ' -f1)
wait "$probe" || true

# New connections after the restart: 400 held for 2 s; how many the new worker took.
python3 - "$port" > "$work/fresh.txt" <<'PY' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) for _ in range(400)]
for s in socks: s.sendall(b"fresh-00")
ok = sum(1 for s in socks if s.recv(8) == b"fresh-00")
print(ok); sys.stdout.flush(); time.sleep(3)
PY
fresh=$!; pids+=("$fresh")
sleep 1.5
fresh_new=$(conns_of "$port" "$newpid")
declare -A fresh_by
for i in 0 2 3; do fresh_by[$i]=$(conns_of "$port" "${worker[$i]}"); done
wait "$fresh" || true
fresh_ok=$(cat "$work/fresh.txt")
declare -A after
for i in 0 2 3; do after[$i]=$(conns_of "$port" "${worker[$i]}"); done
after_new=$(conns_of "$port" "$newpid")
echo "after: ${after[0]} (killed) ${after[2]} ${after[3]}, new $after_new"
wait "$load" || true
grep -E 'exited|restarting|worker 1 \(pid' "$slog" | cut -d' ' -f2- > "$work/restart.txt"
status_lines=$(awk -v k="$t_kill" '$1 >= k - 2 && $1 <= k + 4 && /cluster/' "$slog" | cut -d' ' -f2-)

est=$(jfield "$json" 'd["established"]'); open_end=$(jfield "$json" 'd["openAtEnd"]')
disc=$(jfield "$json" 'd["disconnects"]'); fails=$(jfield "$json" 'd["pingFailures"]')
late=$(jfield "$json" 'd["lateEchoes"]'); mism=$(jfield "$json" 'd["mismatches"]')
resp=$(jfield "$json" 'd["responses"]'); p99=$(jfield "$json" "round(d[\"latency\"][\"p99\"] / 1000, 1)"); pmax=$(jfield "$json" "round(d[\"latency\"][\"max\"] / 1000, 1)")
silent=$(jfield "$json" 'd["silent"]')
survivors_before=$(( before[0] + before[2] + before[3] ))
survivors_after=$(( after[0] + after[2] + after[3] ))
listen_ms=$(python3 -c "print(round(($t_listen - $t_kill) * 1000))")
served_ms=$(python3 -c "print(round(($t_served - $t_kill) * 1000))")
exit_ms=$(python3 -c "print(round(($t_exitline - $t_kill) * 1000))")
probe_json=$(cat "$work/probe.json")
probe_fail=$(python3 -c "import json; d=json.loads('$probe_json'); print(d['attempts'] - d['ok'])")
probe_att=$(python3 -c "import json; d=json.loads('$probe_json'); print(d['attempts'])")

verdict="PASS"; why=()
[ "$survivors_after" -eq "$survivors_before" ] || { verdict="FAIL"; why+=("survivors' connections changed: $survivors_before -> $survivors_after"); }
[ "$disc" -eq "${before[1]}" ] || { verdict="FAIL"; why+=("the load tool lost $disc connections, the killed worker held ${before[1]}"); }
[ "$fails" -eq 0 ] || { verdict="FAIL"; why+=("$fails pings failed (unanswered within 1 s) on surviving connections"); }
[ "$mism" -eq 0 ] || { verdict="FAIL"; why+=("$mism wrong echoes"); }
[ "$fresh_new" -gt 0 ] || { verdict="FAIL"; why+=("the restarted worker took none of 400 new connections"); }
[ "$probe_fail" -eq 0 ] || why+=("$probe_fail of $probe_att connect probes failed during the kill")

cat > "$out" <<MD
# Fault run: SIGKILL of one prefork worker under load ($today)

**Verdict: $verdict.** $( [ ${#why[@]} -eq 0 ] && echo "Only the killed worker's connections were lost; the survivors' connections and pings were untouched; the worker was restarted and took new connections." || printf '%s. ' "${why[@]}")

Script: \`scripts/faults/prefork-kill.sh\` (CONNS=$conns HOLD=$hold). Machine: $machine.

\`\`\`sh
$serve_cmd
$load_cmd
kill -KILL $victim        # worker 1, ${before[1]} connections, $(python3 -c "print(round($t_kill - $(head -1 "$slog" | cut -d' ' -f1), 1))") s after the supervisor started
\`\`\`

| | worker 0 (pid ${worker[0]}) | worker 1 (pid ${worker[1]}, killed) | worker 2 (pid ${worker[2]}) | worker 3 (pid ${worker[3]}) | survivors |
| --- | ---: | ---: | ---: | ---: | ---: |
| connections before the kill (ss) | ${before[0]} | ${before[1]} | ${before[2]} | ${before[3]} | $survivors_before |
| connections after (ss, before the load tool stopped) | ${after[0]} | gone (new pid $newpid: $after_new) | ${after[2]} | ${after[3]} | $survivors_after |

The load tool's counts (its whole result: \`$json\`):

| established | open at the end | lost (disconnects) | pings answered | failed pings (unanswered within 1 s) | late echoes | wrong echoes | silent | p99 | max |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| $est | $open_end | $disc | $resp | $fails | $late | $mism | $silent | ${p99} ms | ${pmax} ms |

The restart (times from the SIGKILL):

| event | after |
| --- | ---: |
| supervisor logs the exit | $exit_ms ms |
| the new worker's listener on port $port (ss -p, polled: each poll takes ~0.2 s with 4,000 sockets open) | $listen_ms ms |
| the supervisor logs the new worker serving | $served_ms ms |

The supervisor's lines:

\`\`\`
$(cat "$work/restart.txt")
\`\`\`

Status lines around the kill (the supervisor's sum of its workers' reports, one a second):

\`\`\`
$status_lines
\`\`\`

Connect probes through the kill (a new connection every 10 ms from 3 s before the kill to 11 s
after, each echoing 8 bytes): \`$probe_json\`. The port itself never stopped accepting: the kernel
spreads new connections over the listeners still open (SO_REUSEPORT).

New connections after the restart: 400 opened, $fresh_ok echoed; the restarted worker (pid $newpid)
held $fresh_new of them, workers 0/2/3 ${fresh_by[0]}/${fresh_by[2]}/${fresh_by[3]} (their held counts included).

What this shows: a worker is a process with its own descriptors, so SIGKILL closes exactly its
connections (the kernel resets them; the clients see a disconnect, not a hang) and no other
worker's; the supervisor restarts it after its back-off (0.5 s the first time, doubling while it
keeps dying); the slowest ping took ${pmax} ms, while the new worker's JVM started on the same two
cores as everything else; the held connections are not re-established (the load tool does not reconnect: a
real client would, and land on any worker).
MD
echo "wrote $out"
cat "$out"
