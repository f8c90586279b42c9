package dev.switchboard.bench.load;

import dev.switchboard.bench.Args;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.function.IntFunction;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Options every scenario shares, with their bounds. */
public final class Common {

    public final URI url;
    public final int clients;
    public final int sources;
    public final int threads;
    public final double connectRate;
    public final Duration duration;
    public final int maxConnections;
    public final String label;
    public final Path out;
    public final long serverPid;
    public final String jwtSecret;
    public final PrintStream console;

    public Common(String scenario, Args a, PrintStream console) {
        this.console = console;
        url = URI.create(a.str("url", "ws://127.0.0.1:8085/ws"));
        maxConnections = a.integer("max-connections", 19_000);
        clients = a.integer("clients", 100);
        if (clients < 1 || clients > maxConnections) {
            throw new IllegalArgumentException("--clients=" + clients + " (expected: 1.." + maxConnections
                    + "; one process holds ~19k connections, see --max-connections)");
        }
        sources = a.integer("sources", 4);
        threads = a.integer("threads", 2);
        connectRate = a.dbl("connect-rate", 2000);
        duration = a.duration("duration", Duration.ofSeconds(10));
        if (duration.compareTo(Duration.ofMinutes(30)) > 0) {
            throw new IllegalArgumentException("--duration=" + duration + " (expected: at most 30 minutes)");
        }
        label = a.str("label", url.getHost() + "-" + url.getPort());
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        out = Path.of(a.str("out", "results/" + scenario + "-" + label.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + stamp));
        serverPid = a.integer("server-pid", -1);
        jwtSecret = a.str("jwt-secret", null);
    }

    /** The query of connection {@code i}: an HS256 token for user {@code u<i>} when a secret was given. */
    public IntFunction<String> query() {
        if (jwtSecret == null) {
            return i -> null;
        }
        return i -> "token=" + jwt(jwtSecret, "u" + i) + "&user_id=u" + i;
    }

    /** Mints an HS256 JWT for {@code subject}, valid for an hour. */
    public static String jwt(String secret, String subject) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        long now = System.currentTimeMillis() / 1000;
        String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"sub\":\"" + subject + "\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}")
                .getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String signed = header + "." + claims;
            return signed + "." + b64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Run newRun(String scenario) throws java.io.IOException {
        Run run = new Run(scenario, label, out, serverPid, console);
        run.result.put("url", url.toString());
        run.result.put("clients", clients);
        run.result.put("sources", sources);
        run.result.put("client_threads", threads);
        return run;
    }

    /** Waits until every connection in {@code clients} is open or failed, at most {@code timeoutMillis}. */
    public static int awaitOpen(Clients c, int expected, int[] failed, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        int open;
        while ((open = c.openCount()) + failed[0] < expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        return open;
    }
}
