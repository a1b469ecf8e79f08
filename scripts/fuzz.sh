#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers (docs/fuzzing.md): runs each Jazzer @FuzzTest in fuzzing
# mode, one at a time, for a number of executions or seconds each; prints per target the
# executions, exec/s and crashes, and writes docs/runs/fuzz-<date>.md.
#
#   scripts/fuzz.sh                          # 10,000,000 executions each (what issue 20 asks; hours)
#   scripts/fuzz.sh --runs 1000000           # fewer
#   scripts/fuzz.sh --time 180               # 180 s each instead
#   scripts/fuzz.sh --time 10 --no-build --no-report   # CI: a short run on what `./mvnw install` built
#   scripts/fuzz.sh --time 60 rpc-frames ws-decode     # only these targets (names below)
#
# A crash stops that target: Jazzer writes the input under the test's
# src/test/resources/.../<Class>Inputs/<method>/crash-<sha1>, where the normal test build replays it
# from then on. Fix the bug, keep the file. The corpus each target grows is kept in
# <module>/.cifuzz-corpus/ (not committed) and seeds the next run.
set -euo pipefail
cd "$(dirname "$0")/.."

# name  module  test class#method
TARGETS=(
  "ws-request-head   throng-websocket io.throng.websocket.HandshakeFuzzTest#requestHead"
  "ws-connection     throng-websocket io.throng.websocket.HandshakeFuzzTest#connection"
  "ws-decode         throng-websocket io.throng.websocket.codec.FrameDecoderFuzzTest#decode"
  "ws-round-trip     throng-websocket io.throng.websocket.codec.FrameDecoderFuzzTest#roundTrip"
  "push-binary       throng-websocket io.throng.websocket.push.PublishFuzzTest#binaryProtocol"
  "push-http         throng-websocket io.throng.websocket.push.PublishFuzzTest#httpPublish"
  "push-port         throng-websocket io.throng.websocket.push.PublishFuzzTest#pushPort"
  "centrifugo-json   throng-websocket io.throng.websocket.centrifugo.CentrifugoFuzzTest#json"
  "centrifugo-token  throng-websocket io.throng.websocket.centrifugo.CentrifugoFuzzTest#token"
  "rpc-frames        throng-rpc       io.throng.rpc.frame.TrpcCodecFuzzTest#frames"
  "rpc-headers       throng-rpc       io.throng.rpc.frame.TrpcCodecFuzzTest#headers"
  "rpc-config        throng-rpc       io.throng.rpc.config.RpcConfigFuzzTest#parse"
  "push-yaml         throng-cli       io.throng.cli.push.PushYamlFuzzTest#apply"
)

runs=10000000   # the issue's "at least 10 million executions each"
seconds=""
build=1
report=1
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; seconds=""; shift 2 ;;
    --time) seconds="$2"; runs=""; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-report) report=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done

. bin/find-jdk.sh
if [ "$build" = 1 ]; then
  echo "building (install, no tests) ..."
  ./mvnw -B -q install -DskipTests -Dthrong.peers=off
fi

if [ -n "$runs" ]; then
  # no time limit but a generous one: 10 million at a few thousand exec/s is hours
  limits=(-Djazzer.max_executions="$runs" -Djazzer.max_duration=48h)
  budget="$runs executions each"
else
  limits=(-Djazzer.max_duration="${seconds}s")
  budget="${seconds} s each"
fi

logs=$(mktemp -d)
date=$(date +%Y-%m-%d)
rows=()
failed=0
for t in "${TARGETS[@]}"; do
  read -r name module test <<<"$t"
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $name "* ]]; then
    continue
  fi
  log="$logs/$name.log"
  # Each fuzz test's @Timeout (10 s) is Jazzer's -timeout for one input; JUnit's own enforcement is
  # turned off here, or it would time the whole fuzzing run against it.
  cmd=(./mvnw -B surefire:test@fuzz-tests -pl "$module" -Dtest="$test" -Dthrong.peers=off "${limits[@]}"
       -Djunit.jupiter.execution.timeout.mode=disabled)
  echo "== $name: JAZZER_FUZZ=1 ${cmd[*]}"
  start=$(date +%s)
  status=0
  JAZZER_FUZZ=1 "${cmd[@]}" >"$log" 2>&1 || status=$?
  took=$(( $(date +%s) - start ))
  # libFuzzer's last status line: "#<runs> DONE cov: .. ft: .. corp: <n>/<size> .. exec/s: <r> rss: .."
  # (or the line of the crash); "Done <runs> runs in <s> second(s)" when it finished
  last=$(grep -aE '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$log" | tail -n 1 || true)
  execs=$(grep -aoE 'Done [0-9]+ runs' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
  [ -n "$execs" ] || execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  rate=$(grep -aoE 'exec/s: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  cov=$(grep -aoE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  corpus=$(grep -aoE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  crashes=$(grep -aoE "Test unit written to [^ ]+" "$log" | sed 's/Test unit written to //' | sed "s|^$PWD/||" || true)
  ncrash=$(grep -c . <<<"$crashes" || true)
  verdict="ok"
  if [ "$ncrash" -gt 0 ]; then
    verdict="CRASH"
  elif [ "$status" != 0 ]; then
    verdict="failed (exit $status, see the log)"
  elif [ -z "$execs" ]; then
    verdict="did not fuzz (see the log)"
  fi
  [ "$verdict" = ok ] || failed=1
  printf '   %-16s executions %-10s exec/s %-7s cov %-6s corpus %-6s %4s s  crashes %s  %s\n' \
    "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corpus:-?}" "$took" "$ncrash" "$verdict"
  [ -z "$crashes" ] || sed 's/^/     crash input: /' <<<"$crashes"
  [ "$verdict" = ok ] || { echo "   last lines of $log:"; tail -n 25 "$log" | sed 's/^/     /'; }
  rows+=("| $name | \`$test\` | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${corpus:-?} | $took | $ncrash | $verdict |")
done

if [ "$report" = 1 ]; then
  # one report a day: a later run that day adds its own section (its command and table)
  out="docs/runs/fuzz-$date.md"
  first=0
  [ -e "$out" ] || first=1
  {
    if [ "$first" = 1 ]; then
      echo "# Fuzzing runs, $date"
      echo
      echo "Machine: $(nproc) cores, $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1), Jazzer $(sed -n 's/.*<jazzer.version>\(.*\)<\/jazzer.version>.*/\1/p' pom.xml)."
      echo "Each target: \`JAZZER_FUZZ=1 ./mvnw -B surefire:test@fuzz-tests -pl MODULE -Dtest=CLASS#METHOD ...\`, one at a time."
      echo "Executions and exec/s are libFuzzer's last status line; cov is the edges covered, corpus the inputs kept;"
      echo "seconds include Maven's start and the instrumentation (about 10 s)."
    fi
    echo
    echo "## $(date +%H:%M): \`scripts/fuzz.sh ${runs:+--runs $runs}${seconds:+--time $seconds}${only[*]:+ ${only[*]}}\` ($budget)"
    echo
    echo "| target | test | executions | exec/s | cov | corpus | s | crashes | verdict |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    printf '%s\n' "${rows[@]}"
  } >>"$out"
  echo "report: $out"
fi
echo "logs: $logs"
exit "$failed"
