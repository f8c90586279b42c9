package dev.switchboard.bench;

import dev.switchboard.bench.hub.GatewayMain;
import dev.switchboard.bench.hub.NettyHub;
import dev.switchboard.bench.load.BroadcastScenario;
import dev.switchboard.bench.load.ConnectScenario;
import dev.switchboard.bench.load.IdleScenario;
import dev.switchboard.bench.load.RequestScenario;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** {@code java -jar switchboard-bench.jar <command> [--key=value…]}; see {@link #USAGE}. */
public final class Main {

    static final String USAGE = """
            usage: java -jar switchboard-bench.jar <command> [--key=value ...]

            load scenarios (against any WebSocket server; each bounded by --duration and --max-connections):
              connect    --url=ws://H:P/ws --clients=N --connect-rate=R [--jwt-secret=S] [--hold=0s] [--warmup-clients=0]
              broadcast  --url=ws://H:P/ws --clients=N --rate=R|0 [--window=8] --size=100 --duration=10s
                         [--protocol=switchboard|raw] [--publish=ws|http --publish-url=URL --api-key=K] [--room=bench]
                         [--pacer=loop|thread --tick=1ms (how --publish=ws is paced at a rate)]
              cluster    broadcast with --publish=http: --publish-url=http://A-admin/api/publish --url=ws://B/ws
              request    --url=ws://H:P/ws --clients=N --depth=D --handler=ping|controller [--module=echo] --duration=10s
                         [--flush=request|read (closed loop: one write per request, or one per read's worth: server-bound)]
             [--rate=R (open-loop, requests/s in all) --pacer=loop|thread --tick=1ms|100us] [--protocol=switchboard|raw (echo servers)]
                         [--slow-log=FILE --slow-threshold=1ms (each slower round trip's send and receive nanoTime)]
              idle       --url=ws://H:P/ws --clients=N --duration=30s --server-pid=PID [--metrics-url=URL --api-key=K]
              common     --sources=4 (127.0.0.x source addresses) --threads=2 --connect-rate=2000 --warmup=1s
                         --server-pid=PID --label=NAME --out=results/NAME (writes .json .hlog .hgrm)

            comparisons and charts:
              compare    --scenario=broadcast|request|connect --servers=switchboard,netty-flush,netty-plain,netty-echo,node,node-echo[,switchboard-alt --alt-jar=J] --runs=3
                         [--server-java-opts="-Xmx1g ..."] [--alt-java-opts="-XX:+UseZGC ..." (alt = this jar, other JVM options)]
                         [--server-threads=2] + scenario options; prints medians and ratios, writes summary.json + latency.svg
              summary    --scenario=broadcast|request|connect --out-dir=D [--title=T] --results=label:a.json+b.json,label2:c.json
                         medians and ratios (first label is the base) of runs made outside compare, as compare prints them
              chart      --out=x.svg [--title=T] result.json... (results or compare summaries)
              targets-report --dir=D [--smoke]  the table of issue 6's targets from one benchmarks/targets.sh run
                         in D: figures, ratios and a verdict per target; writes D/targets.md and D/targets.json.
                         --half-echo-rate prints half the echo hub's median round trips/s of D/request instead
              tail-attribution --timehist=F --slow-log=F [--min=5ms] [--episodes=5] [--out=F.json]
                         [--server-threads=switchboard-io,hub-io] [--generator-threads=bench-client]: where the slow
                         round trips of `request --slow-log` spent their flight, from `perf sched timehist --state` of a trace
                         recorded with -k CLOCK_MONOTONIC (benchmarks/tail-profile.sh runs both)

            servers:
              gateway    Switchboard core for load tests: --port=0 --threads=2 [--jwt-secret=S] [--presence-interval=1s] --max-seconds=3600
              hub        Netty reference hub: --variant=plain|flush|echo --port=0 --threads=2 --max-seconds=3600
                         [--count-every=0s (>0: broadcast the client count when it changed, as presence does)]

            machine floor:
              write-floor  [--sockets=5000] [--size=100] [--rounds=10] [--interval=1s] [--reader=awake|parked]:
                         plain write(2) of one message to each of N loopback sockets from one thread, no Netty;
                         a broadcast's floor per event loop on this machine
              relay-floor  --role=sub --redis=URL [--out=F]  |  --role=pub --redis=URL --direct=PORT [--rate=10000]
                         [--size=100] [--duration=20s] [--warmup=10s]: one hop through Redis (Redisson as the broker
                         sets it up) against one direct TCP hop, alternating each second; run by relay-floor.sh

            micro-benchmarks:
              jmh        JMH options, e.g. jmh FanoutBench -prof gc; smoke: jmh -f 0 -wi 0 -i 1 -r 100ms
              request-path  [--batches=300] [--batch=20000] [--warmup-batches=100]: RequestPathBench's gateway and
                         echo pipelines in alternating batches; time per request and the ratio, robust to host noise
            """;

    private Main() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help")) {
            System.out.print(USAGE);
            return;
        }
        String cmd = argv[0];
        if (cmd.equals("jmh")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(argv, 1, argv.length));
            return;
        }
        if (cmd.equals("chart")) {
            List<String> opts = new ArrayList<>();
            List<String> files = new ArrayList<>();
            for (int i = 1; i < argv.length; i++) {
                (argv[i].startsWith("--") ? opts : files).add(argv[i]);
            }
            Chart.main(new Args(opts.toArray(String[]::new), 0), files);
            return;
        }
        Args a = new Args(argv, 1);
        try {
            switch (cmd) {
                case "connect" -> ConnectScenario.run(a, System.out);
                case "broadcast", "cluster" -> BroadcastScenario.run(cmd, a, System.out);
                case "request" -> RequestScenario.run(a, System.out);
                case "idle" -> IdleScenario.run(a, System.out);
                case "compare" -> Compare.main(a, System.out);
                case "summary" -> Compare.summary(a, System.out);
                case "targets-report" -> TargetsReport.main(a, System.out);
                case "tail-attribution" -> TailAttribution.main(a, System.out);
                case "gateway" -> GatewayMain.main(a);
                case "hub" -> NettyHub.main(a);
                case "write-floor" -> dev.switchboard.bench.load.WriteFloor.run(a, System.out);
                case "relay-floor" -> dev.switchboard.bench.load.RelayFloor.run(a, System.out);
                case "request-path" -> dev.switchboard.bench.jmh.RequestPathAB.main(a, System.out);
                default -> {
                    System.err.println("unknown command " + cmd);
                    System.err.print(USAGE);
                    System.exit(2);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }
}
