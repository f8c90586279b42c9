package dev.switchboard.bench.load;

import dev.switchboard.bench.Args;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code idle}: opens {@code --clients} connections and holds them for {@code --duration}; reads the server's
 * resident memory before and after from {@code /proc/<--server-pid>/status} and, when {@code --metrics-url}
 * is given, the heap and direct-memory lines of its Prometheus text, giving memory per connection.
 */
public final class IdleScenario {

    private IdleScenario() {
    }

    public static Map<String, Object> run(Args a, PrintStream console) throws Exception {
        Common c = new Common("idle", a, console);
        String metricsUrl = a.str("metrics-url", null);
        String apiKey = a.str("api-key", null);
        a.rejectUnknown();
        int[] failed = {0};
        try (Run run = c.newRun("idle"); Clients clients = new Clients(c.url, c.threads, c.sources)) {
            Conn.Listener l = Conn.Listener.counting(failed,
                    conn -> run.recorder.recordValue(Math.max(1, (conn.openedNanos - conn.startedNanos) / 1000)));
            System.gc();
            Thread.sleep(500);
            long rssBefore = c.serverPid > 0 ? Sys.rssKib(c.serverPid) : -1;
            List<String> metricsBefore = metrics(metricsUrl, apiKey);
            long selfBefore = Sys.rssKib(Sys.selfPid());
            run.watchServer();
            run.progress(() -> String.format("open=%d failed=%d srv-rss=%dMiB", clients.openCount(), failed[0],
                    c.serverPid > 0 ? Sys.rssKib(c.serverPid) / 1024 : -1));
            clients.open(c.clients, c.connectRate, c.query(), l, 0, null);
            int open = Common.awaitOpen(clients, c.clients, failed, 60_000);
            Thread.sleep(c.duration.toMillis());
            long rssAfter = c.serverPid > 0 ? Sys.rssKib(c.serverPid) : -1;
            List<String> metricsAfter = metrics(metricsUrl, apiKey);
            run.result.put("open", clients.openCount());
            run.result.put("failed", failed[0]);
            run.result.put("server_rss_before_kib", rssBefore);
            run.result.put("server_rss_after_kib", rssAfter);
            if (rssBefore > 0 && open > 0) {
                run.result.put("server_rss_per_connection_bytes", Math.round((rssAfter - rssBefore) * 1024.0 / open));
            }
            run.result.put("client_rss_per_connection_bytes",
                    open == 0 ? -1 : Math.round((Sys.rssKib(Sys.selfPid()) - selfBefore) * 1024.0 / open));
            if (metricsUrl != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("before", metricsBefore);
                m.put("after", metricsAfter);
                run.result.put("metrics", m);
            }
            return run.finish();
        }
    }

    /** The heap and direct memory lines of a Prometheus text page; empty when none or no URL. */
    static List<String> metrics(String url, String apiKey) {
        List<String> lines = new ArrayList<>();
        if (url == null) {
            return lines;
        }
        try {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
            if (apiKey != null) {
                req.header("Authorization", "Bearer " + apiKey);
            }
            String body = HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (!line.startsWith("#") && (lower.contains("heap") || lower.contains("direct") || lower.contains("connections"))) {
                    lines.add(line);
                }
            }
        } catch (Exception e) {
            lines.add("error: " + e);
        }
        return lines;
    }
}
