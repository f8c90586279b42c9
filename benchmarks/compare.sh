#!/usr/bin/env bash
# Runs one load scenario against Switchboard and the reference servers in the same session (round-robin,
# --runs times, default 3) and prints medians and ratios, with the load generator's CPU beside each figure.
# Every option is passed to `switchboard-bench.jar compare`; see docs/benchmarks.md. Example:
#   benchmarks/compare.sh --scenario=broadcast --clients=2000 --rate=0 --window=8 --size=100 --duration=10s
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/switchboard-bench.jar"
if [[ ! -f "$jar" ]]; then
  (cd "$here/.." && ./mvnw -B -q -pl benchmarks -am package -DskipTests)
fi
if [[ ! -d "$here/node-hub/node_modules/ws" ]]; then
  (cd "$here/node-hub" && npm ci --no-audit --no-fund --silent)
fi
cd "$here"
exec java -Xms512m -Xmx2g -jar "$jar" compare --node-hub="$here/node-hub/hub.js" "$@"
