package dev.switchboard.app.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.app.Signer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP application for tests (the JDK's server on a free loopback port, a thread per request so a
 * hanging answer holds only its own thread). Records every request and checks its signature.
 */
public final class TestBackend implements AutoCloseable {

    /** The shared secret of the tests. */
    public static final String SECRET = "app-secret-for-tests-at-least-32-bytes!";

    /** One request as the application saw it. */
    public record Received(String path, Map<String, String> headers, byte[] body, boolean signatureValid) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** An answer: status, body, and how long to wait before answering. */
    public record Answer(int status, String contentType, String body, Duration delay) {
        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, Duration.ZERO);
        }

        public Answer after(Duration d) {
            return new Answer(status, contentType, body, d);
        }
    }

    /** Decides an answer. */
    @FunctionalInterface
    public interface Route {
        Answer answer(Received request) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<Received> all = new CopyOnWriteArrayList<>();
    private final Signer signer = new Signer(SECRET);

    public TestBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers requests whose path starts with {@code prefix} (longest prefix wins). */
    public TestBackend route(String prefix, Route route) {
        routes.put(prefix, route);
        return this;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Returns the next request, waiting up to {@code timeout}. */
    public Received next(Duration timeout) throws InterruptedException {
        Received r = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new AssertionError("no request within " + timeout);
        }
        return r;
    }

    /** Returns every request so far. */
    public List<Received> all() {
        return all;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> headers = new ConcurrentHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            boolean valid = signer.verify(headers.get("x-switchboard-timestamp"), headers.get("x-switchboard-signature"),
                    body, Signer.DEFAULT_MAX_SKEW, System.currentTimeMillis() / 1000);
            String path = ex.getRequestURI().toString();
            Received r = new Received(path, Map.copyOf(headers), body, valid);
            all.add(r);
            received.add(r);
            Route route = null;
            int best = -1;
            for (Map.Entry<String, Route> e : routes.entrySet()) {
                if (path.startsWith(e.getKey()) && e.getKey().length() > best) {
                    route = e.getValue();
                    best = e.getKey().length();
                }
            }
            Answer a = route == null ? Answer.json(404, "{\"reason\":\"no route\"}") : route.answer(r);
            if (!a.delay().isZero()) {
                Thread.sleep(a.delay().toMillis());
            }
            byte[] out = a.body() == null ? new byte[0] : a.body().getBytes(StandardCharsets.UTF_8);
            if (a.contentType() != null) {
                ex.getResponseHeaders().set("Content-Type", a.contentType());
            }
            ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            ex.sendResponseHeaders(500, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
