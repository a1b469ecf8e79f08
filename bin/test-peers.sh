#!/usr/bin/env bash
# The independent peers the tests talk to, checked and (where it may) installed in a few seconds.
#
#   bin/test-peers.sh            install what is missing: the npm packages always (project-local,
#                                from the committed lock file), Debian packages when run as root;
#                                otherwise fail with one line naming what to install and how
#   bin/test-peers.sh --check    install nothing; fail with that line if anything is missing
#   bin/test-peers.sh --off      do nothing (for a build of modules that need no peer, e.g.
#                                ./mvnw -pl throng-core -am verify -Dthrong.peers=off; a test
#                                whose peer is missing still fails at once, naming it)
#
# `./mvnw verify` runs it first (the root POM's "test-peers" step; -Dthrong.peers=check for
# --check, skipped with -DskipTests), so a fresh machine needs no manual step and a missing peer
# fails the build within seconds instead of as a test timing out minutes later.
#
# The peers, and the tests that use them:
#   node + npm           node's ws library and Playwright (throng-websocket InteropTest), Centrifugo's
#                        JavaScript SDK (throng-websocket CentrifugoSdkTest)
#   npm packages         ws, playwright-core and centrifuge, pinned by throng-websocket/src/test/node/package-lock.json
#   python3-websockets   Debian's Python WebSocket client and server (InteropTest)
#   chromium             Debian's headless browser, driven by Playwright (the push page), and run
#                        with --dump-dom on the admin port's status page (throng-metrics StatusPageTest)
#   redis-server         the Redis bus (throng-bus, throng-cli PushNodesTest); tests start their own
#   nats-server          the NATS bus, likewise
#   gcc                  builds the C load tools of the scale runs (throng-bench CLoadToolsTest)
#   openssl              makes the TLS tests' CA and certificates, and is their client (s_client)
#   curl                 publishes over https to the push service (throng-websocket TlsInteropTest);
#                        scrapes the admin port (throng-metrics AdminPortTest, throng-cli AdminPortCliTest)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=install
case "${1-}" in
  --check) mode=check ;;
  --off) echo "throng: test peers neither checked nor installed (-Dthrong.peers=off)"; exit 0 ;;
  ""|--install) ;;
  *) echo "usage: bin/test-peers.sh [--check|--install|--off]" >&2; exit 2 ;;
esac

# Debian package -> whether it is present. python3-websockets is checked by importing it with
# Debian's python (the tests run /usr/bin/python3, not a python on PATH that may lack it).
have_deb() {
  case "$1" in
    nodejs) command -v node >/dev/null 2>&1 ;;
    npm) command -v npm >/dev/null 2>&1 ;;
    python3-websockets) [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import websockets' >/dev/null 2>&1 ;;
    chromium) [ -x /usr/bin/chromium ] ;;
    redis-server) command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] ;;
    nats-server) command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || [ -x /usr/bin/nats-server ] ;;
    gcc) command -v gcc >/dev/null 2>&1 ;;
    openssl) command -v openssl >/dev/null 2>&1 ;;
    curl) command -v curl >/dev/null 2>&1 ;;
  esac
}
missing=()
for p in nodejs npm python3-websockets chromium redis-server nats-server gcc openssl curl; do
  have_deb "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$mode" = install ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "throng: installing the test peers this machine lacks (apt-get): ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # No service may start during the install (Debian's redis-server would take port 6379 for
    # good): a policy-rc.d that says no, for this install only.
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d
      trap 'rm -f "$policy"' EXIT
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    fi
    log=$(mktemp)
    if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
      echo "throng: apt-get failed installing ${missing[*]}; the end of its output:" >&2
      tail -n 15 "$log" >&2
      rm -f "$log"
      exit 1
    fi
    rm -f "$log"
    if [ -n "$policy" ]; then rm -f "$policy"; trap - EXIT; fi
    still=()
    for p in "${missing[@]}"; do have_deb "$p" || still+=("$p"); done
    if [ ${#still[@]} -gt 0 ]; then
      echo "throng: apt-get ran but these test peers are still missing: ${still[*]}" >&2
      exit 1
    fi
  else
    why="as root this command installs them"
    [ "$mode" = check ] && why="-Dthrong.peers=check installs nothing"
    echo "throng: the tests need Debian packages this machine lacks: ${missing[*]}; install them with 'sudo apt-get install -y ${missing[*]}' ($why)" >&2
    exit 1
  fi
fi

# npm: ws, playwright-core and centrifuge into the project-local node_modules, exactly as the lock file says.
peers="$root/throng-websocket/src/test/node"
if [ ! -f "$peers/node_modules/.package-lock.json" ] || ! cmp -s "$peers/package-lock.json" "$peers/.installed-lock" \
   || [ ! -d "$peers/node_modules/ws" ] || [ ! -d "$peers/node_modules/playwright-core" ] \
   || [ ! -d "$peers/node_modules/centrifuge" ]; then
  if [ "$mode" = check ]; then
    echo "throng: the npm test peers are not installed; install them with 'npm ci --prefix throng-websocket/src/test/node'" >&2
    exit 1
  fi
  echo "throng: installing the npm test peers (npm ci in throng-websocket/src/test/node: ws, playwright-core, centrifuge)"
  (cd "$peers" && npm ci --no-audit --no-fund --no-update-notifier --loglevel=error >/dev/null && cp package-lock.json .installed-lock)
fi
