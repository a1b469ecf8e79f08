#!/usr/bin/env bash
# Takes docs/images/status-page.png: the admin port's status page (GET /) of an echo server under
# load, in headless Chromium at 1200x800.
#
#   scripts/status-page-screenshot.sh [OUT.png]    (default: docs/images/status-page.png)
#
# `throng serve --admin-port`, then `throng load pingpong --conns 200 --rate 25 --duration 20`
# (200 connections opened over 8 s, then pinging), and Chromium on the page from the load's start
# for SECONDS_SHOWN (default 20) of its samples: the ramp, then the steady traffic. Chromium runs the
# page in virtual time (--virtual-time-budget), which stands still while a request is pending; the
# admin port answers /stats.json a second after the page's previous sample, so the page's
# samples are a second apart in real time too. Loopback only; about 25 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
. "$root/scripts/lib-procs.sh"
out=$(realpath -m "${1:-$root/docs/images/status-page.png}")
seconds=${SECONDS_SHOWN:-20}
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is not installed: apt-get install chromium (bin/test-peers.sh installs it)" >&2; exit 1; }
"$root/throng" --version >/dev/null   # builds if needed

port=$(free_port)
admin=$(free_port)
"$root/throng" serve --host 127.0.0.1 --port "$port" --admin-port "$admin" --duration 60s >"$work/serve.log" 2>&1 &
pids+=($!)
wait_port "$admin"
"$root/throng" load pingpong --port "$port" --conns 200 --rate 25 --duration 20 >"$work/load.log" 2>&1 &
pids+=($!)
mkdir -p "$(dirname "$out")"
# --no-sandbox: Chromium's sandbox refuses to start as root
/usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/chromium" \
  --window-size=1200,800 --virtual-time-budget=$((seconds * 1000)) --screenshot="$out" \
  "http://127.0.0.1:$admin/" >"$work/chromium.log" 2>&1 || { tail -n 5 "$work/chromium.log" >&2; exit 1; }
echo "wrote $out ($(stat -c %s "$out") bytes)"
