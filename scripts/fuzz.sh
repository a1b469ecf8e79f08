#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers (docs/fuzzing.md): runs each Jazzer @FuzzTest in fuzzing
# mode, one at a time, for a number of executions or seconds each; prints per target the
# executions, exec/s and crashes, and writes docs/runs/fuzz-<date>.md.
#
#   scripts/fuzz.sh                          # 10,000,000 executions each (what issue 20 asks; hours)
#   scripts/fuzz.sh --runs 1000000           # fewer
#   scripts/fuzz.sh --time 180               # 180 s each instead
#   scripts/fuzz.sh --time 60 rpc-frames ws-decode     # only these targets (names below)
#   scripts/fuzz.sh --ci                     # CI's short, reproducible run (below), after ./mvnw verify
#
# --ci: each target for its CI budget of executions (the table below, about 15 s each), libFuzzer
# seed fixed (--seed to change it), starting from the committed seeds only (a corpus of its own in a
# temporary directory: <module>/.cifuzz-corpus/ is neither read nor written), no report, no install.
# The same commit fuzzes the same inputs, so a red CI reruns to the same crash with
# `scripts/fuzz.sh --ci TARGET` in a clone of that commit. Each target runs as
# `./mvnw -pl MODULE -am test-compile surefire:test@fuzz-tests`: -am puts throng's other modules in
# the reactor, resolved from their target/ directories as `./mvnw verify` left them, so nothing
# needs to be installed in the local Maven repository (a clean clone, as in CI, has nothing there).
# `--ci --time 15` fuzzes 15 s each instead: how the budgets were measured.
#
# A crash stops that target: Jazzer writes the input under the test's
# src/test/resources/.../<Class>Inputs/<method>/crash-<sha1>, where the normal test build replays it
# from then on. Fix the bug, keep the file. The corpus each target grows is kept in
# <module>/.cifuzz-corpus/ (not committed) and seeds the next run.
set -euo pipefail
cd "$(dirname "$0")/.."

# name, module, test class#method, and its executions in the CI run (--ci): what it did in 15 s,
# rounded, in `nice -n 5 scripts/fuzz.sh --ci --time 15` on the 2-core machine (2026-12-07, beside
# a niced fuzzing campaign and a soak benchmark, load average about 20): exec/s there, in order,
# 5,348 719 29,365 1,017 6,155 3,633 3,418 20,780 83,427 1,515 905; the two Centrifugo targets,
# added later, did 24k and 30k exec/s over 60 s runs and get about 6 s each (the first seconds of fuzzing,
# from the seeds: slower than a long run's figures, which the corpus and the JIT raise; throng-core
# was a jar then, not instrumented, which --ci's test-compile has since changed: docs/fuzzing.md)
TARGETS=(
  "ws-request-head   throng-websocket io.throng.websocket.HandshakeFuzzTest#requestHead             86000"
  "ws-connection     throng-websocket io.throng.websocket.HandshakeFuzzTest#connection              12000"
  "ws-decode         throng-websocket io.throng.websocket.codec.FrameDecoderFuzzTest#decode        470000"
  "ws-round-trip     throng-websocket io.throng.websocket.codec.FrameDecoderFuzzTest#roundTrip      16000"
  "push-binary       throng-websocket io.throng.websocket.push.PublishFuzzTest#binaryProtocol       98000"
  "push-http         throng-websocket io.throng.websocket.push.PublishFuzzTest#httpPublish          58000"
  "push-port         throng-websocket io.throng.websocket.push.PublishFuzzTest#pushPort             55000"
  "centrifugo-json   throng-websocket io.throng.websocket.centrifugo.CentrifugoFuzzTest#json            150000"
  "centrifugo-token  throng-websocket io.throng.websocket.centrifugo.CentrifugoFuzzTest#token           150000"
  "rpc-frames        throng-rpc       io.throng.rpc.frame.TrpcCodecFuzzTest#frames                 330000"
  "rpc-headers       throng-rpc       io.throng.rpc.frame.TrpcCodecFuzzTest#headers               1300000"
  "rpc-config        throng-rpc       io.throng.rpc.config.RpcConfigFuzzTest#parse                  24000"
  "push-yaml         throng-cli       io.throng.cli.push.PushYamlFuzzTest#apply                     14000"
)

runs=10000000   # the issue's "at least 10 million executions each"
seconds=""
build=1
report=1
ci=0
seed=1          # --ci's libFuzzer seed
ci_cap=180      # --ci: seconds a target may fuzz at most, 12x its budget's time: a guard, not the budget
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; seconds=""; shift 2 ;;
    --time) seconds="$2"; runs=""; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-report) report=0; shift ;;
    --ci) ci=1; build=0; report=0; shift ;;
    --seed) seed="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done

. bin/find-jdk.sh
if [ "$build" = 1 ]; then
  # each target's own command builds its module and what it needs (-am); nothing is installed
  echo "building (compile, no tests) ..."
  ./mvnw -B -q test-compile -Dthrong.peers=off
fi

if [ "$ci" = 1 ] && [ -n "$seconds" ]; then
  ci_cap="$seconds"
  budget="$seconds s each, seed $seed"
elif [ "$ci" = 1 ]; then
  budget="each its CI budget of executions, seed $seed"
elif [ -n "$runs" ]; then
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
  read -r name module test ci_runs <<<"$t"
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $name "* ]]; then
    continue
  fi
  log="$logs/$name.log"
  # Each fuzz test's @Timeout (10 s) is Jazzer's -timeout for one input; JUnit's own enforcement is
  # turned off here, or it would time the whole fuzzing run against it.
  if [ "$ci" = 1 ]; then
    # Jazzer keeps its corpus in <basedir>/.cifuzz-corpus/ and writes a crash to
    # <basedir>/src/test/resources/...: a fresh basedir whose src is the module's own gives an
    # empty corpus (not the one long runs grew there, which would change what is fuzzed) and still
    # keeps a crash in the source tree. jazzer.internal.arg.N are libFuzzer's arguments (0: a name).
    ci_limit="$ci_runs"
    [ -z "$seconds" ] || ci_limit=0   # --time: no limit but the time
    base="$logs/$name.base"
    mkdir -p "$base"
    ln -s "$PWD/$module/src" "$base/src"
    # test-compile: Maven takes a reactor module's classes from target/ only once a phase that
    # builds them ran in this invocation (after verify, "Nothing to compile", seconds); with the
    # goal alone it looked for throng-core in the local repository, and failed on a clean one.
    cmd=(./mvnw -B -pl "$module" -am test-compile surefire:test@fuzz-tests -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false
         -Dthrong.peers=off -Djazzer.max_executions="$ci_limit" -Djazzer.max_duration="${ci_cap}s"
         -Djazzer.internal.basedir="$base" -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-seed="$seed"
         -Djunit.jupiter.execution.timeout.mode=disabled)
  else
    # -am test-compile as for --ci: throng's other modules come from the reactor (instrumented, like
    # the module itself); from an installed jar throng-core would be fuzzed blind (no coverage).
    cmd=(./mvnw -B -pl "$module" -am test-compile surefire:test@fuzz-tests -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false
         -Dthrong.peers=off "${limits[@]}" -Djunit.jupiter.execution.timeout.mode=disabled)
  fi
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
  # (--ci: Jazzer wrote it through the fresh basedir's link to the module's src)
  [ "$ci" = 0 ] || crashes=$(sed "s|^$logs/$name.base/src/|$module/src/|" <<<"$crashes")
  ncrash=$(grep -c . <<<"$crashes" || true)
  verdict="ok"
  if [ "$ci" = 1 ] && [ -z "$seconds" ] && [ -n "$execs" ] && [ "$execs" -lt "$ci_runs" ] && [ "$ncrash" = 0 ] && [ "$status" = 0 ]; then
    # not red (no timed assertions), but this run was not the reproducible one
    verdict="ok, but stopped by the ${ci_cap} s guard before its $ci_runs executions: not reproducible"
  fi
  if [ "$ncrash" -gt 0 ]; then
    verdict="CRASH"
  elif [ "$status" != 0 ]; then
    verdict="failed (exit $status, see the log)"
  elif [ -z "$execs" ]; then
    verdict="did not fuzz (see the log)"
  fi
  [[ "$verdict" == ok* ]] || failed=1
  printf '   %-16s executions %-10s exec/s %-7s cov %-6s corpus %-6s %4s s  crashes %s  %s\n' \
    "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corpus:-?}" "$took" "$ncrash" "$verdict"
  [ -z "$crashes" ] || sed 's/^/     crash input: /' <<<"$crashes"
  if [ "$ci" = 1 ] && [ -n "$crashes" ]; then
    while read -r c; do
      # CI's clone is gone after the run: the input itself, to recreate the file from this log
      if [ -f "$c" ] && [ "$(stat -c %s "$c")" -le 65536 ]; then
        echo "     $c in base64 (recreate: base64 -d > $c):"
        base64 -w 100 "$c" | sed 's/^/       /'
      fi
    done <<<"$crashes"
    echo "     reproduce, from a clone of this commit with the crash input in place (regression mode replays it):"
    echo "       ./mvnw -B -pl $module -am test -Dtest='$test' -Dsurefire.failIfNoSpecifiedTests=false -Dthrong.peers=off"
    echo "     or rerun this fuzzing run itself (same inputs: seed $seed, $ci_runs executions), after ./mvnw verify:"
    echo "       scripts/fuzz.sh --ci --seed $seed $name"
  fi
  if [ "$ncrash" -gt 0 ]; then
    echo "   the finding ($log):"
    { grep -a -m1 'FuzzTestFindingException' "$log"; sed -n '/^Caused by:/,/^$/p' "$log" | head -n 20; } | sed 's/^/     /'
  elif [[ "$verdict" != ok* ]]; then
    echo "   last lines of $log:"; tail -n 25 "$log" | sed 's/^/     /'
  fi
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
      echo "Each target: \`JAZZER_FUZZ=1 ./mvnw -B -pl MODULE -am test-compile surefire:test@fuzz-tests -Dtest=CLASS#METHOD ...\`, one at a time."
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
