#!/usr/bin/env bash
# Every target of issue 6 measured in one session, on this build, beside its reference, then the table of
# figures, ratios and verdicts written by the bench jar's `targets-report` (DIR/targets.md, DIR/targets.json).
#
# Usage: benchmarks/targets.sh [--out-dir=DIR] [--runs=3] [--only=STEP,STEP...] [--smoke]
#   --runs    runs per server and scenario (medians; the issue asks for at least 3); default 3, 1 with --smoke
#   --only    some of the steps below, run in the order below (the report marks the others "not measured");
#             request-half needs the request step's result in the same --out-dir
#   --smoke   every step with a handful of clients for a second or two: checks the instruments and the report,
#             measures nothing (CI runs it); the full run takes about 35 minutes on 2 vCPUs
# Steps, in order (each writes DIR/STEP/):
#   jmh                   FanoutBench.delivery and DispatchBench.ping, -prof gc, 3 forks (one fork's JIT and
#                         heap layout moved the fan-out between 78 and 97 ns per recipient)
#   broadcast-saturating  10,000 clients, 100 B, closed loop (8 in flight): Switchboard, Netty + flush hub, Node ws
#   broadcast-rate20      10,000 clients, 20 broadcasts/s: Switchboard, Netty + flush hub
#   request               1,000 connections, depth 4, ping, closed loop: Switchboard, Netty echo hub
#   request-half          the same, open loop at half the echo hub's median round trips/s from `request`
#   request-server-bound  as request, the generator flushing once per read (--flush=read): the server is the limit
#   connect-10k           10,000 handshakes offered at 10,000/s after 120,000 warm-up ones; Switchboard verifies
#                         an HS256 JWT on each, the flush hub checks nothing; the generator stops reading each
#                         connection once its 101 has arrived (--read-after-open=false)
#   connect-5k            the same at 5,000/s (p99), then Switchboard again with the generator reading every frame
#                         (DIR/connect-5k/reading/, shown beside the figure)
#   idle                  15,000 idle connections on the standalone jar as the systemd unit runs it, --runs
#                         fresh servers (benchmarks/idle-memory.sh)
#   cluster-throughput    A -> Redis -> B relay, saturating (benchmarks/cluster.sh)
#   cluster-10k           the same at 10,000 messages/s, against one instance without Redis
# Needs the jars (./mvnw -B -q -DskipTests -DskipITs install), redis-server, node and npm (the Node hub), python3,
# curl and jcmd (the idle and cluster scripts). Bounded: every scenario stops after its --duration, every server
# it starts is stopped. A step's directory is emptied before the step runs; a step that fails leaves DIR/STEP/FAILED,
# the run goes on, the report says "step failed" for its targets, and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
out="benchmarks/results/targets-$(date +%Y%m%d-%H%M%S)"
runs=""
only=""
smoke=0
all_steps=(jmh broadcast-saturating broadcast-rate20 request request-half request-server-bound connect-10k connect-5k
  idle cluster-throughput cluster-10k)
for arg in "$@"; do
  case "$arg" in
    --out-dir=*) out=${arg#--out-dir=} ;;
    --runs=*) runs=${arg#--runs=} ;;
    --only=*) only=${arg#--only=} ;;
    --smoke) smoke=1 ;;
    *) echo "targets.sh: unknown option '$arg' (expected --out-dir=DIR, --runs=N, --only=STEP,..., --smoke)" >&2; exit 2 ;;
  esac
done
[[ -n $runs ]] || runs=$( ((smoke)) && echo 1 || echo 3 )
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "targets.sh: --runs expects a positive integer, got '$runs'" >&2; exit 2; }
steps=("${all_steps[@]}")
if [[ -n $only || " $* " == *" --only="* ]]; then
  IFS=, read -r -a wanted <<< "$only"
  ((${#wanted[@]})) || { echo "targets.sh: --only= names no step (expected some of ${all_steps[*]})" >&2; exit 2; }
  for s in "${wanted[@]}"; do
    [[ " ${all_steps[*]} " == *" $s "* ]] || { echo "targets.sh: --only: unknown step '$s' (expected some of ${all_steps[*]})" >&2; exit 2; }
  done
  steps=()
  for s in "${all_steps[@]}"; do
    [[ ",$only," == *",$s,"* ]] && steps+=("$s")
  done
fi
bench=benchmarks/target/switchboard-bench.jar
for f in "$bench" gateway-server/target/switchboard.jar; do
  [[ -f $f ]] || { echo "targets.sh: $f is missing; build with ./mvnw -B -q -DskipTests -DskipITs install" >&2; exit 2; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
log="$out/targets.log"
echo "targets.sh: $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(nproc) vCPUs, load $(cut -d' ' -f1-3 /proc/loadavg); output in $out" | tee "$log"

# Full parameters, and the smoke run's (a few clients for a second or two).
if ((smoke)); then
  jmh_opts=(-f 0 -wi 0 -i 1 -r 100ms)
  bc=(--clients=20 --size=100 --duration=2s --warmup=1s)
  rq=(--clients=10 --depth=4 --handler=ping --duration=2s --warmup=1s --server-threads=1)
  cn=(--clients=50 --warmup-clients=50); cn10=--connect-rate=500; cn5=--connect-rate=250
  idle_n=50
  cl_tp=(--clients=1 --rate=0 --window=16 --size=100 --duration=2s --warmup=1s)
  cl_10k=(--clients=2 --rate=200 --size=100 --duration=2s --warmup=1s)
else
  jmh_opts=(-wi 3 -i 5 -r 1s -w 1s -f 3)
  bc=(--clients=10000 --size=100 --duration=15s --warmup=5s)
  rq=(--clients=1000 --depth=4 --handler=ping --duration=8s --warmup=15s --server-threads=1)
  cn=(--clients=10000 --warmup-clients=120000); cn10=--connect-rate=10000; cn5=--connect-rate=5000
  idle_n=15000
  cl_tp=(--clients=1 --rate=0 --window=256 --size=100 --duration=8s --warmup=20s)
  cl_10k=(--clients=4 --rate=10000 --size=100 --duration=10s --warmup=10s)
fi
secret="targets-$(date +%s)-secret-of-32-bytes-or-more"

step_body() {
  local step=$1 dir=$2
  case "$step" in
    jmh)
      java -jar "$bench" jmh 'FanoutBench.delivery|DispatchBench.ping$' -prof gc "${jmh_opts[@]}" \
        -rf json -rff "$dir/jmh.json" ;;
    broadcast-saturating)
      benchmarks/compare.sh --scenario=broadcast --servers=switchboard,netty-flush,node --runs="$runs" \
        "${bc[@]}" --rate=0 --window=8 --out-dir="$dir" ;;
    broadcast-rate20)
      benchmarks/compare.sh --scenario=broadcast --servers=switchboard,netty-flush --runs="$runs" \
        "${bc[@]}" --rate=20 --out-dir="$dir" ;;
    request)
      benchmarks/compare.sh --scenario=request --servers=switchboard,netty-echo --runs="$runs" "${rq[@]}" \
        --out-dir="$dir" ;;
    request-half)
      local echo_rate
      echo_rate=$(java -jar "$bench" targets-report --dir="$out" --half-echo-rate)
      echo "open loop at $echo_rate requests/s (half the echo hub's median in step request)" | tee -a "$log"
      benchmarks/compare.sh --scenario=request --servers=switchboard,netty-echo --runs="$runs" "${rq[@]}" \
        --rate="$echo_rate" --out-dir="$dir" ;;
    request-server-bound)
      benchmarks/compare.sh --scenario=request --servers=switchboard,netty-echo --runs="$runs" "${rq[@]}" \
        --flush=read --out-dir="$dir" ;;
    connect-10k|connect-5k)
      local rate=$cn10
      [[ $step == connect-5k ]] && rate=$cn5
      # The generator stops reading a connection once its 101 has arrived: a storm of browsers reads the presence
      # broadcasts on their own machines, not on the server's two cores (docs/benchmarks.md, connect storm). At
      # 5,000/s the same storm read through is measured after, for the report to show beside it.
      benchmarks/compare.sh --scenario=connect --servers=switchboard,netty-flush --runs="$runs" "${cn[@]}" "$rate" \
        --jwt-secret="$secret" --read-after-open=false --out-dir="$dir"
      if [[ $step == connect-5k ]]; then
        # After the target's runs, not alternating with them. Its failure leaves the step's own figure standing.
        benchmarks/compare.sh --scenario=connect --servers=switchboard --runs="$runs" "${cn[@]}" "$rate" \
          --jwt-secret="$secret" --read-after-open=true --out-dir="$dir/reading" \
          || echo "connect-5k: the storm read through failed; the report says so beside the step's figure" | tee -a "$log"
      fi ;;
    idle)
      # The systemd unit's JVM and allocator settings (ops/systemd/switchboard.service).
      local r
      for r in $(seq 1 "$runs"); do
        echo "--- idle run $r/$runs ---"
        RESULT="$dir/idle.jsonl" MALLOC_ARENA_MAX=2 SERVER_JAVA_OPTS="-XX:+UseG1GC -Xms1g -Xmx1g -XX:+AlwaysPreTouch" \
          benchmarks/idle-memory.sh "$idle_n"
      done ;;
    cluster-throughput)
      benchmarks/cluster.sh --runs="$runs" --out-dir="$dir" "${cl_tp[@]}" ;;
    cluster-10k)
      benchmarks/cluster.sh --runs="$runs" --out-dir="$dir" "${cl_10k[@]}" ;;
  esac
}

# A failed step is reported and the run goes on: the report marks it, and the script exits 1 at the end.
failed=()
t0=$(date +%s)
for step in "${steps[@]}"; do
  dir="$out/$step"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "=== $(date +%H:%M:%S) step $step ($(( $(date +%s) - t0 )) s so far), load $(cut -d' ' -f1-3 /proc/loadavg) ===" | tee -a "$log"
  set +e
  (set -e; step_body "$step" "$dir") 2>&1 | tee "$dir/step.log"
  status=${PIPESTATUS[0]}
  set -e
  if ((status != 0)); then
    echo "targets.sh: step $step failed (exit $status); see $dir/step.log" | tee -a "$log" >&2
    echo "$status" > "$dir/FAILED"
    failed+=("$step")
  fi
done
echo "=== all steps in $(( $(date +%s) - t0 )) s ===" | tee -a "$log"
report=(--dir="$out")
((smoke)) && report+=(--smoke)
set +e
java -jar "$bench" targets-report "${report[@]}" | tee -a "$log"
((PIPESTATUS[0] == 0)) || failed+=(targets-report)
set -e
if ((${#failed[@]})); then
  echo "targets.sh: failed steps: ${failed[*]}" >&2
  exit 1
fi
