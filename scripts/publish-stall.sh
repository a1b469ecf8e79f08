#!/usr/bin/env bash
# How long a publish to a large channel stalls the other connections of the loop that read it:
# `throng push --model single-reactor` in its own JVM, then scripts/PublishStall.java in another with
# SUBS subscribers of one channel, a connection that pings every 5 ms, and ROUNDS publishes to the
# big channel through the binary protocol; it prints the pings' round trips meanwhile.
#
#   scripts/publish-stall.sh                 environment: SUBS=8000 ROUNDS=20 PORT=9311
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
"$root/throng" --version > /dev/null # builds the jar if needed
jar="$root/throng-cli/target/throng.jar"
port=${PORT:-9311}
"$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED -jar "$jar" \
  push --model single-reactor --port "$port" > /dev/null 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" "$root/scripts/PublishStall.java" \
  "$port" "${SUBS:-8000}" "${ROUNDS:-20}"
