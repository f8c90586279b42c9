#!/usr/bin/env bash
# Measures server memory per idle WebSocket connection: heap (after a forced GC), Netty direct, RSS.
# Usage: benchmarks/idle-memory.sh [connections, default 15000] [rounds, default 1]. Needs the server and bench
# jars built (./mvnw -B -q -DskipTests package). Bounded: the load generator holds the connections for 40 s at
# most per round. With rounds=2 the connections are closed after the first measurement and opened again, and the
# second round is measured from the baseline after the first: a server that has already held N connections (its
# heap grown, the pages its garbage touched already resident) against one that starts cold.
# SERVER_JAR picks another build of the standalone jar (default gateway-server/target/switchboard.jar).
# SERVER_JAVA_OPTS is passed to the server JVM, e.g. "-Xms1g -Xmx1g -XX:+AlwaysPreTouch" so that every heap
# page is resident before the baseline: RSS growth is then what lies outside the heap (direct buffers, native).
# PSS is printed beside RSS: a page mapped several times (ZGC maps its heap three times on JDK 17) counts once in
# PSS and once per mapping in RSS. With -XX:NativeMemoryTracking=summary in SERVER_JAVA_OPTS, the JVM's own
# account of what it committed during the round (heap, GC, code, compiler, threads, other = direct buffers) is
# printed too.
# RESULT=FILE appends each round's figures to FILE, one JSON object per line (benchmarks/targets.sh reads it).
# Exits 1 when the server does not start or a round does not reach N connections (its figures are still printed).
set -u
cd "$(dirname "$0")/.."
N=${1:-15000}
ROUNDS=${2:-1}
for v in "$N" "$ROUNDS"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "idle-memory.sh: expected [connections] [rounds] as positive integers, got '$v'" >&2; exit 2; }
done
((N <= 19000)) || { echo "idle-memory.sh: at most 19000 connections (one process may open 20000 files)" >&2; exit 2; }
JAR=${SERVER_JAR:-gateway-server/target/switchboard.jar}
[[ -f $JAR ]] || { echo "idle-memory.sh: no server jar at '$JAR' (build it: ./mvnw -B -q -DskipTests package, or set SERVER_JAR)" >&2; exit 2; }
tmp=$(mktemp -d)
java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --host=127.0.0.1 --port=0 --admin.port=0 --admin.api-key=k \
  --max-connections-per-ip=100000 > "$tmp/server.log" 2>&1 &
SP=$!
for _ in $(seq 1 50); do grep -q "Switchboard started" "$tmp/server.log" && break; sleep 0.2; done
line=$(grep "Switchboard started" "$tmp/server.log") || {
  echo "idle-memory.sh: the server did not start in 10 s; its log:" >&2; cat "$tmp/server.log" >&2; kill $SP 2>/dev/null; exit 1; }
PORT=$(echo "$line" | sed -E 's/.*public=[^:]+:([0-9]+).*/\1/'); ADMIN=$(echo "$line" | sed -E 's/.*admin=[^:]+:([0-9]+).*/\1/')
snap() {
  jcmd $SP GC.run > /dev/null; sleep 1
  rss=$(grep VmRSS /proc/$SP/status | awk '{print $2}')
  pss=$(grep -E '^Pss:' /proc/$SP/smaps_rollup | awk '{print $2}')
  m=$(curl -s http://127.0.0.1:$ADMIN/metrics)
  heap=$(echo "$m" | grep -E "^jvm_memory_heap_used " | awk '{printf "%d", $2}')
  nd=$(echo "$m" | grep -E "^switchboard_netty_direct_used " | awk '{printf "%d", $2}')
  conns=$(echo "$m" | grep -E "^switchboard_connections " | awk '{printf "%d", $2}')
  echo "$conns $rss $heap $nd $pss"
}
nmt=0
short=0
[[ "${SERVER_JAVA_OPTS:-}" == *NativeMemoryTracking=* ]] && nmt=1
sleep 2
for round in $(seq 1 "$ROUNDS"); do
read c0 rss0 heap0 nd0 pss0 < <(snap)
((nmt)) && jcmd $SP VM.native_memory baseline > /dev/null
java -jar benchmarks/target/switchboard-bench.jar idle --url=ws://127.0.0.1:$PORT/ws --clients=$N --duration=40s \
  --server-pid=$SP --connect-rate=3000 --label=idle --out="$tmp/idle$round" > "$tmp/client$round.log" 2>&1 &
CP=$!
for _ in $(seq 1 60); do sleep 1; c=$(curl -s http://127.0.0.1:$ADMIN/health | sed -E 's/.*"connections":([0-9]+).*/\1/'); [ "$c" = "$N" ] && break; done
sleep 3
read c1 rss1 heap1 nd1 pss1 < <(snap)
echo "round $round of $ROUNDS"
if [[ $c1 != "$N" ]]; then
  echo "idle-memory.sh: round $round held $c1 of $N connections (see $tmp/client$round.log)" >&2
  short=1
fi
echo "baseline: conns=$c0 rss=${rss0}KiB pss=${pss0}KiB heap=$heap0 netty_direct=$nd0"
echo "loaded:   conns=$c1 rss=${rss1}KiB pss=${pss1}KiB heap=$heap1 netty_direct=$nd1"
awk -v n=$c1 -v h0=$heap0 -v h1=$heap1 -v d0=$nd0 -v d1=$nd1 -v r0=$rss0 -v r1=$rss1 -v p0=$pss0 -v p1=$pss1 'BEGIN {
  printf "per connection: heap %.0f B, netty direct %.0f B, heap+direct %.0f B, RSS growth %.0f B, PSS growth %.0f B\n",
    (h1-h0)/n, (d1-d0)/n, (h1-h0+d1-d0)/n, (r1-r0)*1024/n, (p1-p0)*1024/n }'
if [[ -n ${RESULT:-} ]]; then
  awk -v r=$round -v req=$N -v n=$c1 -v h0=$heap0 -v h1=$heap1 -v d0=$nd0 -v d1=$nd1 -v r0=$rss0 -v r1=$rss1 -v p0=$pss0 -v p1=$pss1 \
    -v opts="${SERVER_JAVA_OPTS:-}" -v arena="${MALLOC_ARENA_MAX:-}" 'BEGIN {
    printf "{\"round\":%d,\"requested\":%d,\"connections\":%d,\"heap_per_conn\":%.0f,\"direct_per_conn\":%.0f,\"heap_direct_per_conn\":%.0f,", r, req, n,
      (h1-h0)/n, (d1-d0)/n, (h1-h0+d1-d0)/n
    printf "\"rss_growth_per_conn\":%.0f,\"pss_growth_per_conn\":%.0f,\"server_java_opts\":\"%s\",\"malloc_arena_max\":\"%s\"}\n",
      (r1-r0)*1024/n, (p1-p0)*1024/n, opts, arena }' >> "$RESULT"
fi
if ((nmt)); then
  # committed KB per category since the baseline, from lines like "-  Java Heap (reserved=…KB +…KB, committed=…KB +…KB)"
  jcmd $SP VM.native_memory summary.diff | awk -v n=$c1 '
    /^-/ { name=$0; sub(/^- +/, "", name); sub(/ \(.*/, "", name) }
    /^-.*committed=/ { d=0; if (match($0, /committed=[0-9]+KB [+-][0-9]+KB/)) { x=substr($0, RSTART, RLENGTH); sub(/.*KB /, "", x); d=x+0 }
      if (d != 0) printf "  NMT committed %-22s %+8d KB  %+6.0f B per connection\n", name, d, d*1024/n }'
fi
kill $CP 2>/dev/null; wait $CP 2>/dev/null
if ((round < ROUNDS)); then
  for _ in $(seq 1 60); do sleep 1; c=$(curl -s http://127.0.0.1:$ADMIN/health | sed -E 's/.*"connections":([0-9]+).*/\1/'); [ "$c" = "0" ] && break; done
  sleep 2
fi
done
kill $SP; wait $SP 2>/dev/null
echo "logs: $tmp"
exit $short
