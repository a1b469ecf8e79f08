#!/usr/bin/env bash
# Several `throng push` nodes behind HAProxy with Redis or NATS as the bus, all on this machine:
# the deployment of docs/push-deploy.md, for trying it. Debian packages: haproxy, redis-server or
# nats-server (and python3-websockets for --check).
#
#   scripts/push-behind-haproxy.sh [redis|nats] [--check]
#       NODES=2 LB_PORT=8080
#
# Starts the broker, NODES nodes on free ports, and HAProxy on 127.0.0.1:LB_PORT in front of them
# (config written to a temporary directory and printed). Without --check it runs until Ctrl-C:
# open http://127.0.0.1:LB_PORT/ in several tabs and publish with
#   curl -d hello http://127.0.0.1:LB_PORT/pub/news
# With --check it subscribes two WebSockets through HAProxy (leastconn puts them on different
# nodes), publishes five messages through HAProxy (which spreads them over the nodes), checks that
# both subscribers get each message once, and stops.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
broker=${1:-redis}
check=${2:-}
nodes=${NODES:-2}
lb_port=${LB_PORT:-8080}
"$root/throng" --version >/dev/null   # builds if needed
. "$root/scripts/lib-procs.sh"
find_bin() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || { echo "$1 is not installed (apt-get install $2)" >&2; exit 1; }; }

bport=$(free_port)
case "$broker" in
  redis)
    "$(find_bin redis-server redis-server)" --port "$bport" --bind 127.0.0.1 --save '' --appendonly no \
      --logfile "$work/broker.log" &
    bus="redis://127.0.0.1:$bport" ;;
  nats)
    "$(find_bin nats-server nats-server)" -a 127.0.0.1 -p "$bport" >"$work/broker.log" 2>&1 &
    bus="nats://127.0.0.1:$bport" ;;
  *) echo "usage: $0 [redis|nats] [--check]" >&2; exit 2 ;;
esac
pids+=($!)
wait_port "$bport"
echo "broker: $bus"

servers=""
node_ports=()
for i in $(seq 1 "$nodes"); do
  port=$(free_port)
  "$root/throng" push --port "$port" --bus "$bus" --status-interval 0 >"$work/node$i.log" 2>&1 &
  pids+=($!)
  node_ports+=("$port")
  wait_port "$port"
  servers+="    server node$i 127.0.0.1:$port check maxconn 4000"$'\n'
  echo "node$i: $(grep '^throng push on' "$work/node$i.log")"
done

cat >"$work/haproxy.cfg" <<CFG
global
    # two descriptors per WebSocket (client side, node side): 9,000 fit one process's 20,000 here
    maxconn 9000

defaults
    mode http
    timeout connect 5s
    timeout client 65s
    timeout server 65s
    # an upgraded WebSocket is a tunnel; the nodes ping a silent subscriber every 60 s
    timeout tunnel 1h

frontend push
    bind 127.0.0.1:$lb_port
    default_backend push_nodes

backend push_nodes
    balance leastconn
    option httpchk GET /stats
    http-check expect status 200
$servers
CFG
echo "--- $work/haproxy.cfg"; cat "$work/haproxy.cfg"; echo "---"
"$(find_bin haproxy haproxy)" -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
wait_port "$lb_port"
echo "HAProxy on http://127.0.0.1:$lb_port/ in front of $nodes nodes sharing $bus"

if [ "$check" != "--check" ]; then
  echo "publish: curl -d hello http://127.0.0.1:$lb_port/pub/news    (Ctrl-C stops everything)"
  wait "${pids[-1]}"
  exit 0
fi

# Debian's python3 has python3-websockets (another python3 may come first on PATH)
py=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import websockets' 2>/dev/null && py=/usr/bin/python3
"$py" - "$lb_port" "${node_ports[@]}" <<'PY'
import asyncio, json, sys, urllib.request
import websockets

port = int(sys.argv[1])
node_ports = [int(p) for p in sys.argv[2:]]

def post(body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/pub/news", data=body.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read())

async def main():
    a = await websockets.connect(f"ws://127.0.0.1:{port}/sub/news")
    b = await websockets.connect(f"ws://127.0.0.1:{port}/sub/news")
    # until both subscriptions have reached the broker
    for _ in range(100):
        post("warm-up")
        try:
            await asyncio.wait_for(asyncio.gather(a.recv(), b.recv()), 0.3)
            break
        except asyncio.TimeoutError:
            pass
    await asyncio.sleep(0.3)
    for ws in (a, b):
        while True:
            try:
                await asyncio.wait_for(ws.recv(), 0.1)
            except asyncio.TimeoutError:
                break
    spread = []
    for p in node_ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{p}/stats", timeout=10) as r:
            spread.append(json.loads(r.read())["websockets"])
    print(f"subscribers per node (HAProxy leastconn): {spread}")
    nodes = set()
    for k in range(5):
        status, answer = post(f"message {k}")
        assert status == 202, (status, answer)
        nodes.add(answer["node"])
    for name, ws in (("a", a), ("b", b)):
        got = [await asyncio.wait_for(ws.recv(), 5) for _ in range(5)]
        # each exactly once; the order holds per node (HAProxy sent the publishes to both)
        assert sorted(got) == [f"message {k}" for k in range(5)], got
        print(f"subscriber {name}: got all 5 once: {got}")
    print(f"publishes taken by {len(nodes)} node(s): {sorted(nodes)}")
    await a.close(); await b.close()

asyncio.run(main())
PY
echo "check passed"
