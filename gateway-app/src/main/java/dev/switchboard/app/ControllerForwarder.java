package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.switchboard.core.Json;
import dev.switchboard.core.SessionInfo;
import dev.switchboard.core.spi.HandlerException;
import dev.switchboard.core.spi.MessageHandler;
import dev.switchboard.core.spi.Request;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Forwards {@code controller} requests to the application over HTTP, for modules that have no in-process
 * handler: set it as {@code Gateway.Builder#moduleFallback}. A request
 * {@code {"handler":"controller","module":"chat","action":"send","data":..,"id":7}} becomes a signed
 * {@code POST {backend}/chat/send} with the body
 * {@code {"module","action","data","user_id","connection_id","fingerprint","id"}}; {@code user_id} is the
 * authenticated one, never the client's claim.
 *
 * <p>The answer: a 2xx JSON body is the {@code reply} message byte for byte; a 2xx body that is not JSON is
 * replied as a JSON string; an empty one as {@code null}. Failures are {@code error} frames and the
 * connection lives on: {@code backend_error} (non-2xx, with the status and the body's {@code "reason"}),
 * {@code backend_unavailable} (cannot connect), {@code timeout}, {@code busy} (too many in flight, for this
 * connection or in all), {@code bad_request} (a module or action name outside {@value #NAME_PATTERN}).
 *
 * <p>Threads: called on the connection's event loop; never blocks.
 */
public final class ControllerForwarder implements MessageHandler {

    /**
     * Module and action names: a letter, then letters, digits, {@code _} or {@code -}, at most 64 in all. No
     * dots or slashes, so a name cannot leave its path segment; no leading {@code _}, which PHP frameworks
     * (Trongate, CodeIgniter) use for methods not meant to be called from a URL.
     */
    public static final String NAME_PATTERN = "[A-Za-z][A-Za-z0-9_-]{0,63}";
    /** The default URL template. */
    public static final String DEFAULT_TEMPLATE = "{backend}/{module}/{action}";
    /** The default action when a request names none. */
    public static final String DEFAULT_ACTION = "ws";

    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final AppClient client;
    private final String backend;
    private final String template;
    private final String defaultAction;
    private final Duration timeout;
    private final int maxInFlightPerConnection;
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    private ControllerForwarder(Builder b) {
        client = b.client;
        backend = b.backend;
        template = b.template;
        defaultAction = b.defaultAction;
        timeout = b.timeout != null ? b.timeout : client.responseTimeout();
        maxInFlightPerConnection = b.maxInFlightPerConnection;
    }

    /**
     * Returns a builder forwarding through {@code client} to {@code backend}, the application's base URL
     * ({@code http://127.0.0.1:8080}, or with a path prefix such as {@code http://app/index.php}).
     */
    public static Builder builder(AppClient client, String backend) {
        return new Builder(client, backend);
    }

    @Override
    public Object handle(Request request) {
        String module = request.module();
        String action = request.action() != null ? request.action() : defaultAction;
        if (module == null || !NAME.matcher(module).matches()) {
            throw new HandlerException("bad_request", "module names are a letter, then up to 63 of A-Z a-z 0-9 _ -");
        }
        if (!NAME.matcher(action).matches()) {
            throw new HandlerException("bad_request", "action names are a letter, then up to 63 of A-Z a-z 0-9 _ -");
        }
        SessionInfo s = request.session();
        String conn = s.connectionId();
        AtomicInteger n = inFlight.computeIfAbsent(conn, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxInFlightPerConnection) {
            release(conn);
            throw new HandlerException("busy", "at most " + maxInFlightPerConnection
                    + " controller calls in flight per connection");
        }
        byte[] body;
        try {
            ObjectNode b = MAPPER.createObjectNode().put("module", module).put("action", action);
            JsonNode data = request.data();
            b.set("data", data.isMissingNode() ? null : data);
            b.put("user_id", s.userId()).put("connection_id", conn).put("fingerprint", s.fingerprint());
            b.set("id", request.id());
            body = MAPPER.writeValueAsBytes(b);
        } catch (IOException e) {
            release(conn);
            throw new HandlerException("internal", "the request could not be encoded");
        }
        URI uri = URI.create(url(module, action));
        CompletableFuture<Object> reply = new CompletableFuture<>();
        java.util.concurrent.CompletionStage<AppResponse> sent;
        try {
            sent = client.post(uri, body, timeout, Map.of());
        } catch (RuntimeException e) {
            release(conn);
            throw e;
        }
        sent.whenComplete((res, error) -> {
            release(conn);
            try {
                reply.complete(error != null ? fail(error) : answer(res));
            } catch (HandlerException e) {
                reply.completeExceptionally(e);
            }
        });
        return reply;
    }

    /** Returns the URL for a module and action, both already checked against {@link #NAME_PATTERN}. */
    String url(String module, String action) {
        return template.replace("{backend}", backend).replace("{module}", module).replace("{action}", action);
    }

    private void release(String conn) {
        // Drop the counter with the last call, so the map holds only connections with calls in flight.
        inFlight.computeIfPresent(conn, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }

    private static Object answer(AppResponse res) {
        if (!res.isSuccess()) {
            String why = HttpConnectAuthenticator.reason(res, null);
            throw new HandlerException("backend_error", "the application answered " + res.status()
                    + (why == null ? "" : ": " + why));
        }
        byte[] body = res.body();
        if (body.length == 0) {
            return null;
        }
        if (Json.isValid(body)) {
            // Already JSON: passed on as it is, never parsed into a tree and written again.
            return new RawValue(new String(body, StandardCharsets.UTF_8).strip());
        }
        return TextNode.valueOf(new String(body, StandardCharsets.UTF_8));
    }

    private static Object fail(Throwable error) {
        if (error instanceof AppCallException e) {
            throw switch (e.kind()) {
                case BUSY -> new HandlerException("busy", "too many calls to the application in flight");
                case UNAVAILABLE -> new HandlerException("backend_unavailable", "the application cannot be reached");
                case TIMEOUT -> new HandlerException("timeout", e.getMessage());
                case BAD_RESPONSE -> new HandlerException("backend_error", e.getMessage());
            };
        }
        throw new HandlerException("backend_unavailable", "the application cannot be reached");
    }

    /** Collects the forwarder's options. */
    public static final class Builder {
        private final AppClient client;
        private final String backend;
        private String template = DEFAULT_TEMPLATE;
        private String defaultAction = DEFAULT_ACTION;
        private Duration timeout;
        private int maxInFlightPerConnection = 8;

        private Builder(AppClient client, String backend) {
            this.client = Objects.requireNonNull(client, "client");
            Objects.requireNonNull(backend, "backend");
            String b = backend.endsWith("/") ? backend.substring(0, backend.length() - 1) : backend;
            checkUrl("backend", b, b + "/x");
            this.backend = b;
        }

        /**
         * Sets the URL template; {@code {backend}}, {@code {module}} and {@code {action}} are replaced. Must
         * contain {@code {module}}. Default {@value ControllerForwarder#DEFAULT_TEMPLATE}; for example
         * {@code {backend}/index.php?module={module}&action={action}}.
         */
        public Builder urlTemplate(String template) {
            Objects.requireNonNull(template, "template");
            if (!template.contains("{module}")) {
                throw new IllegalArgumentException("urlTemplate: " + template + " (expected: contains {module})");
            }
            checkUrl("urlTemplate", template, template.replace("{backend}", backend).replace("{module}", "m")
                    .replace("{action}", "a"));
            this.template = template;
            return this;
        }

        /** Sets the action used when a request names none; default {@value ControllerForwarder#DEFAULT_ACTION}. */
        public Builder defaultAction(String action) {
            if (action == null || !NAME.matcher(action).matches()) {
                throw new IllegalArgumentException("defaultAction: " + action + " (expected: " + NAME_PATTERN + ")");
            }
            this.defaultAction = action;
            return this;
        }

        /**
         * Sets how long to wait for the application; default the client's response timeout (5 s). Keep it under
         * the gateway's controller timeout (10 s).
         */
        public Builder timeout(Duration d) {
            this.timeout = AppClient.Builder.positive("timeout", d);
            return this;
        }

        /** Sets how many forwarded calls one connection may have in flight; more fail with {@code busy}. Default 8. */
        public Builder maxInFlightPerConnection(int n) {
            this.maxInFlightPerConnection = AppClient.Builder.positive("maxInFlightPerConnection", n);
            return this;
        }

        public ControllerForwarder build() {
            return new ControllerForwarder(this);
        }

        private static void checkUrl(String key, String given, String sample) {
            URI u;
            try {
                u = URI.create(sample);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + given + " (expected: an http(s) URL: " + e.getMessage() + ")");
            }
            if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException(key + ": " + given + " (expected: an absolute http:// or https:// URL)");
            }
        }
    }
}
