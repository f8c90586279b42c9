#!/usr/bin/env bash
# Where the slow round trips of an open-loop request run spend their flight (issue 6's "p99 at half the echo's
# rate"): for each server in turn, the bench jar's server on one loop and the `request` scenario at --rate with
# --slow-log; a few seconds into the measured window, `perf sched record -k CLOCK_MONOTONIC -a` traces every CPU
# for --trace; then `perf sched timehist --state` and the jar's `tail-attribution` lay each slow round trip beside what the
# CPUs ran during its flight. The generator's System.nanoTime and the trace share CLOCK_MONOTONIC.
#
# Usage: benchmarks/tail-profile.sh [--servers=switchboard,netty-echo] [--rate=174149] [--trace=3s (1s..3s)] [--min=5ms]
#                                   [--out-dir=DIR]
# Needs perf with the sched tracepoints (root, or kernel.perf_event_paranoid <= -1) and the bench jar. Bounded:
# each run is a 15 s warm-up and an 8 s window; every server is stopped at exit. Tracing costs CPU of its own:
# the figures under it are a little worse than without it (perf shows in the trace as a thread of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
servers=switchboard,netty-echo
rate=174149
trace=3s
min=5ms
out="benchmarks/results/tail-profile-$(date +%Y%m%d-%H%M%S)"
for arg in "$@"; do
  case "$arg" in
    --servers=*) servers=${arg#--servers=} ;;
    --rate=*) rate=${arg#--rate=} ;;
    --trace=*) trace=${arg#--trace=} ;;
    --min=*) min=${arg#--min=} ;;
    --out-dir=*) out=${arg#--out-dir=} ;;
    *) echo "tail-profile.sh: unknown option '$arg' (expected --servers=switchboard,netty-echo, --rate=N, --trace=Ns, --min=D, --out-dir=DIR)" >&2; exit 2 ;;
  esac
done
[[ $rate =~ ^[1-9][0-9]*$ ]] || { echo "tail-profile.sh: --rate expects requests per second (a positive integer), got '$rate'" >&2; exit 2; }
# Tracing starts 4 s into the 8 s window; a longer trace would run past it (and start before, once start-up is slow).
[[ $trace =~ ^[1-3]s$ ]] || { echo "tail-profile.sh: --trace expects 1s..3s (inside the 8 s window), got '$trace'" >&2; exit 2; }
[[ $min =~ ^[0-9]+(\.[0-9]+)?(us|ms|s)$ ]] && [[ ! $min =~ ^0+(\.0+)?(us|ms|s)$ ]] \
  || { echo "tail-profile.sh: --min expects a positive duration (500us, 5ms, 0.01s), got '$min'" >&2; exit 2; }
IFS=, read -r -a list <<< "$servers"
((${#list[@]})) || { echo "tail-profile.sh: --servers= names no server (expected switchboard and/or netty-echo)" >&2; exit 2; }
for s in "${list[@]}"; do
  [[ $s == switchboard || $s == netty-echo ]] || { echo "tail-profile.sh: --servers: unknown server '$s' (expected switchboard or netty-echo)" >&2; exit 2; }
done
bench_jar=benchmarks/target/switchboard-bench.jar
[[ -f $bench_jar ]] || { echo "tail-profile.sh: $bench_jar is missing; build with ./mvnw -B -q -DskipTests -DskipITs install" >&2; exit 2; }
command -v perf >/dev/null || { echo "tail-profile.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
mkdir -p "$out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
# Only processes still running are in pids: one that was waited for leaves it, so no reused pid is killed.
forget() { local keep=() p; for p in "${pids[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done; pids=("${keep[@]}"); }
trap cleanup EXIT
for s in "${list[@]}"; do
  echo "--- $s at $rate requests/s, tracing $trace of the measured window ---"
  log="$out/$s-server.log"
  if [[ $s == switchboard ]]; then
    java -cp "$bench_jar" dev.switchboard.bench.Main gateway --port=0 --threads=1 --max-seconds=90 > "$log" 2>&1 &
    path=/ws proto=switchboard
  else
    java -cp "$bench_jar" dev.switchboard.bench.Main hub --variant=echo --port=0 --threads=1 --max-seconds=90 > "$log" 2>&1 &
    path=/ proto=raw
  fi
  server=$!
  pids+=("$server")
  for _ in $(seq 1 100); do grep -q 'public=' "$log" && break; sleep 0.1; done
  port=$(grep -o 'public=[^ ]*' "$log" | head -1 | sed 's/.*://' || true)
  [[ -n $port ]] || { echo "tail-profile.sh: $s did not start (see $log)" >&2; exit 1; }
  java -jar "$bench_jar" request --url="ws://127.0.0.1:$port$path" --protocol=$proto --clients=1000 --depth=4 \
    --handler=ping --duration=8s --warmup=15s --rate="$rate" --server-pid="$server" --out="$out/$s" \
    --slow-log="$out/$s-slow.txt" --slow-threshold="$min" > "$out/$s-request.log" 2>&1 &
  gen=$!
  pids+=("$gen")
  # The warm-up starts once the connections are open ("1000 open, 0 failed"): 15 s, then 4 s into the window.
  for _ in $(seq 1 600); do grep -q ' open, ' "$out/$s-request.log" && break; kill -0 "$gen" 2>/dev/null || break; sleep 0.1; done
  grep -q ' open, ' "$out/$s-request.log" \
    || { echo "tail-profile.sh: the request run against $s opened no connections in 60 s (see $out/$s-request.log)" >&2; exit 1; }
  sleep 19
  perf sched record -k CLOCK_MONOTONIC -a -o "$out/$s-sched.data" -- sleep "${trace%s}" > "$out/$s-perf.log" 2>&1 \
    || { echo "tail-profile.sh: perf sched record failed (see $out/$s-perf.log; root, or kernel.perf_event_paranoid <= -1, is needed)" >&2; exit 1; }
  wait "$gen" || { echo "tail-profile.sh: the request run against $s failed (see $out/$s-request.log)" >&2; exit 1; }
  forget "$gen"
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  forget "$server"
  perf sched timehist --state -i "$out/$s-sched.data" > "$out/$s-timehist.txt" 2>> "$out/$s-perf.log" \
    || { echo "tail-profile.sh: perf sched timehist failed (see $out/$s-perf.log)" >&2; exit 1; }
  grep '^result:' "$out/$s-request.log" | sed 's/^result: /request: /' \
    || { echo "tail-profile.sh: the request run against $s wrote no result (see $out/$s-request.log)" >&2; exit 1; }
  # The slow log keeps the first 1,000,000 round trips of at least --min: past that, the traced seconds may be missing.
  if grep '^result:' "$out/$s-request.log" | grep -q '"dropped":[1-9]'; then
    echo "tail-profile.sh: the slow log of $s was full and dropped round trips; raise --min (see $out/$s-request.log)" >&2; exit 1
  fi
  java -cp "$bench_jar" dev.switchboard.bench.Main tail-attribution --timehist="$out/$s-timehist.txt" \
    --slow-log="$out/$s-slow.txt" --min="$min" --out="$out/$s-tail.json" | tee "$out/$s-tail.txt"
done
echo "wrote $out"
