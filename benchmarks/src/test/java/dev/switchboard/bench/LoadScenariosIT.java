package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.bench.hub.GatewayMain;
import dev.switchboard.bench.hub.NettyHub;
import dev.switchboard.bench.load.BroadcastScenario;
import dev.switchboard.bench.load.ConnectScenario;
import dev.switchboard.bench.load.IdleScenario;
import dev.switchboard.bench.load.RequestScenario;
import dev.switchboard.bench.load.Sys;
import dev.switchboard.core.Presence;
import dev.switchboard.core.spi.Broker;
import dev.switchboard.core.spi.Delivery;
import dev.switchboard.core.spi.PresenceUpdate;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.core.testing.WsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each load scenario for a second or two with a few clients, against an in-process gateway and the Netty
 * reference hub: the instruments must keep working (deliveries arrive, none is lost, files are written).
 */
class LoadScenariosIT {

    static final String SECRET = "bench-secret-that-is-at-least-32-bytes-long";
    static final Path OUT = Path.of("target", "it-results");
    static RunningGateway gateway;
    static RunningGateway jwtGateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(GatewayMain.benchGateway(null));
        jwtGateway = RunningGateway.start(GatewayMain.benchGateway(SECRET));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        jwtGateway.close();
    }

    static Args args(String name, String... extra) {
        List<String> a = new ArrayList<>(List.of(extra));
        a.add("--out=" + OUT.resolve(name));
        a.add("--label=" + name);
        a.add("--threads=1");
        return new Args(a.toArray(String[]::new), 0);
    }

    static long num(Map<String, Object> r, String key) {
        return ((Number) r.get(key)).longValue();
    }

    @SuppressWarnings("unchecked")
    static long latency(Map<String, Object> r, String key) {
        return ((Number) ((Map<String, Object>) r.get("latency_us")).get(key)).longValue();
    }

    @Test
    void broadcastThroughClientPublishToARoom() throws Exception {
        Map<String, Object> r = BroadcastScenario.run("broadcast", args("broadcast-switchboard",
                "--url=" + gateway.url("/ws"), "--clients=20", "--rate=50", "--size=100", "--duration=1.5s",
                "--warmup=0.3s"), System.out);
        assertThat(num(r, "published")).isPositive();
        assertThat(num(r, "received")).isPositive().isEqualTo(num(r, "expected"));
        assertThat(num(r, "lost")).isZero();
        assertThat(latency(r, "p99")).isPositive();
        assertThat(OUT.resolve("broadcast-switchboard.json")).exists();
        assertThat(OUT.resolve("broadcast-switchboard.hlog")).exists();
        assertThat(Files.readString(OUT.resolve("broadcast-switchboard.hgrm"))).contains("Percentile");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"loop", "thread"})
    void aPacedPublisherKeepsTheOfferedRate(String pacer) throws Exception {
        Map<String, Object> r = BroadcastScenario.run("broadcast", args("broadcast-paced-" + pacer,
                "--url=" + gateway.url("/ws"), "--clients=5", "--rate=200", "--size=100", "--duration=1s",
                "--warmup=0.5s", "--pacer=" + pacer), System.out);
        // 200/s over 1.5 s: ~300 messages, each delivered to all 5 receivers.
        assertThat(num(r, "published")).isBetween(270L, 330L);
        assertThat(num(r, "received")).isEqualTo(num(r, "expected"));
        assertThat(num(r, "lost")).isZero();
    }

    @Test
    void broadcastClosedLoopAgainstTheNettyHub() throws Exception {
        try (NettyHub hub = new NettyHub("127.0.0.1", 0, 1, "flush")) {
            Map<String, Object> r = BroadcastScenario.run("broadcast", args("broadcast-netty-flush",
                    "--url=ws://127.0.0.1:" + hub.address().getPort() + "/", "--protocol=raw", "--clients=20",
                    "--rate=0", "--window=4", "--duration=1s", "--warmup=0.3s"), System.out);
            assertThat(num(r, "received")).isPositive().isEqualTo(num(r, "expected"));
            assertThat(num(r, "lost")).isZero();
            assertThat(num(r, "deliveries_per_s")).isPositive();
        }
    }

    @Test
    void theHubBroadcastsItsClientCountOnlyWhenAskedAsPresenceDoes() throws Exception {
        try (NettyHub counting = new NettyHub("127.0.0.1", 0, 1, "flush", java.time.Duration.ofMillis(100));
             NettyHub plain = new NettyHub("127.0.0.1", 0, 1, "flush")) {
            String url = "ws://127.0.0.1:" + counting.address().getPort() + "/ws";
            try (WsClient a = WsClient.connect(url); WsClient b = WsClient.connect(url)) {
                for (WsClient c : List.of(a, b)) {
                    assertThat(c.next(n -> n.path("channel").asText().equals("state")
                            && n.path("message").path("num_clients").asInt() == 2, java.time.Duration.ofSeconds(5)))
                            .isNotNull();
                }
            }
            try (WsClient c = WsClient.connect("ws://127.0.0.1:" + plain.address().getPort() + "/ws")) {
                Thread.sleep(300);
                assertThat(c.drain()).isEmpty();
            }
        }
        assertThatThrownBy(() -> new NettyHub("127.0.0.1", 0, 1, "flush", java.time.Duration.ofSeconds(-1)))
                .hasMessage("--count-every=PT-1S (expected: 0s (off) or more)");
    }

    /** Instances joined the way Redis pub/sub joins them: what one publishes, the others deliver. */
    static final class Relay {
        final List<Broker.Listener> listeners = new CopyOnWriteArrayList<>();
        final AtomicLong relayed = new AtomicLong();

        Broker member() {
            return new Broker() {
                Broker.Listener self;

                @Override
                public String name() {
                    return "relay";
                }

                @Override
                public CompletionStage<Void> start(Broker.Listener listener) {
                    self = listener;
                    listeners.add(listener);
                    return CompletableFuture.completedFuture(null);
                }

                @Override
                public void publish(Delivery delivery) {
                    for (Broker.Listener l : listeners) {
                        if (l != self) {
                            relayed.incrementAndGet();
                            l.onDelivery(delivery);
                        }
                    }
                }

                @Override
                public CompletionStage<Presence> syncPresence(PresenceUpdate update) {
                    return CompletableFuture.completedFuture(new Presence(update.localIdentities(), update.localConnections()));
                }

                @Override
                public CompletionStage<Void> stop() {
                    listeners.remove(self);
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
    }

    static long relayed(Relay relay) {
        return relay.relayed.get();
    }

    @Test
    void clusterPublishesOnOneInstanceAndReceivesOnTheOther() throws Exception {
        Relay relay = new Relay();
        try (RunningGateway a = RunningGateway.start(GatewayMain.benchBuilder(null).broker(relay.member()).build());
             RunningGateway b = RunningGateway.start(GatewayMain.benchBuilder(null).broker(relay.member()).build())) {
            Map<String, Object> r = BroadcastScenario.run("cluster", args("cluster", "--url=" + b.url("/ws"),
                    "--publish=ws", "--publish-url=" + a.url("/ws"), "--clients=5", "--rate=50", "--duration=1s",
                    "--warmup=0.3s"), System.out);
            assertThat(num(r, "received")).isPositive().isEqualTo(num(r, "expected"));
            assertThat(num(r, "lost")).isZero();
            assertThat(relayed(relay)).as("every message crossed from A to B").isGreaterThanOrEqualTo(num(r, "published"));
        }
    }

    @Test
    void connectWithTokens() throws Exception {
        Map<String, Object> r = ConnectScenario.run(args("connect-jwt", "--url=" + jwtGateway.url("/ws"),
                "--clients=30", "--connect-rate=200", "--jwt-secret=" + SECRET), System.out);
        assertThat(num(r, "opened")).isEqualTo(30);
        assertThat(num(r, "failed")).isZero();
        assertThat(num(r, "handshakes_per_s")).isPositive();
    }

    @SuppressWarnings("unchecked")
    @Test
    void connectReportsItsPhasesAndCanStopReadingAfterThe101() throws Exception {
        // The hub writes the client count to every client 50 ms after it changed: once the storm is over, each
        // of the 30 connections is sent that frame during the hold. Read, it is counted; not read, it is not.
        try (NettyHub hub = new NettyHub("127.0.0.1", 0, 1, "flush", java.time.Duration.ofMillis(50))) {
            String url = "--url=ws://127.0.0.1:" + hub.address().getPort() + "/";
            Map<String, Object> reading = ConnectScenario.run(args("connect-reading", url, "--clients=30",
                    "--connect-rate=300", "--hold=0.5s"), System.out);
            Map<String, Object> notReading = ConnectScenario.run(args("connect-not-reading", url, "--clients=30",
                    "--connect-rate=300", "--hold=0.5s", "--read-after-open=false"), System.out);
            assertThat(num(reading, "opened")).isEqualTo(30);
            assertThat(num(notReading, "opened")).isEqualTo(30);
            assertThat(num(reading, "frames_read")).isGreaterThanOrEqualTo(30);
            assertThat(num(notReading, "frames_read")).isLessThan(30);
            assertThat(notReading.get("read_after_open")).isEqualTo(false);
            for (Map<String, Object> r : List.of(reading, notReading)) {
                Map<String, Map<String, Object>> phases = (Map<String, Map<String, Object>>) r.get("phases_us");
                assertThat(phases).containsOnlyKeys("queue", "tcp", "request", "answer");
                for (Map<String, Object> phase : phases.values()) {
                    assertThat(((Number) phase.get("count")).longValue()).isEqualTo(30);
                    // Each phase is a part of its connection's connect()→101.
                    assertThat(((Number) phase.get("max")).longValue()).isLessThanOrEqualTo(latency(r, "max"));
                }
                // A TCP handshake and a 101 take time: a phase left unmeasured would read 0.
                assertThat(((Number) phases.get("tcp").get("p50")).longValue()).isPositive();
                assertThat(((Number) phases.get("answer").get("p50")).longValue()).isPositive();
                assertThat(num(r, "listen_overflows")).as("30 connections overflow no accept queue").isZero();
            }
        }
    }

    @Test
    void connectWithAWrongSecretIsRefused() throws Exception {
        Map<String, Object> r = ConnectScenario.run(args("connect-bad-jwt", "--url=" + jwtGateway.url("/ws"),
                "--clients=3", "--jwt-secret=not-the-secret-but-also-32-bytes-long!!"), System.out);
        assertThat(num(r, "opened")).isZero();
        assertThat(num(r, "failed")).isEqualTo(3);
        assertThat(r.get("failures").toString()).contains("401");
    }

    @Test
    void pipelinedPingsAndControllerRequests() throws Exception {
        for (String handler : List.of("ping", "controller")) {
            Map<String, Object> r = RequestScenario.run(args("request-" + handler, "--url=" + gateway.url("/ws"),
                    "--clients=5", "--depth=4", "--handler=" + handler, "--duration=1s", "--warmup=0.2s"), System.out);
            assertThat(num(r, "replies")).isPositive();
            assertThat(num(r, "errors")).isZero();
            assertThat(num(r, "round_trips_per_s")).isPositive();
        }
    }

    @Test
    void requestsAgainstTheNettyEchoHub() throws Exception {
        try (NettyHub hub = new NettyHub("127.0.0.1", 0, 1, "echo")) {
            Map<String, Object> r = RequestScenario.run(args("request-netty-echo",
                    "--url=ws://127.0.0.1:" + hub.address().getPort() + "/", "--protocol=raw", "--clients=5",
                    "--depth=4", "--duration=1s", "--warmup=0.2s"), System.out);
            assertThat(num(r, "open")).isEqualTo(5);
            assertThat(num(r, "replies")).isPositive();
            assertThat(num(r, "errors")).isZero();
            assertThat(num(r, "round_trips_per_s")).isPositive();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"loop", "thread"})
    void openLoopRequestsAtAFixedRate(String pacer) throws Exception {
        Map<String, Object> r = RequestScenario.run(args("request-paced-" + pacer, "--url=" + gateway.url("/ws"),
                "--clients=4", "--depth=2", "--rate=400", "--duration=1s", "--warmup=0.3s", "--pacer=" + pacer), System.out);
        assertThat(num(r, "errors")).isZero();
        // Paced, not closed-loop: about the offered 400/s, far below what 4 connections reach unpaced.
        assertThat(num(r, "round_trips_per_s")).isBetween(200L, 600L);
        // The replies counted in the measured window (1 s of 1.3 s), over which CPU is also reported.
        assertThat(num(r, "window_items")).isBetween(200L, 600L);
        assertThat(r).containsKey("client_cpu_pct_window");
        assertThat(num(r, "offered_per_s")).isEqualTo(400);
    }

    @Test
    void theSlowLogKeepsEachRoundTripOverItsThresholdWithItsSendAndReceiveTimes() throws Exception {
        Path file = OUT.resolve("request-slow-log.txt");
        long before = System.nanoTime();
        Map<String, Object> r = RequestScenario.run(args("request-slow-log", "--url=" + gateway.url("/ws"),
                "--clients=4", "--depth=2", "--rate=400", "--duration=1s", "--warmup=0.3s",
                "--slow-log=" + file, "--slow-threshold=1us"), System.out);
        long after = System.nanoTime();
        @SuppressWarnings("unchecked")
        Map<String, Object> slow = (Map<String, Object>) r.get("slow_log");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines.get(0)).startsWith("# round trips >= 1000 ns");
        List<long[]> trips = lines.stream().skip(1).map(l -> java.util.Arrays.stream(l.split(" "))
                .mapToLong(Long::parseLong).toArray()).toList();
        // Every measured round trip takes more than 1 µs on the wire: all of them are kept, and only they.
        assertThat((long) trips.size()).isEqualTo(num(r, "window_items")).isEqualTo(num(slow, "kept"));
        assertThat(num(slow, "dropped")).isZero();
        assertThat(trips).allSatisfy(t -> {
            assertThat(t[0]).isBetween(before, after);
            assertThat(t[1] - t[0]).isGreaterThanOrEqualTo(1000);
            assertThat(t[1]).isLessThan(after);
        });
        // The same round trips as the histogram: its slowest is the log's slowest.
        long slowest = trips.stream().mapToLong(t -> t[1] - t[0]).max().orElseThrow() / 1000;
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) r.get("latency_us");
        assertThat((double) num(latency, "max")).isCloseTo(slowest, org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Test
    void theSlowLogRefusesAThresholdThatIsNotAboveZero() {
        assertThatThrownBy(() -> RequestScenario.run(args("request-bad", "--url=" + gateway.url("/ws"),
                "--slow-log=x.txt", "--slow-threshold=0s"), System.out))
                .hasMessageContaining("--slow-threshold=0s (expected above 0)");
        assertThatThrownBy(() -> RequestScenario.run(args("request-bad", "--url=" + gateway.url("/ws"),
                "--slow-log="), System.out)).hasMessageContaining("--slow-log= names no file");
    }

    @Test
    void summaryOfRunsMadeOutsideCompare() throws Exception {
        broadcastThroughClientPublishToARoom();
        String run = OUT.resolve("broadcast-switchboard.json").toString();
        Path dir = OUT.resolve("summary");
        Compare.summary(new Args(new String[] {"--scenario=broadcast", "--out-dir=" + dir,
                "--results=first:" + run + "+" + run + ",second:" + run}, 0), System.out);
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.path("servers").get(0).path("server").asText()).isEqualTo("first");
        assertThat(summary.path("servers").get(0).path("runs").asInt()).isEqualTo(2);
        assertThat(summary.path("servers").get(1).path("runs").asInt()).isEqualTo(1);
        assertThat(summary.path("ratios").path("first_vs_second").path("throughput").asDouble()).isEqualTo(1.0);
        assertThat(Files.readString(dir.resolve("latency.svg"))).startsWith("<svg");
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> RequestScenario.run(args("request-bad", "--url=" + gateway.url("/ws"),
                "--protocol=mqtt"), System.out)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--protocol=mqtt");
        assertThatThrownBy(() -> Compare.summary(new Args(new String[] {"--out-dir=" + OUT.resolve("bad")}, 0), System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--results");
        assertThatThrownBy(() -> Compare.summary(new Args(new String[] {"--results=no-colon.json"}, 0), System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-colon.json");
        assertThatThrownBy(() -> Compare.main(new Args(new String[] {"--servers=switchboard,apache"}, 0), System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apache");
        assertThatThrownBy(() -> RequestScenario.run(args("request-bad", "--url=" + gateway.url("/ws"),
                "--rate=10", "--pacer=burst"), System.out)).hasMessageContaining("--pacer=burst");
        assertThatThrownBy(() -> BroadcastScenario.run("broadcast", args("broadcast-bad", "--url=" + gateway.url("/ws"),
                "--pacer=burst"), System.out)).hasMessageContaining("--pacer=burst");
        assertThatThrownBy(() -> BroadcastScenario.run("broadcast", args("broadcast-bad", "--url=" + gateway.url("/ws"),
                "--tick=5us"), System.out)).hasMessageContaining("--tick=PT0.000005S (expected: 10us..100ms)");
        assertThatThrownBy(() -> BroadcastScenario.run("broadcast", args("broadcast-bad", "--url=" + gateway.url("/ws"),
                "--tick=soon"), System.out)).hasMessageContaining("--tick=soon (expected a duration");
        assertThatThrownBy(() -> RequestScenario.run(args("request-bad", "--url=" + gateway.url("/ws"),
                "--rate=10", "--tick=1s"), System.out)).hasMessageContaining("--tick=");
        assertThatThrownBy(() -> RequestScenario.run(args("request-bad", "--url=" + gateway.url("/ws"),
                "--flush=sometimes"), System.out)).hasMessageContaining("--flush=sometimes (expected: read or request)");
        assertThatThrownBy(() -> Compare.main(new Args(new String[] {"--servers=switchboard,switchboard-alt",
                "--alt-java-opts=Xmx1g"}, 0), System.out)).hasMessageContaining("'Xmx1g'");
        assertThat(Compare.javaOpts("  -XX:+UseZGC   -Xmx1g ")).containsExactly("-XX:+UseZGC", "-Xmx1g");
        assertThat(Compare.command("switchboard-alt", "b.jar", "hub.js", 2, Compare.javaOpts("-Xmx1g"), null))
                .startsWith(ProcessHandle.current().info().command().orElse("java"), "-Xmx1g", "-cp", "b.jar")
                .noneMatch(a -> a.startsWith("--jwt-secret"));
        // A connect storm with tokens: the gateway verifies them, a hub takes any query and gets no secret.
        assertThat(Compare.command("switchboard", "b.jar", "hub.js", 2, List.of(), "s3cret")).endsWith("--jwt-secret=s3cret");
        assertThat(Compare.command("netty-flush", "b.jar", "hub.js", 2, List.of(), "s3cret"))
                .noneMatch(a -> a.startsWith("--jwt-secret"));
        assertThatThrownBy(() -> Compare.main(new Args(new String[] {"--scenario=storm"}, 0), System.out))
                .hasMessageContaining("--scenario=storm (expected: broadcast, request or connect)");
    }

    @Test
    void idleConnectionsAndServerMemory() throws Exception {
        Map<String, Object> r = IdleScenario.run(args("idle", "--url=" + gateway.url("/ws"), "--clients=20",
                "--duration=0.5s", "--server-pid=" + Sys.selfPid()), System.out);
        assertThat(num(r, "open")).isEqualTo(20);
        assertThat(num(r, "server_rss_after_kib")).isPositive();
    }

    @Test
    void chartFromResults() throws Exception {
        broadcastThroughClientPublishToARoom();
        Path svg = OUT.resolve("chart.svg");
        Chart.main(new Args(new String[] {"--out=" + svg, "--title=smoke"}, 0),
                List.of(OUT.resolve("broadcast-switchboard.json").toString()));
        assertThat(Files.readString(svg)).startsWith("<svg").contains("broadcast-switchboard").contains("p99.9");
    }
}
