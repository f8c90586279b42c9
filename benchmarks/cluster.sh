#!/usr/bin/env bash
# Cross-instance delivery through Redis (issue 6), on loopback: a redis-server and standalone Switchboard
# instances (gateway-server/target/switchboard.jar), configurations taken in turn --runs times, medians and
# ratios printed by the bench jar's `summary` (first configuration = the reference):
#   local    one instance, broker=local: publisher and receivers on it, no Redis (the reference)
#   redis-b  two instances, broker=redis: publisher on A, receivers on B (A -> Redis -> B), pub/sub over the
#            direct relay (redis.relay=auto, the default)
#   redisson-b  (with --compare-redisson) the same with redis.relay=redisson: Redisson's pub/sub, as before
# The publisher is a WebSocket client `publish` to room `bench` on A (client-publish=bench*); receivers join it.
#
# Usage: benchmarks/cluster.sh [--runs=3] [--out-dir=DIR] [--sched-profile=SECONDS] [--compare-redisson]
#                              [broadcast options...]
#   default broadcast options: --clients=4 --rate=10000 --size=100 --duration=10s --warmup=5s
#   throughput (messages relayed/s = deliveries/s / clients): --clients=1 --rate=0 --window=64
#   --sched-profile=S: 1 s into each measured window, records `perf sched` for S seconds (needs perf and
#   root) and prints, per process, how long its threads waited for a core once woken (the scheduler's
#   delay, percentiles over each time a thread was switched in) and how often a second: where a latency tail that is
#   not in the gateway's code comes from.
# After each run it prints the instances' loss counters (see counters below) beside the generator's count.
# Needs redis-server and the jars (./mvnw -B -q -DskipTests -DskipITs install). Bounded: every process is
# stopped at exit; the load generator stops after --duration.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
sched=0
compare=0
out="benchmarks/results/cluster-$(date +%Y%m%d-%H%M%S)"
pass=()
for arg in "$@"; do
  case "$arg" in
    --runs=*) runs=${arg#--runs=} ;;
    --out-dir=*) out=${arg#--out-dir=} ;;
    --sched-profile=*) sched=${arg#--sched-profile=} ;;
    --compare-redisson) compare=1 ;;
    *) pass+=("$arg") ;;
  esac
done
((${#pass[@]})) || pass=(--clients=4 --rate=10000 --size=100 --duration=10s --warmup=5s)
[[ $sched =~ ^[0-9]+$ ]] || { echo "cluster.sh: --sched-profile=SECONDS expects a whole number, got '$sched'" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "cluster.sh: --runs expects a positive integer, got '$runs'" >&2; exit 2; }
warmup=5
for arg in "${pass[@]}"; do [[ $arg == --warmup=* ]] && warmup=${arg#--warmup=} && warmup=${warmup%s}; done
if ((sched > 0)) && ! command -v perf >/dev/null; then
  echo "cluster.sh: --sched-profile needs perf (apt-get install linux-perf)" >&2; exit 2
fi
server_jar=gateway-server/target/switchboard.jar
bench_jar=benchmarks/target/switchboard-bench.jar
for f in "$server_jar" "$bench_jar"; do
  [[ -f $f ]] || { echo "cluster.sh: $f is missing; build with ./mvnw -B -q -DskipTests -DskipITs install" >&2; exit 2; }
done
command -v redis-server >/dev/null || { echo "cluster.sh: redis-server is not installed (apt-get install redis-server)" >&2; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  > "$tmp/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# start_instance NAME BROKER [RELAY] → sets PORT_<NAME> and PID_<NAME>; its log: $out/instance-NAME-RELAY-runN.log
start_instance() {
  local name=$1 broker=$2 relay=${3:-auto} log="$out/instance-$1-${3:-local}-run$run.log"
  java -jar "$server_jar" --redis.relay="$relay" --host=127.0.0.1 --port=0 --admin.port=0 --admin.api-key=bench --broker="$broker" \
    --redis.url="redis://127.0.0.1:$redis_port" --instance-id="$name" --client-publish='bench*' \
    --rate-limit.per-second=1000000 --rate-limit.burst=1000000 --max-connections-per-ip=100000 \
    --drain=0s > "$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 150); do grep -q "Switchboard started" "$log" && break; sleep 0.2; done
  if ! grep -q "Switchboard started" "$log"; then
    echo "cluster.sh: instance $name did not start in 30 s; its log:" >&2; cat "$log" >&2
    # Where it is stuck, if it still runs.
    kill -0 "$pid" 2>/dev/null && { echo "cluster.sh: its main thread:" >&2; jcmd "$pid" Thread.print 2>&1 | grep -A25 '^"main"' >&2 || true; }
    exit 1
  fi
  printf -v "PORT_$name" '%s' "$(sed -nE 's/.*Switchboard started: public=[^:]+:([0-9]+).*/\1/p' "$log")"
  printf -v "ADMIN_$name" '%s' "$(sed -nE 's/.*Switchboard started: .* admin=[^:]+:([0-9]+).*/\1/p' "$log")"
  printf -v "PID_$name" '%s' "$pid"
}
stop_instance() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# counters NAME ADMIN_PORT FILE: where a delivery can be lost, from the instance's metrics at the end of a run
# (slow-consumer drops; with Redis, publishes sent and dropped on A, messages received, invalid or oversized on B,
# re-subscriptions), printed and saved to FILE.
counters() {
  curl -s "http://127.0.0.1:$2/metrics" | grep -E '^switchboard_(drops|slow_consumer_closed|redis_(publish_sent|publish_dropped|received|received_invalid|received_oversized|resubscribed|presence_failed))(_total)? ' \
    | sed "s/^/$1 /" | tee "$3" || true
}

# measure NAME PID_TO_PROFILE... -- generator command: runs the generator; with --sched-profile, records the
# scheduler during its measured window and prints each named process's wake-up delays.
measure() {
  local name=$1; shift
  local -a procs=()
  while [[ $1 != -- ]]; do procs+=("$1"); shift; done
  shift
  if ((sched == 0)); then "$@"; return; fi
  "$@" & local gen=$!
  sleep "$((warmup + 1))"
  perf sched record -o "$out/$name.sched" -- sleep "$sched" > /dev/null 2>&1
  wait "$gen"
  procs+=("generator=$gen")
  perf sched timehist -i "$out/$name.sched" 2>/dev/null | awk 'NR > 3 && match($(NF - 3), /\[[0-9]+(\/[0-9]+)?\]$/) {
      id = substr($(NF - 3), RSTART + 1, RLENGTH - 2); n = split(id, p, "/"); print p[n], $(NF - 1) }' > "$out/$name.delays"
  echo "--- $name: scheduler delay per wake-up (ms), $sched s of perf sched ---"
  printf '%-14s %9s %8s %8s %8s %8s\n' process runs/s p50 p99 p99.9 max
  for pp in "${procs[@]}"; do
    awk -v pid="${pp#*=}" '$1 == pid { print $2 }' "$out/$name.delays" | sort -n | awk -v n="${pp%%=*}" -v s="$sched" '
      { v[NR] = $1 } END { if (NR == 0) { printf "%-14s %9s\n", n, "-"; exit }
        printf "%-14s %9.0f %8.3f %8.3f %8.3f %8.3f\n", n, NR / s, v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1],
          v[int(NR * 0.999) + 1], v[NR] }'
  done
}

declare -A files=([local]="" [redis-b]="" [redisson-b]="")
# cross CONFIG RELAY: one run of A -> Redis -> B with redis.relay=RELAY
cross() {
  local config=$1 relay=$2
  echo "=== run $run/$runs: $config (publish on A, receive on B, relay $relay), load $(cut -d' ' -f1-3 /proc/loadavg) ==="
  start_instance A redis "$relay"
  start_instance B redis "$relay"
  measure "$config-run$run" "A=$PID_A" "B=$PID_B" "redis-server=$redis_pid" -- \
    java -jar "$bench_jar" cluster --url="ws://127.0.0.1:$PORT_B/ws" --protocol=switchboard --publish=ws \
    --publish-url="ws://127.0.0.1:$PORT_A/ws" --server-pid="$PID_B" --label="$config" --out="$out/$config-run$run" \
    "${pass[@]}"
  counters A "$ADMIN_A" "$out/$config-run$run.A.counters"
  counters B "$ADMIN_B" "$out/$config-run$run.B.counters"
  stop_instance "$PID_A"
  stop_instance "$PID_B"
  files[$config]+="${files[$config]:++}$out/$config-run$run.json"
}
for run in $(seq 1 "$runs"); do
  echo "=== run $run/$runs: local (one instance, no Redis), load $(cut -d' ' -f1-3 /proc/loadavg) ==="
  start_instance L local
  measure "local-run$run" "instance=$PID_L" -- \
    java -jar "$bench_jar" broadcast --url="ws://127.0.0.1:$PORT_L/ws" --protocol=switchboard --publish=ws \
    --server-pid="$PID_L" --label=local --out="$out/local-run$run" "${pass[@]}"
  counters L "$ADMIN_L" "$out/local-run$run.counters"
  stop_instance "$PID_L"
  files[local]+="${files[local]:++}$out/local-run$run.json"

  cross redis-b auto
  if ((compare)); then cross redisson-b redisson; fi
done
java -jar "$bench_jar" summary --scenario=broadcast --out-dir="$out" \
  --title="cross-instance through Redis vs one instance (medians of $runs)" \
  --results="local:${files[local]},redis-b:${files[redis-b]}${files[redisson-b]:+,redisson-b:${files[redisson-b]}}"
