#!/usr/bin/env bash
# The 12 repeat runs of one19k2 on the Centrifugo path, the server's Centrifugo log at FINE (which
# logs why it closes a client with 3501), as run 2026-12-07 22:29-22:59 UTC (in four batches).
#   KEY=centrifugo.key OUT=dir docs/runs/centrifugo-broadcast-2026-12-07-repro.sh
# OUT must hold logging.properties:
#   handlers=java.util.logging.ConsoleHandler
#   .level=INFO
#   java.util.logging.ConsoleHandler.level=FINE
#   io.throng.websocket.centrifugo.level=FINE
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
key=${KEY:?a key file}
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  port=$((20000 + RANDOM % 20000)); log=${OUT:?an output directory}/server-$i.log
  THRONG_JAVA_OPTS="-Xmx2g -Djava.util.logging.config.file=${OUT:?an output directory}/logging.properties" "$root/throng" push --model multi-reactor --transport auto --port "$port" --status-interval 0 \
    --max-handshakes 20000 --centrifugo --centrifugo-hmac-secret-file "$key" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 150); do grep -q "throng push on" "$log" && break; sleep 0.1; done
  "$root/throng" load ws-broadcast --centrifugo --url ws://127.0.0.1:$port/connection/websocket --centrifugo-channel bench --centrifugo-hmac-secret-file $key \
     --conns 19000 --procs 2 --rate 0 --channels 1 --messages 20 --warmup-messages 5 --size 64 --interval 1 --publish binary --src-ips 8 > ${OUT:?an output directory}/load-$i.txt 2>&1
  kill -TERM $server; wait $server
  echo "run $i: $(grep -c 'closed with 3501' $log) 3501s; $(grep 'closed by' ${OUT:?an output directory}/load-$i.txt)"
done
