package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.bench.load.Run;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code targets-report --dir=D}: the table of issue 6's targets from one {@code benchmarks/targets.sh} run in
 * {@code D}. Each row reads its step's files (compare summaries and result files, the JMH JSON, the idle-memory
 * lines), puts Switchboard's medians beside the reference measured in the same run, and gives a verdict from
 * the target's thresholds: met, missed, "not measured" (the step was not run) or "step failed" (it ran and left
 * no result). Writes {@code D/targets.md} and {@code D/targets.json} and prints the table.
 *
 * <p>{@code --half-echo-rate} prints half the echo hub's median round trips/s from step {@code request}: the
 * offered rate of step {@code request-half}. {@code --smoke} marks every verdict as coming from a smoke run.
 */
public final class TargetsReport {

    /** One row of the table. */
    record Row(String scenario, String target, String step, String measured, String reference, String verdict) {
    }

    private final Path dir;
    private final boolean smoke;

    private TargetsReport(Path dir, boolean smoke) {
        this.dir = dir;
        this.smoke = smoke;
    }

    public static void main(Args a, PrintStream console) throws Exception {
        String d = a.str("dir", null);
        boolean halfRate = a.bool("half-echo-rate", false);
        boolean smoke = a.bool("smoke", false);
        a.rejectUnknown();
        if (d == null || d.isBlank()) {
            throw new IllegalArgumentException("--dir=DIR (a benchmarks/targets.sh output directory) is required");
        }
        Path dir = Path.of(d);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--dir=" + d + ": no such directory");
        }
        TargetsReport r = new TargetsReport(dir, smoke);
        if (halfRate) {
            JsonNode s = r.summary("request");
            if (s == null) {
                throw new IllegalArgumentException("--half-echo-rate: no " + dir.resolve("request/summary.json")
                        + " (run step request first)");
            }
            double echo = median(s, "netty-echo", "round_trips_per_s");
            if (!(echo > 0)) {
                throw new IllegalArgumentException("--half-echo-rate: step request has no echo hub round trips");
            }
            console.println(Math.round(echo / 2));
            return;
        }
        List<Row> rows = r.rows();
        String md = markdown(rows, smoke);
        Files.writeString(dir.resolve("targets.md"), md);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dir", dir.toAbsolutePath().toString());
        json.put("smoke", smoke);
        json.put("rows", rows);
        Run.JSON.writeValue(dir.resolve("targets.json").toFile(), json);
        console.print(md);
        console.println("wrote " + dir.resolve("targets.md") + " and " + dir.resolve("targets.json"));
    }

    static String markdown(List<Row> rows, boolean smoke) {
        StringBuilder b = new StringBuilder();
        if (smoke) {
            b.append("Smoke run: a handful of clients for a second or two. These figures check the instruments; "
                    + "they measure nothing.\n\n");
        }
        b.append("| scenario | target | measured (medians) | reference, same run | verdict | step |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            b.append("| ").append(r.scenario()).append(" | ").append(r.target()).append(" | ").append(r.measured())
                    .append(" | ").append(r.reference()).append(" | ").append(r.verdict()).append(" | `")
                    .append(r.step()).append("` |\n");
        }
        return b.toString();
    }

    List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        rows.add(fanout());
        rows.add(dispatch());
        rows.add(broadcastSaturating());
        rows.add(broadcastRate20());
        rows.add(request());
        rows.add(requestHalf());
        rows.add(requestServerBound());
        rows.add(connectRate());
        rows.add(connectP99());
        rows.add(idle());
        rows.add(clusterThroughput());
        rows.add(clusterAddedP99());
        return rows;
    }

    // --- rows -----------------------------------------------------------------------------------------------

    private Row fanout() throws IOException {
        String scenario = "JMH fan-out to 10,000 sessions";
        String target = "≤ 100 ns and ~0 B per recipient";
        JsonNode b = jmh("FanoutBench.delivery");
        if (b == null) {
            return missing(scenario, target, "jmh");
        }
        double ns = nanos(b.path("primaryMetric"));
        double bytes = gcNorm(b);
        return new Row(scenario, target, "jmh",
                String.format(Locale.ROOT, "**%s ns**, %s B per recipient", score(b), num2(bytes)),
                "—", verdict(3, ns <= 100 && bytes < 1));
    }

    private Row dispatch() throws IOException {
        String scenario = "JMH decode + dispatch of `ping`";
        String target = "≤ 1 µs";
        JsonNode b = jmh("DispatchBench.ping");
        if (b == null) {
            return missing(scenario, target, "jmh");
        }
        double ns = nanos(b.path("primaryMetric"));
        return new Row(scenario, target, "jmh",
                String.format(Locale.ROOT, "**%s ns**, %s B per request", score(b), num2(gcNorm(b))),
                "—", verdict(3, ns <= 1000));
    }

    private Row broadcastSaturating() throws IOException {
        String scenario = "broadcast, 10,000 clients, 100 B, saturating";
        String target = "≥ 1.2× Netty + FlushConsolidation, ≥ 3× Node `ws`; figure stated";
        String step = "broadcast-saturating";
        JsonNode s = summary(step);
        if (s == null) {
            return missing(scenario, target, step);
        }
        double sb = median(s, "switchboard", "deliveries_per_s");
        double flush = median(s, "netty-flush", "deliveries_per_s");
        double node = median(s, "node", "deliveries_per_s");
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "**%s deliveries/s** (%s), %s lost; **%s× the flush hub, %s× Node**",
                        num(sb), perRun(s, "switchboard", "deliveries_per_s"), num(sumOverRuns(step, "switchboard", "lost")),
                        ratio(sb / flush), ratio(sb / node)),
                String.format(Locale.ROOT, "flush hub %s (%s); Node %s (%s)", num(flush),
                        perRun(s, "netty-flush", "deliveries_per_s"), num(node), perRun(s, "node", "deliveries_per_s")),
                verdict(s, sb / flush >= 1.2 && sb / node >= 3 && complete(step, "switchboard")));
    }

    private Row broadcastRate20() throws IOException {
        String scenario = "broadcast, 10,000 clients, 20 broadcasts/s (200k deliveries/s)";
        String target = "p99 ≤ 20 ms, p99.9 ≤ 50 ms, no loss";
        String step = "broadcast-rate20";
        JsonNode s = summary(step);
        if (s == null) {
            return missing(scenario, target, step);
        }
        double p99 = median(s, "switchboard", "p99");
        double p999 = median(s, "switchboard", "p99_9");
        double lost = sumOverRuns(step, "switchboard", "lost");
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "%s deliveries/s, **p99 %s, p99.9 %s**, %s lost (worst run %s %%)",
                        num(median(s, "switchboard", "deliveries_per_s")), ms(p99), ms(p999), num(lost),
                        num2(maxOverRuns(step, "switchboard", "loss_pct"))),
                String.format(Locale.ROOT, "flush hub: p99 %s, p99.9 %s, %s lost", ms(median(s, "netty-flush", "p99")),
                        ms(median(s, "netty-flush", "p99_9")), num(sumOverRuns(step, "netty-flush", "lost"))),
                partial(s, lost == 0 && complete(step, "switchboard"), "no loss", p99 <= 20_000 && p999 <= 50_000, "latency"));
    }

    private Row request() throws IOException {
        return requestAgainstEcho("request/reply, 1,000 connections, depth 4, a write per request", "request");
    }

    private Row requestServerBound() throws IOException {
        return requestAgainstEcho("request/reply, as above, the generator flushing once per read (server-bound)",
                "request-server-bound");
    }

    /** Closed-loop round trips against the echo hub's, with each server's CPU beside them. */
    private Row requestAgainstEcho(String scenario, String step) throws IOException {
        String target = "≥ 1.0× the Netty echo hub's round trips/s";
        JsonNode s = summary(step);
        if (s == null) {
            return missing(scenario, target, step);
        }
        double sb = median(s, "switchboard", "round_trips_per_s");
        double echo = median(s, "netty-echo", "round_trips_per_s");
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "**%s round trips/s** (%s) = **%s× the echo**; server CPU %s%%, %s µs per round trip",
                        num(sb), perRun(s, "switchboard", "round_trips_per_s"), ratio(sb / echo),
                        num(median(s, "switchboard", "server_cpu_pct")), us(median(s, "switchboard", "server_cpu_ns_per_item"))),
                String.format(Locale.ROOT, "echo hub %s (%s), server CPU %s%%, %s µs per round trip", num(echo),
                        perRun(s, "netty-echo", "round_trips_per_s"), num(median(s, "netty-echo", "server_cpu_pct")),
                        us(median(s, "netty-echo", "server_cpu_ns_per_item"))),
                verdict(s, sb / echo >= 1.0 && complete(step, "switchboard")));
    }

    private Row requestHalf() throws IOException {
        String scenario = "request/reply at half the echo's rate, open loop";
        String target = "p99 ≤ 2 ms";
        String step = "request-half";
        JsonNode s = summary(step);
        if (s == null) {
            return missing(scenario, target, step);
        }
        double p99 = median(s, "switchboard", "p99");
        double offered = firstRun(step, "switchboard").path("offered_per_s").asDouble(Double.NaN);
        // A request refused because its connection had --depth in flight never got a latency: a server that
        // falls behind would otherwise look fast. The target holds only if every offer was sent.
        double refused = sumOverRuns(step, "switchboard", "refused_offers");
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "at %s/s offered: %s round trips/s, **p99 %s** (%s), %s offers refused, "
                                + "server CPU %s%%", num(offered), num(median(s, "switchboard", "round_trips_per_s")), ms(p99),
                        perRunMs(step, "switchboard", "p99"), num(refused), num(median(s, "switchboard", "server_cpu_pct"))),
                String.format(Locale.ROOT, "echo hub: p99 %s (%s), %s offers refused, server CPU %s%%",
                        ms(median(s, "netty-echo", "p99")), perRunMs(step, "netty-echo", "p99"),
                        num(sumOverRuns(step, "netty-echo", "refused_offers")), num(median(s, "netty-echo", "server_cpu_pct"))),
                verdict(s, p99 <= 2_000 && refused == 0 && complete(step, "switchboard")));
    }

    private Row connectRate() throws IOException {
        String scenario = "connect storm, HS256 JWT, 10,000/s offered";
        String target = "≥ 8,000 handshakes/s";
        String step = "connect-10k";
        JsonNode s = summary(step);
        if (s == null) {
            return missing(scenario, target, step);
        }
        double sb = median(s, "switchboard", "handshakes_per_s");
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "**%s handshakes/s** (%s), p99 %s, %s of %s opened", num(sb),
                        perRun(s, "switchboard", "handshakes_per_s"), ms(median(s, "switchboard", "p99")),
                        num(sumOverRuns(step, "switchboard", "opened")), num(sumOverRuns(step, "switchboard", "clients"))),
                String.format(Locale.ROOT, "flush hub, no auth: %s (%s), p99 %s", num(median(s, "netty-flush", "handshakes_per_s")),
                        perRun(s, "netty-flush", "handshakes_per_s"), ms(median(s, "netty-flush", "p99"))),
                verdict(s, sb >= 8_000 && complete(step, "switchboard")));
    }

    private Row connectP99() throws IOException {
        String scenario = "connect storm, HS256 JWT, 5,000/s offered";
        String target = "p99 ≤ 20 ms";
        String step = "connect-5k";
        JsonNode s = summary(step);
        if (s == null) {
            return missing(scenario, target, step);
        }
        double p99 = median(s, "switchboard", "p99");
        // The target's runs stop reading after the 101 (targets.sh): the same storm read through is measured in
        // the step's reading/ directory, when it ran, and shown beside it.
        String readStep = step + "/reading";
        JsonNode reading = summary(readStep);
        String readingFigure = reading == null
                ? Files.isDirectory(dir.resolve(readStep)) ? "; the storm read through (same step) did not complete" : ""
                : String.format(Locale.ROOT,
                "; the generator reading every frame after the 101 (same step): p99 %s (%s), tcp phase p99 %s",
                ms(median(reading, "switchboard", "p99")), perRunMs(readStep, "switchboard", "p99"),
                ms(phaseP99(readStep, "switchboard", "tcp")));
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "%s handshakes/s, **p99 %s** (%s), p50 %s, the generator not reading "
                                + "after the 101; phases' p99: tcp %s (connect() to established: no server code, shared cores), answer %s%s",
                        num(median(s, "switchboard", "handshakes_per_s")), ms(p99), perRunMs(step, "switchboard", "p99"),
                        ms(median(s, "switchboard", "p50")), ms(phaseP99(step, "switchboard", "tcp")),
                        ms(phaseP99(step, "switchboard", "answer")), readingFigure),
                String.format(Locale.ROOT, "flush hub, no auth: p99 %s (%s)", ms(median(s, "netty-flush", "p99")),
                        perRunMs(step, "netty-flush", "p99")),
                verdict(s, p99 <= 20_000 && complete(step, "switchboard")));
    }

    /** The median over the runs of one connect phase's p99 (µs); NaN when a run lacks it. */
    private double phaseP99(String step, String server, String phase) throws IOException {
        List<JsonNode> runs = new ArrayList<>();
        for (JsonNode r : runFiles(step, server)) {
            JsonNode p = r.path("phases_us").path(phase);
            if (!p.path("p99").isNumber()) {
                return Double.NaN;
            }
            runs.add(p);
        }
        return median(runs, "p99");
    }

    private Row idle() throws IOException {
        String scenario = "idle, 15,000 connections (the systemd unit's JVM settings)";
        String target = "heap + direct ≤ 4 KB; RSS growth ≤ 8 KB per connection";
        String step = "idle";
        Path f = dir.resolve(step).resolve("idle.jsonl");
        if (!Files.exists(f) || failed(step)) {
            return missing(scenario, target, step);
        }
        List<JsonNode> runs = new ArrayList<>();
        for (String line : Files.readAllLines(f)) {
            if (!line.isBlank()) {
                runs.add(Run.JSON.readTree(line));
            }
        }
        double heapDirect = median(runs, "heap_direct_per_conn");
        double rss = median(runs, "rss_growth_per_conn");
        double heap = median(runs, "heap_per_conn");
        // The unit's heap is resident before the baseline (pre-touched), so RSS growth leaves out what the heap
        // grew by: the verdict counts the two together, which is what a sized heap must hold.
        boolean allOpen = !runs.isEmpty()
                && runs.stream().allMatch(r -> r.path("connections").asLong(-1) == r.path("requested").asLong(-2));
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "**heap + direct %s B** (%s), RSS growth %s B (%s), **RSS + heap growth %s B** "
                                + "per connection; %s of %s connections",
                        num(heapDirect), list(runs, "heap_direct_per_conn"), num(rss), list(runs, "rss_growth_per_conn"),
                        num(rss + heap), runs.size() == 1 ? "1 run" : runs.size() + " runs", num(median(runs, "connections"))),
                "— (the systemd unit's JVM: G1, -Xms1g -Xmx1g -XX:+AlwaysPreTouch, MALLOC_ARENA_MAX=2; the heap is "
                        + "resident before the baseline)",
                verdict(runs.size(), heapDirect <= 4096 && rss + heap <= 8192 && allOpen));
    }

    private Row clusterThroughput() throws IOException {
        String scenario = "cross-instance through Redis, saturating";
        String target = "≥ 50k messages/s relayed";
        String step = "cluster-throughput";
        JsonNode s = summary(step);
        if (s == null) {
            return missing(scenario, target, step);
        }
        double clients = Math.max(1, firstRun(step, "redis-b").path("clients").asDouble(1));
        double relayed = median(s, "redis-b", "deliveries_per_s") / clients;
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "**%s messages/s** A → Redis → B (%s deliveries/s to %s receivers), %s",
                        num(relayed), perRun(s, "redis-b", "deliveries_per_s"), num(clients), losses(step, "redis-b")),
                String.format(Locale.ROOT, "one instance, no Redis: %s/s", num(median(s, "local", "deliveries_per_s") / clients)),
                verdict(s, relayed >= 50_000 && sumOverRuns(step, "redis-b", "lost_measured") == 0 && complete(step, "redis-b")));
    }

    private Row clusterAddedP99() throws IOException {
        String scenario = "cross-instance through Redis, 10,000 messages/s";
        String target = "added p99 ≤ 2 ms";
        String step = "cluster-10k";
        JsonNode s = summary(step);
        if (s == null) {
            return missing(scenario, target, step);
        }
        double redis = median(s, "redis-b", "p99");
        double local = median(s, "local", "p99");
        return new Row(scenario, target, step,
                String.format(Locale.ROOT, "p99 %s (%s) against %s on one instance: **+%s**; p50 +%s; %s", ms(redis),
                        perRunMs(step, "redis-b", "p99"), ms(local), ms(redis - local),
                        ms(median(s, "redis-b", "p50") - median(s, "local", "p50")), losses(step, "redis-b")),
                String.format(Locale.ROOT, "one instance, no Redis: p99 %s (%s)", ms(local), perRunMs(step, "local", "p99")),
                verdict(s, redis - local <= 2_000 && sumOverRuns(step, "redis-b", "lost_measured") == 0
                        && complete(step, "redis-b")));
    }

    // --- reading ----------------------------------------------------------------------------------------------

    private Row missing(String scenario, String target, String step) {
        boolean ran = Files.isDirectory(dir.resolve(step));
        return new Row(scenario, target, step, "—", "—", ran ? "step failed: see " + step + "/step.log" : "not measured");
    }

    /** The step's summary, or null when it has none or the step failed (targets.sh leaves a FAILED file). */
    JsonNode summary(String step) throws IOException {
        Path f = dir.resolve(step).resolve("summary.json");
        return Files.exists(f) && !failed(step) ? Run.JSON.readTree(f.toFile()) : null;
    }

    private boolean failed(String step) {
        return Files.exists(dir.resolve(step).resolve("FAILED"));
    }

    /** A verdict from a compare summary: the fewest runs of any server in it decides whether it may stand. */
    private String verdict(JsonNode summary, boolean met) {
        int runs = Integer.MAX_VALUE;
        for (JsonNode server : summary.path("servers")) {
            runs = Math.min(runs, server.path("runs").asInt(0));
        }
        return verdict(runs == Integer.MAX_VALUE ? 0 : runs, met);
    }

    /** ✔ or ✘; with fewer than 3 runs (the issue asks for medians of at least 3) it says so. */
    private String verdict(int runs, boolean met) {
        return (met ? "✔" : "✘") + qualifier(runs);
    }

    private String partial(JsonNode summary, boolean a, String aName, boolean b, String bName) {
        String v = a && b ? "✔" : !a && !b ? "✘" : (a ? aName + " ✔, " + bName + " ✘" : aName + " ✘, " + bName + " ✔");
        String q = verdict(summary, true);
        return v + q.substring(1);
    }

    private String qualifier(int runs) {
        if (smoke) {
            return " (smoke)";
        }
        return runs < 3 ? " (" + runs + (runs == 1 ? " run" : " runs") + "; medians of 3 or more needed)" : "";
    }

    /**
     * Every run of {@code server} in {@code step} had all of its clients: none failed to connect or timed out
     * ({@code open} or {@code opened} equals {@code clients}), and no request got an error.
     */
    private boolean complete(String step, String server) throws IOException {
        List<JsonNode> runs = runFiles(step, server);
        return !runs.isEmpty() && runs.stream().allMatch(r -> {
            long clients = r.path("clients").asLong(-1);
            long open = r.has("opened") ? r.path("opened").asLong(-2) : r.path("open").asLong(-2);
            return open == clients && r.path("failed").asLong(-1) == 0 && r.path("errors").asLong(0) == 0;
        });
    }

    private JsonNode jmh(String name) throws IOException {
        Path f = dir.resolve("jmh").resolve("jmh.json");
        if (!Files.exists(f) || failed("jmh")) {
            return null;
        }
        for (JsonNode b : Run.JSON.readTree(f.toFile())) {
            if (b.path("benchmark").asText().endsWith("." + name)) {
                return b;
            }
        }
        return null;
    }

    /** The result files of one server in one step: {@code <server>-run<k>.json}, in run order. */
    private List<JsonNode> runFiles(String step, String server) throws IOException {
        List<JsonNode> runs = new ArrayList<>();
        for (int k = 1; ; k++) {
            Path f = dir.resolve(step).resolve(server + "-run" + k + ".json");
            if (!Files.exists(f)) {
                return runs;
            }
            runs.add(Run.JSON.readTree(f.toFile()));
        }
    }

    private JsonNode firstRun(String step, String server) throws IOException {
        List<JsonNode> runs = runFiles(step, server);
        return runs.isEmpty() ? Run.JSON.createObjectNode() : runs.get(0);
    }

    /**
     * "N lost (M after the warm-up)": deliveries missing over whole runs, and of the messages whose latency counts.
     * A latency or a throughput figure holds only with none lost after the warm-up; the target that asks for no
     * loss at all (20 broadcasts/s) counts every run whole.
     */
    private String losses(String step, String server) throws IOException {
        return num(sumOverRuns(step, server, "lost")) + " lost (" + num(sumOverRuns(step, server, "lost_measured"))
                + " after the warm-up)";
    }

    /** The largest value of {@code field} over the runs; NaN when a run lacks it (so no threshold passes). */
    private double maxOverRuns(String step, String server, String field) throws IOException {
        double[] v = runFiles(step, server).stream().mapToDouble(r -> value(r, field)).toArray();
        return v.length == 0 || Arrays.stream(v).anyMatch(Double::isNaN) ? Double.NaN : Arrays.stream(v).max().getAsDouble();
    }

    /** The sum of {@code field} over the runs; NaN when there are none or a run lacks it. */
    private double sumOverRuns(String step, String server, String field) throws IOException {
        List<JsonNode> runs = runFiles(step, server);
        return runs.isEmpty() ? Double.NaN : runs.stream().mapToDouble(r -> value(r, field)).sum();
    }

    private static double value(JsonNode r, String field) {
        JsonNode v = r.path(field);
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }

    private String perRunMs(String step, String server, String percentile) throws IOException {
        return String.join(" / ", runFiles(step, server).stream()
                .map(r -> ms(r.path("latency_us").path(percentile).asDouble(Double.NaN))).toList());
    }

    static double median(JsonNode summary, String server, String field) {
        for (JsonNode s : summary.path("servers")) {
            if (s.path("server").asText().equals(server)) {
                JsonNode v = s.path("median").path(field);
                return v.isNumber() ? v.asDouble() : Double.NaN;
            }
        }
        return Double.NaN;
    }

    static String perRun(JsonNode summary, String server, String rateKey) {
        for (JsonNode s : summary.path("servers")) {
            if (s.path("server").asText().equals(server)) {
                List<String> v = new ArrayList<>();
                s.path(rateKey + "_per_run").forEach(n -> v.add(num(n.asDouble())));
                return String.join(" / ", v);
            }
        }
        return "—";
    }

    static double median(List<JsonNode> runs, String field) {
        double[] v = runs.stream().mapToDouble(r -> r.path(field).asDouble(Double.NaN)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String list(List<JsonNode> runs, String field) {
        return String.join(" / ", runs.stream().map(r -> num(r.path(field).asDouble(Double.NaN))).toList());
    }

    /** A JMH score and its error in nanoseconds, e.g. {@code 69 ± 36}; the error is left out when JMH gave none. */
    static String score(JsonNode benchmark) {
        JsonNode m = benchmark.path("primaryMetric");
        double error = m.path("scoreError").asDouble(Double.NaN) * scale(m);
        return num(nanos(m)) + (Double.isNaN(error) ? "" : " ± " + num(error));
    }

    /** A JMH score in nanoseconds, whatever the time unit it was reported in. */
    static double nanos(JsonNode metric) {
        return metric.path("score").asDouble(Double.NaN) * scale(metric);
    }

    private static double scale(JsonNode metric) {
        String unit = metric.path("scoreUnit").asText();
        return switch (unit) {
            case "ns/op" -> 1;
            case "us/op" -> 1e3;
            case "ms/op" -> 1e6;
            case "s/op" -> 1e9;
            default -> throw new IllegalArgumentException("JMH unit " + unit + " (expected a time per operation)");
        };
    }

    /** Bytes allocated per operation ({@code -prof gc}); NaN when the profiler was not on. */
    private static double gcNorm(JsonNode benchmark) {
        JsonNode secondary = benchmark.path("secondaryMetrics");
        for (String name : iterable(secondary)) {
            if (name.endsWith("gc.alloc.rate.norm")) {
                return secondary.path(name).path("score").asDouble(Double.NaN);
            }
        }
        return Double.NaN;
    }

    private static Iterable<String> iterable(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static String num(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%,.0f", v);
    }

    static String num2(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.2f", v);
    }

    /** A ratio to 2 decimals, or 3 within 1 % of 1.0, where 2 would round 0.998 up to the target's 1.00. */
    static String ratio(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "—";
        }
        return String.format(Locale.ROOT, Math.abs(v - 1) < 0.01 ? "%.3f" : "%.2f", v);
    }

    static String us(double nanos) {
        return Double.isNaN(nanos) ? "—" : String.format(Locale.ROOT, "%.2f", nanos / 1000);
    }

    /** Microseconds as milliseconds, e.g. {@code 1.84 ms}, {@code 340 ms}. */
    static String ms(double micros) {
        if (Double.isNaN(micros)) {
            return "—";
        }
        double m = micros / 1000;
        return Math.abs(m) >= 100 ? String.format(Locale.ROOT, "%.0f ms", m) : String.format(Locale.ROOT, "%.2f ms", m);
    }
}
