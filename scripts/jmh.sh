#!/usr/bin/env bash
# Runs throng's JMH benchmarks (module throng-jmh). Arguments go to JMH, for example:
#   scripts/jmh.sh SocketPathBenchmark -prof gc
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
jar="$root/throng-jmh/target/throng-jmh.jar"
if [ ! -f "$jar" ]; then
  (cd "$root" && ./mvnw -q -B -DskipTests -pl throng-jmh -am package)
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" "$@"
