package dev.switchboard.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A real WebSocket client for tests (the JDK's), collecting server frames as JSON. With
 * {@code autoRead=false} it requests no frames after the first, so the server sees a client that stops
 * reading (TCP backpressure).
 */
public final class WsClient implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final boolean autoRead;
    private volatile WebSocket ws;
    private volatile int pings;
    private final StringBuilder partial = new StringBuilder();

    private WsClient(boolean autoRead) {
        this.autoRead = autoRead;
    }

    /** Connects to {@code uri}; throws {@link HandshakeRefused} carrying the HTTP status when refused. */
    public static WsClient connect(String uri) {
        return connect(uri, Map.of(), true);
    }

    public static WsClient connect(String uri, Map<String, String> headers, boolean autoRead) {
        WsClient c = new WsClient(autoRead);
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        headers.forEach(b::header);
        try {
            c.ws = b.buildAsync(URI.create(uri), c.new Listener()).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                throw new HandshakeRefused(h.getResponse().statusCode(), String.valueOf(h.getResponse().body()));
            }
            throw new IllegalStateException("connect " + uri + " failed", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("connect " + uri + " failed", e);
        }
        return c;
    }

    /** Returns the HTTP status the server refused the upgrade with, or -1 when it connected. */
    public static int statusOf(String uri, Map<String, String> headers) {
        try (WsClient c = connect(uri, headers, true)) {
            return -1;
        } catch (HandshakeRefused e) {
            return e.status;
        }
    }

    public WsClient send(String text) {
        ws.sendText(text, true).join();
        return this;
    }

    /** Sends {@code parts} as one text message in that many frames (a first frame and continuations). */
    public WsClient sendFragments(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            ws.sendText(parts[i], i == parts.length - 1).join();
        }
        return this;
    }

    public WsClient sendJson(Object value) {
        try {
            return send(MAPPER.writeValueAsString(value));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public void sendBinary(byte[] bytes) {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    /** Returns the next frame, waiting up to {@code timeout}; fails when none comes. */
    public JsonNode next(Duration timeout) {
        try {
            JsonNode n = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (n == null) {
                throw new AssertionError("no frame within " + timeout);
            }
            return n;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns the next frame on {@code channel}, skipping others; fails after {@code timeout}. */
    public JsonNode next(String channel, Duration timeout) {
        return next(n -> channel.equals(n.path("channel").asText()), timeout);
    }

    public JsonNode next(Predicate<JsonNode> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> skipped = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching frame within " + timeout + "; saw " + skipped);
            }
            JsonNode n;
            try {
                n = messages.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (n == null) {
                continue;
            }
            if (match.test(n)) {
                return n;
            }
            skipped.add(n);
        }
    }

    /** Returns the frames received so far and not yet taken. */
    public List<JsonNode> drain() {
        List<JsonNode> out = new ArrayList<>();
        messages.drainTo(out);
        return out;
    }

    /** Returns the close code the server sent (1006 when the connection dropped without one). */
    public int awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("not closed within " + timeout, e);
        }
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Returns how many pings the server sent. */
    public int pings() {
        return pings;
    }

    /** Lets a client that stopped reading read again. */
    public void resumeReading() {
        ws.request(Long.MAX_VALUE / 2);
    }

    /** Drops the TCP connection without a close handshake. */
    public void abort() {
        ws.abort();
    }

    @Override
    public void close() {
        if (ws != null && !ws.isOutputClosed()) {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // already closing
            }
        }
        if (ws != null) {
            ws.abort();
        }
    }

    /** The upgrade was refused with an HTTP status. */
    public static final class HandshakeRefused extends RuntimeException {
        public final int status;

        HandshakeRefused(int status, String body) {
            super("handshake refused: " + status + " " + body);
            this.status = status;
        }
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(MAPPER.readTree(partial.toString()));
                } catch (Exception e) {
                    throw new CompletionException(e);
                } finally {
                    partial.setLength(0);
                }
            }
            if (autoRead) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            pings++;
            if (autoRead) {
                webSocket.request(1);
            }
            return null; // the JDK answers with a pong
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(1006);
        }
    }
}
