package dev.switchboard.bench.load;

import dev.switchboard.bench.Args;
import io.netty.buffer.ByteBuf;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code broadcast} (and {@code cluster}): {@code --clients} receivers; one publisher sends timestamped
 * messages of {@code --size} bytes for {@code --duration}, either at {@code --rate} per second or, with
 * {@code --rate=0}, closed-loop with {@code --window} messages in flight (the next is sent when all receivers
 * got an earlier one: the server's saturation throughput). Reports deliveries/s, loss and end-to-end latency.
 *
 * <p>Publishers: {@code --publish=ws} (default) a WebSocket client, which sends Switchboard's
 * {@code {"handler":"publish","channel":<room>,"message":..}} with {@code --protocol=switchboard} (receivers
 * subscribe to the room first) or the bare payload with {@code --protocol=raw} (hubs that rebroadcast every
 * frame); {@code --publish=http} posts {@code {"channel":..,"message":..}} to {@code --publish-url}
 * (an admin {@code /api/publish}, with {@code --api-key}), delivered to everyone. {@code cluster} is the latter
 * with the receivers on another instance than the publish URL.
 */
public final class BroadcastScenario {

    private static final int RING = 1 << 16;

    private BroadcastScenario() {
    }

    public static Map<String, Object> run(String scenario, Args a, PrintStream console) throws Exception {
        Common c = new Common(scenario, a, console);
        double rate = a.dbl("rate", 100);
        int window = a.integer("window", 8);
        int size = Math.max(40, a.integer("size", 100));
        String protocol = a.str("protocol", "switchboard");
        String publish = a.str("publish", scenario.equals("cluster") ? "http" : "ws");
        String room = a.str("room", "bench");
        String publishUrl = a.str("publish-url", publish.equals("ws") ? c.url.toString() : null);
        String apiKey = a.str("api-key", null);
        Duration warmup = a.duration("warmup", Duration.ofSeconds(1));
        Duration drain = a.duration("drain", Duration.ofSeconds(3));
        String pacer = a.str("pacer", "loop");
        Duration tick = a.duration("tick", Duration.ofMillis(1));
        a.rejectUnknown();
        if (!pacer.equals("thread") && !pacer.equals("loop")) {
            throw new IllegalArgumentException("--pacer=" + pacer + " (expected: thread or loop)");
        }
        if (tick.toNanos() < 10_000 || tick.compareTo(Duration.ofMillis(100)) > 0) {
            throw new IllegalArgumentException("--tick=" + tick + " (expected: 10us..100ms)");
        }
        if (!protocol.equals("switchboard") && !protocol.equals("raw")) {
            throw new IllegalArgumentException("--protocol=" + protocol + " (expected: switchboard or raw)");
        }
        if (publish.equals("http") && publishUrl == null) {
            throw new IllegalArgumentException("--publish=http needs --publish-url=http://HOST:ADMINPORT/api/publish");
        }
        boolean subscribe = protocol.equals("switchboard") && publish.equals("ws");

        LongAdder received = new LongAdder();
        LongAdder windowReceived = new LongAdder();
        LongAdder subscribed = new LongAdder();
        LongAdder publishErrors = new LongAdder();
        AtomicIntegerArray counts = new AtomicIntegerArray(RING);
        Semaphore inFlight = new Semaphore(window);
        int[] failed = {0};
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE); // first seq whose latency counts (after warm-up)
        LongAdder receivedMeasured = new LongAdder(); // deliveries of those messages
        AtomicInteger receivers = new AtomicInteger(c.clients);
        AtomicBoolean measuring = new AtomicBoolean();

        Clients[] publisherClients = {null}; // closed in the finally below, however the run ends
        try (Run run = c.newRun(scenario); Clients clients = new Clients(c.url, c.threads, c.sources)) {
            Conn.Listener receiver = new Conn.Listener() {
                @Override
                public void onOpen(Conn conn) {
                    if (subscribe) {
                        conn.send("{\"handler\":\"subscribe\",\"channel\":\"" + room + "\",\"id\":0}");
                    }
                }

                @Override
                public void onText(Conn conn, ByteBuf content) {
                    long seq = Payload.field(content, 's');
                    if (seq < 0) {
                        if (subscribe && subscribed.sum() < receivers.get()
                                && content.toString(StandardCharsets.UTF_8).contains("\"subscribed\"")) {
                            subscribed.increment();
                        }
                        return;
                    }
                    long now = System.nanoTime();
                    long t = Payload.field(content, 't');
                    received.increment();
                    if (measuring.get()) {
                        windowReceived.increment();
                    }
                    if (seq >= measureFrom.get()) {
                        run.recorder.recordValue(Math.max(1, (now - t) / 1000));
                        receivedMeasured.increment();
                    }
                    if (counts.incrementAndGet((int) (seq & (RING - 1))) == receivers.get()) {
                        counts.set((int) (seq & (RING - 1)), 0);
                        inFlight.release();
                    }
                }

                @Override
                public void onFail(Conn conn, String reason) {
                    synchronized (failed) {
                        failed[0]++;
                    }
                }
            };
            console.printf("opening %d receivers to %s over %d source addresses%n", c.clients, c.url, c.sources);
            clients.open(c.clients, c.connectRate, c.query(), receiver, 0, null);
            int open = Common.awaitOpen(clients, c.clients, failed, 60_000);
            if (subscribe) {
                long until = System.currentTimeMillis() + 15_000;
                while (subscribed.sum() < open && System.currentTimeMillis() < until) {
                    Thread.sleep(20);
                }
            }
            receivers.set(open);
            console.printf("%d open, %d failed%s%n", open, failed[0], subscribe ? ", " + subscribed.sum() + " subscribed" : "");
            if (open == 0) {
                throw new IllegalStateException("no receiver could connect to " + c.url);
            }

            // The publisher.
            Publisher publisher;
            Clients pubClients = null;
            io.netty.channel.EventLoop publisherLoop = null;
            if (publish.equals("ws")) {
                pubClients = new Clients(URI.create(publishUrl), 1, 1);
                publisherClients[0] = pubClients;
                Conn p = pubClients.connect(c.clients, c.query().apply(c.clients), new Conn.Listener() {
                    @Override
                    public void onOpen(Conn conn) {
                    }

                    @Override
                    public void onText(Conn conn, ByteBuf content) {
                    }
                });
                long until = System.currentTimeMillis() + 10_000;
                while (!p.open && System.currentTimeMillis() < until) {
                    Thread.sleep(10);
                }
                if (!p.open) {
                    throw new IllegalStateException("the publisher could not connect to " + publishUrl);
                }
                publisherLoop = p.channel().eventLoop();
                publisher = protocol.equals("switchboard")
                        ? payload -> p.send("{\"handler\":\"publish\",\"channel\":\"" + room + "\",\"message\":" + payload + "}")
                        : p::send;
            } else {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                URI target = URI.create(publishUrl);
                publisher = payload -> {
                    HttpRequest.Builder req = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"" + room + "\",\"message\":" + payload + "}"));
                    if (apiKey != null) {
                        req.header("Authorization", "Bearer " + apiKey);
                    }
                    http.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((res, e) -> {
                        if (e != null || res.statusCode() / 100 != 2) {
                            publishErrors.increment();
                        }
                    });
                };
            }

            AtomicLong published = new AtomicLong();
            long[] lastReceived = {0};
            run.watchServer();
            run.progress(() -> {
                long r = received.sum();
                String line = String.format("open=%d published=%d delivered=%d (%.0f/s)", clients.openCount(),
                        published.get(), r, (double) (r - lastReceived[0]));
                lastReceived[0] = r;
                return line;
            });
            long start = System.nanoTime();
            long warmEnd = start + warmup.toNanos();
            long end = start + warmup.toNanos() + c.duration.toNanos();
            long measureStart = 0;
            long seq = 0;
            boolean loopPaced = rate > 0 && publisherLoop != null && pacer.equals("loop");
            if (loopPaced) {
                // Paced on the publisher's own event loop, every --tick, the messages due by then: no publishing
                // thread to wake 10,000 times a second, and no hand-off to the loop per message.
                Publisher pub = publisher;
                long[] next = {0};
                var task = publisherLoop.scheduleAtFixedRate(() -> {
                    // Message n is due at start + n / rate; those due before the end are sent, as the thread does.
                    long due = Math.min(System.nanoTime(), end - 1);
                    while (next[0] < (long) ((due - start) / 1e9 * rate) + 1) {
                        pub.publish(Payload.json(next[0], System.nanoTime(), size));
                        published.set(++next[0]);
                    }
                }, 0, tick.toNanos(), TimeUnit.NANOSECONDS);
                try {
                    long now;
                    while ((now = System.nanoTime()) < end && !task.isDone()) {
                        if (!measuring.get() && now >= warmEnd) {
                            measureFrom.set(published.get());
                            measuring.set(true);
                            run.windowStarts();
                            measureStart = now;
                        }
                        TimeUnit.NANOSECONDS.sleep(Math.min(end - now, 1_000_000));
                    }
                    if (task.isDone() && task.cause() != null) {
                        throw new IllegalStateException("the publisher stopped", task.cause());
                    }
                } finally {
                    task.cancel(false);
                }
                publisherLoop.submit(() -> { }).sync(); // the last tick has run: published is final
                seq = published.get();
            }
            while (!loopPaced) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                if (!measuring.get() && now >= warmEnd) {
                    measureFrom.set(seq);
                    measuring.set(true);
                    run.windowStarts();
                    measureStart = now;
                }
                if (rate <= 0) {
                    if (!inFlight.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                } else {
                    long due = start + (long) (seq * 1e9 / rate);
                    if (due > now) {
                        long sleep = Math.min(due, end) - now;
                        if (sleep > 0) {
                            TimeUnit.NANOSECONDS.sleep(Math.min(sleep, 1_000_000));
                        }
                        continue;
                    }
                }
                publisher.publish(Payload.json(seq, System.nanoTime(), size));
                seq++;
                published.set(seq);
            }
            long measureEnd = System.nanoTime();
            measuring.set(false);
            long measured = windowReceived.sum();
            run.windowEnds(measured);
            long expected = seq * open;
            long until = System.nanoTime() + drain.toNanos();
            while (received.sum() < expected && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            run.stopRecording();
            long got = received.sum();
            run.result.put("protocol", protocol);
            run.result.put("publish", publish);
            run.result.put("publish_url", publishUrl);
            run.result.put("rate", rate <= 0 ? "closed-loop window " + window : rate);
            run.result.put("size", size);
            run.result.put("duration_s", c.duration.toMillis() / 1000.0);
            run.result.put("warmup_s", warmup.toMillis() / 1000.0);
            run.result.put("open", open);
            run.result.put("failed", failed[0]);
            run.result.put("published", seq);
            run.result.put("publish_errors", publishErrors.sum());
            run.result.put("expected", expected);
            run.result.put("received", got);
            run.result.put("lost", Math.max(0, expected - got));
            run.result.put("loss_pct", expected == 0 ? 0 : Math.round(10000.0 * Math.max(0, expected - got) / expected) / 100.0);
            // Of the messages whose latency is measured (published after the warm-up): a lost one has no latency,
            // so a latency figure holds only with none lost here. Losses in the warm-up count in "lost" alone.
            long from = measureFrom.get();
            long expectedMeasured = from == Long.MAX_VALUE ? 0 : Math.max(0, seq - from) * open;
            run.result.put("lost_measured", Math.max(0, expectedMeasured - receivedMeasured.sum()));
            double secs = measureStart == 0 ? 0 : (measureEnd - measureStart) / 1e9;
            run.result.put("deliveries_per_s", secs <= 0 ? 0 : Math.round(measured / secs));
            run.result.put("messages_per_s", secs <= 0 ? 0 : Math.round(measured / secs / open));
            return run.finish();
        } finally {
            if (publisherClients[0] != null) {
                publisherClients[0].close();
            }
        }
    }

    @FunctionalInterface
    private interface Publisher {
        void publish(String payload);
    }
}
