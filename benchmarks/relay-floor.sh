#!/usr/bin/env bash
# The machine's floor for a relay through Redis, no gateway (issue 6's cross-instance target): a publisher and a
# subscriber process (the bench jar's `relay-floor`, Redisson configured as the broker configures it) and one
# redis-server on loopback. The publisher alternates, second by second, between one hop through Redis and one
# direct TCP hop to the same subscriber; the subscriber prints both paths' percentiles and what Redis adds at p99,
# the reference measured in the same run. Compare with cluster.sh's added p99 (gateway A -> Redis -> gateway B).
#
# --client=raw: both ends are a bare RESP client on a blocking socket instead of Redisson (what Redisson adds).
# Usage: benchmarks/relay-floor.sh [--runs=3] [--out-dir=DIR] [--client=redisson|raw] [--rate=10000] [--size=100] [--duration=20s] [--warmup=10s]
# Needs redis-server, python3 (a free port) and the bench jar. Bounded: the publisher stops after warm-up +
# duration; every process is stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
client=redisson
out="benchmarks/results/relay-floor-$(date +%Y%m%d-%H%M%S)"
pass=()
for arg in "$@"; do
  case "$arg" in
    --runs=*) runs=${arg#--runs=} ;;
    --out-dir=*) out=${arg#--out-dir=} ;;
    --client=*) client=${arg#--client=} ;;
    --rate=*|--size=*|--duration=*|--warmup=*) pass+=("$arg") ;;
    *) echo "relay-floor.sh: unknown option '$arg' (expected --runs=N, --out-dir=DIR, --client=redisson|raw, --rate, --size, --duration, --warmup)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "relay-floor.sh: --runs expects a positive integer, got '$runs'" >&2; exit 2; }
[[ $client == redisson || $client == raw ]] || { echo "relay-floor.sh: --client expects redisson or raw, got '$client'" >&2; exit 2; }
bench_jar=benchmarks/target/switchboard-bench.jar
[[ -f $bench_jar ]] || { echo "relay-floor.sh: $bench_jar is missing; build with ./mvnw -B -q -DskipTests -DskipITs install" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "relay-floor.sh: redis-server is not installed (apt-get install redis-server)" >&2; exit 2; }
mkdir -p "$out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no > "$out/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
status=0
for run in $(seq 1 "$runs"); do
  java -jar "$bench_jar" relay-floor --role=sub --client="$client" --redis="redis://127.0.0.1:$port" --out="$out/run$run.json" \
    > "$out/sub-run$run.log" 2>&1 &
  sub=$!
  pids+=("$sub")
  direct=""
  for _ in $(seq 1 150); do
    direct=$(sed -nE 's/^relay-floor: listening ([0-9]+)$/\1/p' "$out/sub-run$run.log")
    [[ -n $direct ]] && break
    kill -0 "$sub" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $direct ]]; then
    echo "relay-floor.sh: run $run: the subscriber did not start:" >&2; tail -5 "$out/sub-run$run.log" >&2; status=1; continue
  fi
  java -jar "$bench_jar" relay-floor --role=pub --client="$client" --redis="redis://127.0.0.1:$port" --direct="$direct" "${pass[@]}" \
    2>&1 | grep '^relay-floor' || status=1
  wait "$sub" || status=1
  grep '^relay-floor: direct' "$out/sub-run$run.log" | sed "s/^relay-floor:/run $run:/" || status=1
done
exit "$status"
