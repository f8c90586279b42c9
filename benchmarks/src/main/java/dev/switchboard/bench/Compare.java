package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.bench.load.BroadcastScenario;
import dev.switchboard.bench.load.ConnectScenario;
import dev.switchboard.bench.load.RequestScenario;
import dev.switchboard.bench.load.Run;
import dev.switchboard.bench.load.Sys;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code compare}: runs one scenario against Switchboard and the reference servers in the same session,
 * {@code --runs} times round-robin (so a disturbance of the shared machine hits every server alike), each
 * server a fresh child process; prints the medians and the ratios Switchboard / reference, with the load
 * generator's own CPU% and the server's beside each figure, and writes a summary JSON and an SVG chart.
 *
 * <p>Servers: {@code switchboard} (this jar's {@code gateway}: core with the default pipeline, client publish
 * on {@code bench*}), {@code netty-flush}, {@code netty-plain} (this jar's {@code hub}), {@code node}
 * ({@code node-hub/hub.js}, after {@code npm ci}), and {@code switchboard-alt}: the {@code gateway} of another
 * build's jar ({@code --alt-jar}), to measure a change to core against the current one in the same session.
 * Any other option goes to the scenario.
 */
public final class Compare {

    private static final Pattern STARTED = Pattern.compile("public=([^\\s]+):(\\d+)");
    private static final List<String> KNOWN = List.of("switchboard", "switchboard-alt", "netty-flush", "netty-plain",
            "netty-echo", "node", "node-echo");

    private Compare() {
    }

    public static void main(Args a, PrintStream console) throws Exception {
        String scenario = a.str("scenario", "broadcast");
        List<String> servers = Arrays.asList(a.str("servers", "switchboard,netty-flush,node").split(","));
        int runs = a.integer("runs", 3);
        int serverThreads = a.integer("server-threads", 2);
        String nodeHub = a.str("node-hub", findNodeHub());
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path outDir = Path.of(a.str("out-dir", "results/compare-" + scenario + "-" + stamp));
        String title = a.str("title", null);
        String altJarOption = a.str("alt-jar", null);
        List<String> serverJavaOpts = javaOpts(a.str("server-java-opts", ""));
        List<String> altJavaOpts = javaOpts(a.str("alt-java-opts", ""));
        for (String s : servers) {
            if (!KNOWN.contains(s)) {
                throw new IllegalArgumentException("--servers: " + s + " (expected some of " + KNOWN + ")");
            }
        }
        if (!List.of("broadcast", "request", "connect").contains(scenario)) {
            throw new IllegalArgumentException("--scenario=" + scenario + " (expected: broadcast, request or connect)");
        }
        Map<String, String> pass = new LinkedHashMap<>(a.all());
        for (String k : List.of("scenario", "servers", "runs", "server-threads", "node-hub", "out-dir", "title", "alt-jar",
                "server-java-opts", "alt-java-opts")) {
            pass.remove(k);
        }
        Files.createDirectories(outDir);
        String jar = new File(Compare.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        // switchboard-alt is another build (--alt-jar), or this one with other JVM options (--alt-java-opts).
        String altJar = altJarOption != null ? altJarOption : altJavaOpts.isEmpty() ? null : jar;
        Map<String, List<JsonNode>> results = new LinkedHashMap<>();
        for (int run = 1; run <= runs; run++) {
            for (String server : servers) {
                console.printf("%n=== run %d/%d: %s, load %s ===%n", run, runs, server, Sys.loadAverage());
                if (server.equals("switchboard-alt") && altJar == null) {
                    throw new IllegalArgumentException("switchboard-alt needs --alt-jar=PATH (another build's "
                            + "switchboard-bench.jar) or --alt-java-opts=OPTIONS (this build, other JVM options)");
                }
                boolean alt = server.equals("switchboard-alt");
                List<String> cmd = command(server, alt ? altJar : jar, nodeHub, serverThreads,
                        alt ? altJavaOpts : server.equals("switchboard") ? serverJavaOpts : List.of(),
                        pass.get("jwt-secret"));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                try {
                    int port = awaitStart(p, server, console);
                    List<String> args = new ArrayList<>();
                    boolean sb = server.startsWith("switchboard");
                    args.add("--url=ws://127.0.0.1:" + port + (sb ? "/ws" : "/"));
                    if (!scenario.equals("connect")) {
                        args.add("--protocol=" + (sb ? "switchboard" : "raw"));
                    }
                    args.add("--label=" + server);
                    args.add("--server-pid=" + p.pid());
                    args.add("--out=" + outDir.resolve(server + "-run" + run));
                    pass.forEach((k, v) -> args.add("--" + k + "=" + v));
                    Args sa = new Args(args.toArray(String[]::new), 0);
                    Map<String, Object> r = switch (scenario) {
                        case "broadcast" -> BroadcastScenario.run("broadcast", sa, console);
                        case "request" -> RequestScenario.run(sa, console);
                        default -> ConnectScenario.run(sa, console);
                    };
                    results.computeIfAbsent(server, k -> new ArrayList<>()).add(Run.JSON.valueToTree(r));
                } finally {
                    p.destroy();
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
                Thread.sleep(1000);
            }
        }
        summarize(scenario, title, servers, results, outDir, console);
    }

    /**
     * {@code summary}: the medians, ratios, summary.json and chart of runs made outside {@code compare} (for
     * setups it cannot start, such as several instances and Redis: benchmarks/cluster.sh).
     */
    public static void summary(Args a, PrintStream console) throws Exception {
        String scenario = a.str("scenario", "broadcast");
        Path outDir = Path.of(a.str("out-dir", "."));
        String title = a.str("title", null);
        String spec = a.str("results", null);
        a.rejectUnknown();
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--results=label:a.json+b.json,label2:c.json is required");
        }
        Map<String, List<JsonNode>> results = new LinkedHashMap<>();
        for (String group : spec.split(",")) {
            int colon = group.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--results: '" + group + "' is not label:file.json[+file.json]");
            }
            List<JsonNode> runs = new ArrayList<>();
            for (String f : group.substring(colon + 1).split("\\+")) {
                runs.add(Run.JSON.readTree(new File(f)));
            }
            results.put(group.substring(0, colon), runs);
        }
        Files.createDirectories(outDir);
        summarize(scenario, title, new ArrayList<>(results.keySet()), results, outDir, console);
    }

    /** JVM options given as one space-separated option value, e.g. {@code --alt-java-opts="-XX:+UseZGC -Xmx1g"}. */
    static List<String> javaOpts(String value) {
        List<String> opts = new ArrayList<>();
        for (String o : value.trim().split("\\s+")) {
            if (o.isEmpty()) {
                continue;
            }
            if (!o.startsWith("-")) {
                throw new IllegalArgumentException("JVM option '" + o + "' does not start with '-'");
            }
            opts.add(o);
        }
        return opts;
    }

    /**
     * The command that starts {@code server}. A Switchboard server verifies tokens signed with {@code jwtSecret}
     * when the scenario is given one ({@code --jwt-secret}); the reference hubs take any query and check nothing.
     */
    static List<String> command(String server, String jar, String nodeHub, int threads, List<String> javaOpts,
                                String jwtSecret) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return switch (server) {
            case "switchboard", "switchboard-alt" -> {
                List<String> cmd = new ArrayList<>(List.of(java));
                cmd.addAll(javaOpts);
                cmd.addAll(List.of("-cp", jar, "dev.switchboard.bench.Main", "gateway", "--port=0",
                        "--threads=" + threads, "--max-seconds=900"));
                if (jwtSecret != null) {
                    cmd.add("--jwt-secret=" + jwtSecret);
                }
                yield cmd;
            }
            case "netty-flush", "netty-plain", "netty-echo" -> List.of(java, "-cp", jar, "dev.switchboard.bench.Main", "hub",
                    "--variant=" + server.substring(6), "--port=0", "--threads=" + threads, "--max-seconds=900");
            case "node" -> List.of("node", nodeHub, "--port=0", "--max-seconds=900");
            case "node-echo" -> List.of("node", nodeHub, "--port=0", "--mode=echo", "--max-seconds=900");
            default -> throw new IllegalArgumentException(server);
        };
    }

    static String findNodeHub() {
        for (String p : List.of("node-hub/hub.js", "benchmarks/node-hub/hub.js")) {
            if (Files.exists(Path.of(p))) {
                return p;
            }
        }
        return "benchmarks/node-hub/hub.js";
    }

    /** Waits for the start line and returns the public port; echoes the child's output with its name. */
    static int awaitStart(Process p, String name, PrintStream console) throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    console.println("  [" + name + "] " + line);
                    Matcher m = STARTED.matcher(line);
                    if (!port.isDone() && m.find()) {
                        port.complete(Integer.parseInt(m.group(2)));
                    }
                }
            } catch (Exception e) {
                // the child ended
            }
            port.completeExceptionally(new IllegalStateException(name + " exited without a start line"));
        }, "child-" + name);
        t.setDaemon(true);
        t.start();
        return port.get(60, TimeUnit.SECONDS);
    }

    static double median(List<JsonNode> rs, String path) {
        double[] v = rs.stream().mapToDouble(r -> at(r, path)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double at(JsonNode r, String path) {
        JsonNode n = r;
        for (String p : path.split("\\.")) {
            n = n.path(p);
        }
        return n.asDouble(Double.NaN);
    }

    static void summarize(String scenario, String title, List<String> servers, Map<String, List<JsonNode>> results,
                          Path outDir, PrintStream console) throws Exception {
        String rateKey = rateKey(scenario);
        String countKey = switch (scenario) {
            case "broadcast" -> "received";
            case "connect" -> "opened";
            default -> "replies";
        };
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("scenario", scenario);
        summary.put("title", title != null ? title : scenario + ": latency percentiles per server (medians)");
        summary.put("loadavg_end", Sys.loadAverage());
        List<Map<String, Object>> list = new ArrayList<>();
        Map<String, Map<String, Double>> med = new LinkedHashMap<>();
        for (String s : servers) {
            List<JsonNode> rs = results.getOrDefault(s, List.of());
            Map<String, Double> m = new LinkedHashMap<>();
            m.put(rateKey, median(rs, rateKey));
            for (String k : List.of("p50", "p99", "p99_9", "max")) {
                m.put(k, median(rs, "latency_us." + k));
            }
            m.put("loss_pct", median(rs, "loss_pct"));
            // CPU over the measured window when the runs have it (since the fourth session): the warm-up, when the
            // JIT compilers run, is left out, as it is from the throughput. Older result files: the whole run.
            boolean window = rs.stream().allMatch(r -> r.has("server_cpu_ms_window") && r.has("window_items"));
            m.put("client_cpu_pct", median(rs, window ? "client_cpu_pct_window" : "client_cpu_pct"));
            m.put("server_cpu_pct", median(rs, window ? "server_cpu_pct_window" : "server_cpu_pct"));
            // Server CPU per delivery: the efficiency figure when a fixed rate leaves every server unsaturated.
            double[] perItem = rs.stream().mapToDouble(r -> window
                            ? at(r, "server_cpu_ms_window") * 1e6 / Math.max(1, at(r, "window_items"))
                            : at(r, "server_cpu_ms") * 1e6 / Math.max(1, at(r, countKey)))
                    .sorted().toArray();
            m.put("server_cpu_ns_per_item", perItem.length == 0 ? Double.NaN : perItem[perItem.length / 2]);
            med.put(s, m);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("server", s);
            entry.put("runs", rs.size());
            Map<String, Object> mm = new LinkedHashMap<>();
            m.forEach((k, v) -> mm.put(k, Double.isNaN(v) ? null : Math.round(v)));
            entry.put("median", mm);
            entry.put("loadavg_per_run", rs.stream().map(r -> r.path("loadavg_before").asText() + " -> "
                    + r.path("loadavg_after").asText()).toList());
            entry.put(rateKey + "_per_run", rs.stream().map(r -> r.path(rateKey).asLong()).toList());
            list.add(entry);
        }
        summary.put("servers", list);
        String base = servers.get(0);
        Map<String, Object> ratios = new LinkedHashMap<>();
        console.printf("%n%-12s %14s %9s %9s %9s %9s %7s %8s %8s %12s%n", "server", rateKey, "p50", "p99", "p99.9", "max",
                "loss%", "cli-cpu", "srv-cpu", "srv-ns/item");
        for (String s : servers) {
            Map<String, Double> m = med.get(s);
            console.printf(Locale.ROOT, "%-12s %14.0f %9s %9s %9s %9s %7.2f %7.0f%% %7.0f%% %12.0f%n", s, m.get(rateKey),
                    ms(m.get("p50")), ms(m.get("p99")), ms(m.get("p99_9")), ms(m.get("max")), m.get("loss_pct"),
                    m.get("client_cpu_pct"), m.get("server_cpu_pct"), m.get("server_cpu_ns_per_item"));
        }
        for (String s : servers) {
            if (s.equals(base)) {
                continue;
            }
            Map<String, Double> b = med.get(base);
            Map<String, Double> r = med.get(s);
            Map<String, Object> ratio = new LinkedHashMap<>();
            ratio.put("throughput", round(b.get(rateKey) / r.get(rateKey)));
            ratio.put("p99_latency", round(r.get("p99") / b.get("p99")));
            ratio.put("server_cpu_per_item", round(r.get("server_cpu_ns_per_item") / b.get("server_cpu_ns_per_item")));
            ratios.put(base + "_vs_" + s, ratio);
            console.printf(Locale.ROOT, "%s vs %s: throughput x%.2f, p99 latency x%.2f better, server CPU per item x%.2f less%n",
                    base, s, ratio.get("throughput"), ratio.get("p99_latency"), ratio.get("server_cpu_per_item"));
        }
        summary.put("ratios", ratios);
        Path json = outDir.resolve("summary.json");
        Run.JSON.writeValue(json.toFile(), summary);
        List<Chart.Series> series = new ArrayList<>();
        for (Map<String, Object> e : list) {
            series.add(Chart.series((String) e.get("server"), Run.JSON.valueToTree(e.get("median")),
                    Run.JSON.valueToTree(e.get("median"))));
        }
        Files.writeString(outDir.resolve("latency.svg"), Chart.svg((String) summary.get("title"), series));
        console.println("wrote " + json + " and " + outDir.resolve("latency.svg"));
    }

    /** The throughput figure of a scenario's result files. */
    static String rateKey(String scenario) {
        return switch (scenario) {
            case "broadcast" -> "deliveries_per_s";
            case "connect" -> "handshakes_per_s";
            default -> "round_trips_per_s";
        };
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String ms(Double micros) {
        return micros == null || micros.isNaN() ? "-" : Run.ms(Math.round(micros));
    }
}
