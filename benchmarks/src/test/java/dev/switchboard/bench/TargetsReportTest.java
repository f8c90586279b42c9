package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code targets-report} turns the files of one {@code targets.sh} run into the targets table: the figures and
 * ratios a reader checks against the target, and the verdict. The step directories here are made the way the
 * script makes them: result files per run, and {@code summary} over them.
 */
class TargetsReportTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Writes {@code <server>-run<k>.json} for each map and the step's summary.json, as compare does. */
    void step(String step, String scenario, Map<String, List<Map<String, Object>>> runsByServer) throws Exception {
        Path d = Files.createDirectories(dir.resolve(step));
        List<String> groups = new ArrayList<>();
        for (var e : runsByServer.entrySet()) {
            List<String> files = new ArrayList<>();
            int k = 1;
            for (Map<String, Object> r : e.getValue()) {
                Path f = d.resolve(e.getKey() + "-run" + k++ + ".json");
                JSON.writeValue(f.toFile(), r);
                files.add(f.toString());
            }
            groups.add(e.getKey() + ":" + String.join("+", files));
        }
        Compare.summary(new Args(new String[] {"--scenario=" + scenario, "--out-dir=" + d,
                "--results=" + String.join(",", groups)}, 0), new PrintStream(new ByteArrayOutputStream()));
    }

    static Map<String, Object> run(String rateKey, double rate, long p50, long p99, Object... more) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put(rateKey, rate);
        r.put("latency_us", Map.of("p50", p50, "p99", p99, "p99_9", p99 * 2, "max", p99 * 3));
        for (int i = 0; i < more.length; i += 2) {
            r.put((String) more[i], more[i + 1]);
        }
        return r;
    }

    /** A request run in which all 1,000 connections opened and no request failed. */
    static Map<String, Object> rt(double rate, long p99, Object... more) {
        Map<String, Object> r = run("round_trips_per_s", rate, p99 / 4, p99, "server_cpu_ms", 4_000, "replies", 1_000_000,
                "clients", 1_000, "open", 1_000, "failed", 0, "errors", 0);
        for (int i = 0; i < more.length; i += 2) {
            r.put((String) more[i], more[i + 1]);
        }
        return r;
    }

    /** A broadcast run to {@code clients} receivers, all of them open, {@code lost} deliveries missing. */
    static Map<String, Object> bc(double rate, long p99, int clients, long lost) {
        return run("deliveries_per_s", rate, p99 / 4, p99, "clients", clients, "open", clients, "failed", 0,
                "lost", lost, "lost_measured", lost, "loss_pct", Math.round(lost * 10_000.0 / (rate * 15)) / 100.0);
    }

    String report(String... extra) throws Exception {
        List<String> a = new ArrayList<>(List.of("--dir=" + dir));
        a.addAll(List.of(extra));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TargetsReport.main(new Args(a.toArray(String[]::new), 0), new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    static String row(String md, String scenarioStart) {
        return md.lines().filter(l -> l.startsWith("| " + scenarioStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + scenarioStart + " in\n" + md));
    }

    @Test
    void requestRatioIsTheMedianOfEachServerAndDecidesTheVerdict() throws Exception {
        step("request", "request", Map.of(
                "switchboard", List.of(rt(170_000, 40_000), rt(181_000, 42_000), rt(179_000, 41_000)),
                "netty-echo", List.of(rt(178_000, 40_000), rt(175_000, 40_000), rt(190_000, 40_000))));
        String md = report();
        // Medians 179,000 and 178,000: 1.01×, met.
        assertThat(row(md, "request/reply, 1,000")).contains("**179,000 round trips/s**", "(170,000 / 181,000 / 179,000)",
                "**1.006× the echo**", "echo hub 178,000", "| ✔ |", "`request`");
        assertThat(Files.readString(dir.resolve("targets.md"))).isEqualTo(md.substring(0, md.indexOf("wrote ")));
        JsonNode json = JSON.readTree(dir.resolve("targets.json").toFile());
        assertThat(json.path("rows")).hasSize(12);

        step("request", "request", Map.of(
                "switchboard", List.of(rt(160_000, 40_000), rt(170_000, 42_000), rt(165_000, 41_000)),
                "netty-echo", List.of(rt(178_000, 40_000), rt(175_000, 40_000), rt(190_000, 40_000))));
        assertThat(row(report(), "request/reply, 1,000")).contains("**0.93× the echo**", "| ✘ |");

        // 180,000 against 180,300: 0.998, which two decimals would show as the target's 1.00.
        step("request", "request", Map.of("switchboard", List.of(rt(180_000, 1), rt(180_000, 1), rt(180_000, 1)),
                "netty-echo", List.of(rt(180_300, 1), rt(180_300, 1), rt(180_300, 1))));
        assertThat(row(report(), "request/reply, 1,000")).contains("**0.998× the echo**", "| ✘ |");
    }

    @Test
    void halfRateComesFromTheEchoHubsMedianAndIsRefusedWithoutIt() throws Exception {
        assertThatThrownBy(() -> report("--half-echo-rate")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no " + dir.resolve("request/summary.json")).hasMessageContaining("run step request first");
        step("request", "request", Map.of(
                "switchboard", List.of(rt(100_000, 1)),
                "netty-echo", List.of(rt(178_001, 1), rt(170_000, 1), rt(190_000, 1))));
        assertThat(report("--half-echo-rate").trim()).isEqualTo("89001"); // 178,001 / 2, rounded
    }

    @Test
    void rate20IsMissedOnLossEvenWhenTheLatencyHoldsAndTheLossRoundsToZero() throws Exception {
        // 12 of 3,000,000 deliveries: 0.0004 %, which the result file rounds to 0.00 %.
        Map<String, Object> lossy = bc(200_000, 15_000, 10_000, 12);
        Map<String, Object> clean = bc(200_000, 15_000, 10_000, 0);
        assertThat(lossy.get("loss_pct")).isEqualTo(0.0);
        step("broadcast-rate20", "broadcast", Map.of("switchboard", List.of(clean, lossy, clean),
                "netty-flush", List.of(clean, clean, clean)));
        // p99 15 ms and p99.9 30 ms are inside the target.
        assertThat(row(report(), "broadcast, 10,000 clients, 20")).contains("**p99 15.00 ms, p99.9 30.00 ms**",
                "12 lost", "| no loss ✘, latency ✔ |");

        step("broadcast-rate20", "broadcast", Map.of("switchboard", List.of(clean, clean, clean),
                "netty-flush", List.of(clean, clean, clean)));
        assertThat(row(report(), "broadcast, 10,000 clients, 20")).contains("0 lost", "| ✔ |");
    }

    @Test
    void receiversThatNeverConnectedAreNotANoLossRun() throws Exception {
        Map<String, Object> short1 = bc(200_000, 15_000, 10_000, 0);
        short1.put("open", 9_990);
        step("broadcast-rate20", "broadcast", Map.of("switchboard", List.of(short1, short1, short1),
                "netty-flush", List.of(short1, short1, short1)));
        assertThat(row(report(), "broadcast, 10,000 clients, 20")).contains("| no loss ✘, latency ✔ |");
    }

    @Test
    void fewerThanThreeRunsCannotMeetATarget() throws Exception {
        step("request", "request", Map.of("switchboard", List.of(rt(200_000, 1), rt(200_000, 1)),
                "netty-echo", List.of(rt(100_000, 1), rt(100_000, 1), rt(100_000, 1))));
        assertThat(row(report(), "request/reply, 1,000")).contains("| ✔ (2 runs; medians of 3 or more needed) |");
    }

    @Test
    void halfRateP99CountsOnlyIfEveryOfferWasSent() throws Exception {
        Map<String, Object> fast = rt(89_000, 1_500, "offered_per_s", 89_000, "refused_offers", 0);
        step("request-half", "request", Map.of("switchboard", List.of(fast, fast, fast),
                "netty-echo", List.of(fast, fast, fast)));
        assertThat(row(report(), "request/reply at half")).contains("at 89,000/s offered", "**p99 1.50 ms**",
                "0 offers refused", "| ✔ |");

        Map<String, Object> behind = rt(80_000, 1_500, "offered_per_s", 89_000, "refused_offers", 9_000);
        step("request-half", "request", Map.of("switchboard", List.of(fast, behind, fast),
                "netty-echo", List.of(fast, fast, fast)));
        assertThat(row(report(), "request/reply at half")).contains("9,000 offers refused", "| ✘ |");
    }

    @Test
    void aConnectStormMustOpenEveryConnection() throws Exception {
        Map<String, Object> all = run("handshakes_per_s", 9_900, 900, 15_000, "clients", 10_000, "opened", 10_000, "failed", 0);
        Map<String, Object> timedOut = run("handshakes_per_s", 9_900, 900, 15_000, "clients", 10_000, "opened", 9_000,
                "failed", 0);
        step("connect-10k", "connect", Map.of("switchboard", List.of(all, all, all), "netty-flush", List.of(all, all, all)));
        step("connect-5k", "connect", Map.of("switchboard", List.of(all, timedOut, all), "netty-flush", List.of(all, all, all)));
        String md = report();
        assertThat(row(md, "connect storm, HS256 JWT, 10,000")).contains("**9,900 handshakes/s**", "30,000 of 30,000 opened",
                "| ✔ |");
        // p99 15 ms is inside the 20 ms target, but 1,000 connections of one run never opened.
        assertThat(row(md, "connect storm, HS256 JWT, 5,000")).contains("**p99 15.00 ms**", "| ✘ |");
    }

    static Map<String, Object> storm(long p99, long tcpP99, long answerP99) {
        return run("handshakes_per_s", 4_990, 400, p99, "clients", 10_000, "opened", 10_000, "failed", 0,
                "phases_us", Map.of("tcp", Map.of("p99", tcpP99), "answer", Map.of("p99", answerP99)));
    }

    @Test
    void theConnectP99RowShowsItsPhasesAndTheStormReadThrough() throws Exception {
        step("connect-5k", "connect", Map.of(
                "switchboard", List.of(storm(30_000, 1_000, 3_000), storm(12_000, 2_000, 9_000), storm(5_000, 7_000, 12_000)),
                "netty-flush", List.of(storm(3_000, 1_000, 1_000), storm(3_000, 1_000, 1_000), storm(3_000, 1_000, 1_000))));
        // Medians over the runs: p99 12 ms, the tcp phase's p99 2 ms, the answer's 9 ms.
        assertThat(row(report(), "connect storm, HS256 JWT, 5,000")).contains("**p99 12.00 ms**",
                "the generator not reading after the 101", "tcp 2.00 ms", "answer 9.00 ms", "| ✔ |")
                .doesNotContain("read through");

        Path reading = dir.resolve("connect-5k").resolve("reading");
        Files.createDirectories(reading);
        // The read-through compare failed: said so, and the target's verdict stands.
        assertThat(row(report(), "connect storm, HS256 JWT, 5,000")).contains("**p99 12.00 ms**",
                "the storm read through (same step) did not complete", "| ✔ |");

        step("connect-5k/reading", "connect", Map.of("switchboard",
                List.of(storm(30_000, 25_000, 11_000), storm(20_000, 4_000, 15_000), storm(40_000, 30_000, 9_000))));
        assertThat(row(report(), "connect storm, HS256 JWT, 5,000")).contains("**p99 12.00 ms**",
                "reading every frame after the 101 (same step): p99 30.00 ms (30.00 ms / 20.00 ms / 40.00 ms), "
                        + "tcp phase p99 25.00 ms", "| ✔ |");
    }

    @Test
    void aConnectPhaseMissingFromARunIsNotReadAsAFigure() throws Exception {
        Map<String, Object> noPhases = run("handshakes_per_s", 4_990, 400, 12_000, "clients", 10_000, "opened", 10_000,
                "failed", 0);
        step("connect-5k", "connect", Map.of(
                "switchboard", List.of(storm(12_000, 2_000, 9_000), noPhases, storm(12_000, 2_000, 9_000)),
                "netty-flush", List.of(noPhases, noPhases, noPhases)));
        assertThat(row(report(), "connect storm, HS256 JWT, 5,000")).contains("tcp — (", "answer —");
    }

    @Test
    void relayedMessagesAreDeliveriesPerReceiver() throws Exception {
        step("cluster-throughput", "broadcast", Map.of(
                "local", List.of(bc(240_000, 1, 4, 0), bc(240_000, 1, 4, 0), bc(240_000, 1, 4, 0)),
                "redis-b", List.of(bc(220_000, 1, 4, 0), bc(200_000, 1, 4, 0), bc(180_000, 1, 4, 0))));
        // 200,000 deliveries/s to 4 receivers: 50,000 messages relayed a second, at the target.
        assertThat(row(report(), "cross-instance through Redis, saturating")).contains("**50,000 messages/s**",
                "to 4 receivers", "one instance, no Redis: 60,000/s", "| ✔ |");
    }

    @Test
    void saturatingBroadcastNeedsBothRatios() throws Exception {
        List<Map<String, Object>> sb = List.of(bc(300_000, 2, 10_000, 0), bc(290_000, 2, 10_000, 0), bc(310_000, 2, 10_000, 0));
        List<Map<String, Object>> flush = List.of(bc(200_000, 2, 10_000, 0), bc(200_000, 2, 10_000, 0), bc(200_000, 2, 10_000, 0));
        step("broadcast-saturating", "broadcast", Map.of("switchboard", sb, "netty-flush", flush,
                "node", List.of(bc(110_000, 2, 10_000, 0), bc(110_000, 2, 10_000, 0), bc(110_000, 2, 10_000, 0))));
        // 1.5× the flush hub (≥ 1.2) but 2.73× Node (< 3).
        assertThat(row(report(), "broadcast, 10,000 clients, 100 B")).contains("**300,000 deliveries/s** (300,000 / 290,000 / 310,000)",
                "**1.50× the flush hub, 2.73× Node**", "| ✘ |");
        step("broadcast-saturating", "broadcast", Map.of("switchboard", sb, "netty-flush", flush,
                "node", List.of(bc(90_000, 2, 10_000, 0), bc(90_000, 2, 10_000, 0), bc(90_000, 2, 10_000, 0))));
        assertThat(row(report(), "broadcast, 10,000 clients, 100 B")).contains("3.33× Node**", "| ✔ |");
    }

    @Test
    void clusterAddedLatencyIsTheDifferenceOfTheMedians() throws Exception {
        Map<String, Object> alone = bc(40_000, 1_000, 4, 0);
        Map<String, Object> alone2 = bc(40_000, 1_200, 4, 0);
        step("cluster-10k", "broadcast", Map.of("local", List.of(alone, alone2, alone, alone2),
                "redis-b", List.of(bc(40_000, 2_900, 4, 0), bc(40_000, 3_500, 4, 0), bc(40_000, 2_900, 4, 0),
                        bc(40_000, 3_500, 4, 0))));
        // Medians of 4: 1.1 ms alone, 3.2 ms through Redis: +2.10 ms, over the 2 ms target.
        assertThat(row(report(), "cross-instance through Redis, 10,000")).contains("**+2.10 ms**", "| ✘ |");
        step("cluster-10k", "broadcast", Map.of("local", List.of(alone, alone2, alone, alone2),
                "redis-b", List.of(bc(40_000, 2_900, 4, 0), bc(40_000, 2_900, 4, 0), bc(40_000, 3_000, 4, 0),
                        bc(40_000, 3_000, 4, 0))));
        assertThat(row(report(), "cross-instance through Redis, 10,000")).contains("**+1.85 ms**", "0 lost (0 after the warm-up)",
                "| ✔ |");

        // Deliveries dropped in the warm-up (a cold generator reading slowly is a slow consumer) do not touch
        // the measured latency; one dropped after it has no latency to count, and the figure does not hold.
        Map<String, Object> warmupDrops = bc(40_000, 2_900, 4, 1_952);
        warmupDrops.put("lost_measured", 0);
        Map<String, Object> measuredDrop = bc(40_000, 2_900, 4, 4);
        step("cluster-10k", "broadcast", Map.of("local", List.of(alone, alone2, alone),
                "redis-b", List.of(warmupDrops, bc(40_000, 2_900, 4, 0), bc(40_000, 2_900, 4, 0))));
        assertThat(row(report(), "cross-instance through Redis, 10,000")).contains("1,952 lost (0 after the warm-up)", "| ✔ |");
        step("cluster-10k", "broadcast", Map.of("local", List.of(alone, alone2, alone),
                "redis-b", List.of(warmupDrops, measuredDrop, bc(40_000, 2_900, 4, 0))));
        assertThat(row(report(), "cross-instance through Redis, 10,000")).contains("1,956 lost (4 after the warm-up)", "| ✘ |");
    }

    @Test
    void jmhScoresInMicrosecondsAreReadAsNanoseconds() throws Exception {
        Path d = Files.createDirectories(dir.resolve("jmh"));
        Files.writeString(d.resolve("jmh.json"), """
                [ { "benchmark" : "dev.switchboard.bench.jmh.FanoutBench.delivery",
                    "primaryMetric" : { "score" : 0.069, "scoreError" : 0.036, "scoreUnit" : "us/op" },
                    "secondaryMetrics" : { "gc.alloc.rate.norm" : { "score" : 0.04, "scoreUnit" : "B/op" } } },
                  { "benchmark" : "dev.switchboard.bench.jmh.DispatchBench.ping",
                    "primaryMetric" : { "score" : 1200.0, "scoreError" : "NaN", "scoreUnit" : "ns/op" },
                    "secondaryMetrics" : { } } ]
                """);
        String md = report();
        assertThat(row(md, "JMH fan-out")).contains("**69 ± 36 ns**, 0.04 B per recipient", "| ✔ |");
        assertThat(row(md, "JMH decode")).contains("**1,200 ns**, — B per request", "| ✘ |");
    }

    @Test
    void idleTakesTheMedianOfItsRuns() throws Exception {
        Path d = Files.createDirectories(dir.resolve("idle"));
        Files.writeString(d.resolve("idle.jsonl"), """
                {"round":1,"requested":15000,"connections":15000,"heap_per_conn":2200,"direct_per_conn":280,"heap_direct_per_conn":2480,"rss_growth_per_conn":9000}
                {"round":1,"requested":15000,"connections":15000,"heap_per_conn":2100,"direct_per_conn":280,"heap_direct_per_conn":2380,"rss_growth_per_conn":2500}
                {"round":1,"requested":15000,"connections":15000,"heap_per_conn":2300,"direct_per_conn":280,"heap_direct_per_conn":2580,"rss_growth_per_conn":3000}
                """);
        // RSS growth 3,000 B and heap growth 2,200 B: 5,200 B together, inside 8 KB.
        assertThat(row(report(), "idle")).contains("**heap + direct 2,480 B** (2,480 / 2,380 / 2,580)",
                "RSS growth 3,000 B (9,000 / 2,500 / 3,000)", "**RSS + heap growth 5,200 B**", "3 runs of 15,000", "| ✔ |");

        Files.writeString(d.resolve("idle.jsonl"), """
                {"round":1,"requested":15000,"connections":15000,"heap_per_conn":2200,"direct_per_conn":280,"heap_direct_per_conn":2480,"rss_growth_per_conn":6000}
                {"round":1,"requested":15000,"connections":15000,"heap_per_conn":2200,"direct_per_conn":280,"heap_direct_per_conn":2480,"rss_growth_per_conn":6000}
                {"round":1,"requested":15000,"connections":14000,"heap_per_conn":2200,"direct_per_conn":280,"heap_direct_per_conn":2480,"rss_growth_per_conn":6000}
                """);
        // 8,200 B together, and one run held 14,000 of 15,000.
        assertThat(row(report(), "idle")).contains("**RSS + heap growth 8,200 B**", "| ✘ |");
    }

    @Test
    void stepsNotRunAndStepsThatFailedAreToldApart() throws Exception {
        Files.createDirectories(dir.resolve("connect-10k"));
        // A step that wrote its summary and failed afterwards (targets.sh leaves FAILED) is not believed either.
        Map<String, Object> all = run("round_trips_per_s", 1, 1, 1, "clients", 1, "open", 1, "failed", 0);
        step("request", "request", Map.of("switchboard", List.of(all, all, all), "netty-echo", List.of(all, all, all)));
        Files.writeString(dir.resolve("request").resolve("FAILED"), "1\n");
        String md = report("--smoke");
        assertThat(md).startsWith("Smoke run");
        assertThat(row(md, "connect storm, HS256 JWT, 10,000")).contains("step failed: see connect-10k/step.log");
        assertThat(row(md, "connect storm, HS256 JWT, 5,000")).contains("| not measured |");
        assertThat(row(md, "request/reply, 1,000")).contains("step failed: see request/step.log");
    }

    @Test
    void refusesAMissingDirectory() {
        assertThatThrownBy(() -> TargetsReport.main(new Args(new String[0], 0), System.out))
                .hasMessageContaining("--dir=DIR");
        assertThatThrownBy(() -> TargetsReport.main(new Args(new String[] {"--dir=" + dir.resolve("nope")}, 0), System.out))
                .hasMessageContaining("no such directory");
        assertThatThrownBy(() -> TargetsReport.main(new Args(new String[] {"--dir=" + dir, "--bogus=1"}, 0), System.out))
                .hasMessageContaining("bogus");
    }
}
