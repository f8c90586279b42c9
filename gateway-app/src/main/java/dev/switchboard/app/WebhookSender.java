package dev.switchboard.app;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.switchboard.core.SessionInfo;
import dev.switchboard.core.spi.SessionListener;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the application about connections and rooms: lifecycle webhooks. Add it with
 * {@code Gateway.Builder#listener}. Each event
 * {@code {"event":"connect|disconnect|subscribe|unsubscribe","connection_id":..,"user_id":..,"fingerprint":..,
 * "room"?:..,"at":<epoch millis>}} is queued; a JSON array of up to {@code maxBatchSize} (100) events is
 * POSTed (signed) every {@code batchInterval} (250 ms), or as soon as that many are waiting.
 *
 * <p>Never slows the gateway: the listener callbacks only offer to a bounded queue; when it is full the event
 * is dropped and counted ({@value #METRIC_PREFIX}dropped). One batch is in flight at a time, so the
 * application sees each connection's events in order. A batch that gets no answer, 5xx, 408 or 429 is
 * retried with exponential backoff and jitter, up to {@code maxAttempts} (5) in all, then dropped and
 * counted ({@value #METRIC_PREFIX}failed); other 4xx are not retried. Every attempt of a batch carries the
 * same {@value #DELIVERY_HEADER} header, so the application can ignore a batch it has already processed.
 *
 * <p>Threads: the callbacks may be called from any thread; sending runs on one event loop of the client.
 */
public final class WebhookSender implements SessionListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    private static final JsonFactory JSON = new JsonFactory();

    /** The metric name prefix. */
    public static final String METRIC_PREFIX = "switchboard.webhooks.";
    /** The header holding the batch's unique id, the same on each retry. */
    public static final String DELIVERY_HEADER = "X-Switchboard-Delivery";

    /** The lifecycle events. */
    public enum Event {
        CONNECT, DISCONNECT, SUBSCRIBE, UNSUBSCRIBE;

        final String wire = name().toLowerCase(Locale.ROOT);
    }

    private final AppClient client;
    private final URI url;
    private final Set<Event> events;
    private final int maxBatchSize;
    private final int maxAttempts;
    private final long initialBackoffMillis;
    private final long maxBackoffMillis;
    private final ArrayBlockingQueue<Item> queue;
    private final EventExecutor executor;
    private final ScheduledFuture<?> ticker;
    private final Counter dropped;
    private final Counter failed;
    private final Counter delivered;
    private final Counter retries;
    private final AtomicBoolean kicked = new AtomicBoolean();
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
    private volatile boolean closing;
    // Executor state: only touched on `executor`.
    private boolean sending;

    private WebhookSender(Builder b) {
        client = b.client;
        url = b.url;
        events = EnumSet.copyOf(b.events);
        maxBatchSize = b.maxBatchSize;
        maxAttempts = b.maxAttempts;
        initialBackoffMillis = b.initialBackoff.toMillis();
        maxBackoffMillis = b.maxBackoff.toMillis();
        queue = new ArrayBlockingQueue<>(b.queueCapacity);
        MetricRegistry m = b.metrics;
        dropped = m.counter(METRIC_PREFIX + "dropped");
        failed = m.counter(METRIC_PREFIX + "failed");
        delivered = m.counter(METRIC_PREFIX + "delivered");
        retries = m.counter(METRIC_PREFIX + "retries");
        m.gauge(METRIC_PREFIX + "queued", () -> queue::size);
        executor = client.executor();
        long every = b.batchInterval.toMillis();
        ticker = executor.scheduleAtFixedRate(this::sendNext, every, every, TimeUnit.MILLISECONDS);
    }

    /** Returns a builder posting to {@code url} (an absolute http(s) URI) through {@code client}. */
    public static Builder builder(AppClient client, URI url) {
        return new Builder(client, url);
    }

    @Override
    public void onConnect(SessionInfo session) {
        offer(Event.CONNECT, session, null);
    }

    @Override
    public void onDisconnect(SessionInfo session) {
        offer(Event.DISCONNECT, session, null);
    }

    @Override
    public void onSubscribe(SessionInfo session, String room) {
        offer(Event.SUBSCRIBE, session, room);
    }

    @Override
    public void onUnsubscribe(SessionInfo session, String room) {
        offer(Event.UNSUBSCRIBE, session, room);
    }

    private void offer(Event event, SessionInfo s, String room) {
        if (!events.contains(event)) {
            return;
        }
        if (closing || !queue.offer(new Item(event, s.connectionId(), s.userId(), s.fingerprint(), room,
                System.currentTimeMillis()))) {
            dropped.inc();
            return;
        }
        // A full batch need not wait for the next tick. One wake-up at a time: the sender drains what is there.
        if (queue.size() >= maxBatchSize && kicked.compareAndSet(false, true)) {
            executor.execute(() -> {
                kicked.set(false);
                sendNext();
            });
        }
    }

    /** Sends the next batch unless one is in flight. On the executor. */
    private void sendNext() {
        if (sending) {
            return;
        }
        List<Item> batch = new ArrayList<>(Math.min(queue.size(), maxBatchSize));
        queue.drainTo(batch, maxBatchSize);
        if (batch.isEmpty()) {
            if (closing) {
                closedFuture.complete(null);
            }
            return;
        }
        sending = true;
        attempt(batch, encode(batch), UUID.randomUUID().toString(), 1);
    }

    private void attempt(List<Item> batch, byte[] json, String deliveryId, int attempt) {
        CompletionStage<AppResponse> stage;
        try {
            stage = client.post(url, json, client.responseTimeout(), Map.of(DELIVERY_HEADER, deliveryId));
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((res, error) -> executor.execute(() -> answered(batch, json, deliveryId, attempt, res, error)));
    }

    private void answered(List<Item> batch, byte[] json, String deliveryId, int attempt, AppResponse res,
                          Throwable error) {
        if (error == null && res.isSuccess()) {
            delivered.inc(batch.size());
            done();
            return;
        }
        String what = error != null ? error.getMessage() : "status " + res.status();
        boolean retryable = error != null || res.status() >= 500 || res.status() == 408 || res.status() == 429;
        if (retryable && attempt < maxAttempts && !closing) {
            long backoff = Math.min(maxBackoffMillis, initialBackoffMillis << Math.min(attempt - 1, 20));
            backoff = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1); // jitter: 50..100 %
            log.debug("Webhook batch {} ({} events) failed ({}), retry in {} ms", deliveryId, batch.size(), what, backoff);
            retries.inc();
            executor.schedule(() -> attempt(batch, json, deliveryId, attempt + 1), backoff, TimeUnit.MILLISECONDS);
            return;
        }
        failed.inc(batch.size());
        log.warn("Webhook batch of {} events to {} dropped after {} attempt(s): {}", batch.size(), url, attempt, what);
        done();
    }

    private void done() {
        sending = false;
        if (closing || queue.size() >= maxBatchSize) {
            sendNext(); // a backlog (or the final flush) goes out without waiting for the tick
        }
    }

    private static byte[] encode(List<Item> batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + batch.size() * 160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (Item i : batch) {
                g.writeStartObject();
                g.writeStringField("event", i.event.wire);
                g.writeStringField("connection_id", i.connectionId);
                g.writeStringField("user_id", i.userId);
                g.writeStringField("fingerprint", i.fingerprint);
                if (i.room != null) {
                    g.writeStringField("room", i.room);
                }
                g.writeNumberField("at", i.at);
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing strings to memory cannot fail
        }
        return out.toByteArray();
    }

    /** Returns how many events wait to be sent. */
    public int queued() {
        return queue.size();
    }

    /**
     * Stops: new events are dropped, the queued ones are sent without further retries, and the stage completes
     * when they have been answered (or failed). Close the {@link AppClient} after this stage, not before.
     */
    public CompletionStage<Void> closeAsync() {
        if (!closing) {
            closing = true;
            ticker.cancel(false);
            executor.execute(this::sendNext);
        }
        return closedFuture;
    }

    /** Starts {@link #closeAsync()} and returns at once. */
    @Override
    public void close() {
        closeAsync();
    }

    private record Item(Event event, String connectionId, String userId, String fingerprint, String room, long at) {
    }

    /** Collects the sender's options; each setter validates at once. */
    public static final class Builder {
        private final AppClient client;
        private final URI url;
        private Set<Event> events = EnumSet.allOf(Event.class);
        private Duration batchInterval = Duration.ofMillis(250);
        private int maxBatchSize = 100;
        private int queueCapacity = 10_000;
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private MetricRegistry metrics = new MetricRegistry();

        private Builder(AppClient client, URI url) {
            this.client = Objects.requireNonNull(client, "client");
            this.url = Objects.requireNonNull(url, "url");
            if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())
                    || url.getHost() == null) {
                throw new IllegalArgumentException("url: " + url + " (expected: an absolute http:// or https:// URL)");
            }
        }

        /** Chooses which events are sent; default all four. */
        public Builder events(Set<Event> events) {
            if (events == null || events.isEmpty()) {
                throw new IllegalArgumentException("events: " + events + " (expected: at least one event)");
            }
            this.events = EnumSet.copyOf(events);
            return this;
        }

        /** Sets how often queued events are sent; default 250 ms. */
        public Builder batchInterval(Duration d) {
            this.batchInterval = AppClient.Builder.positive("batchInterval", d);
            return this;
        }

        /** Sets the most events per POST, and the queue length that sends at once; default 100. */
        public Builder maxBatchSize(int n) {
            this.maxBatchSize = AppClient.Builder.positive("maxBatchSize", n);
            return this;
        }

        /** Sets how many events may wait; beyond, new events are dropped and counted. Default 10000. */
        public Builder queueCapacity(int n) {
            this.queueCapacity = AppClient.Builder.positive("queueCapacity", n);
            return this;
        }

        /** Sets how many times a batch is tried in all (1 = no retry); default 5. */
        public Builder maxAttempts(int n) {
            this.maxAttempts = AppClient.Builder.positive("maxAttempts", n);
            return this;
        }

        /** Sets the wait before the first retry, doubled after each (with jitter); default 1 s. */
        public Builder initialBackoff(Duration d) {
            this.initialBackoff = AppClient.Builder.positive("initialBackoff", d);
            return this;
        }

        /** Sets the longest wait between retries; default 30 s. */
        public Builder maxBackoff(Duration d) {
            this.maxBackoff = AppClient.Builder.positive("maxBackoff", d);
            return this;
        }

        /** Registers the counters ({@value WebhookSender#METRIC_PREFIX}*) in {@code registry}; default a private one. */
        public Builder metrics(MetricRegistry registry) {
            this.metrics = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Builds the sender and starts its timer. */
        public WebhookSender build() {
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("maxBackoff: " + maxBackoff + " (expected: >= initialBackoff "
                        + initialBackoff + ")");
            }
            return new WebhookSender(this);
        }
    }
}
