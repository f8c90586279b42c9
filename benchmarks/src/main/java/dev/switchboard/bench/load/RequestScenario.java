package dev.switchboard.bench.load;

import dev.switchboard.bench.Args;
import dev.switchboard.core.internal.delivery.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * {@code request}: {@code --clients} connections each keep {@code --depth} requests in flight
 * ({@code --handler=ping}, or {@code controller} to the module {@code --module}, default {@code echo}) for
 * {@code --duration}; replies come in order, so each connection matches them to send times FIFO. Reports round
 * trips per second, errors and latency. With {@code --protocol=raw} (an echo server, such as
 * {@code hub --variant=echo}) each connection starts at the upgrade and every text frame counts as a reply.
 *
 * <p>With {@code --rate=R} (requests per second in all) the load is open-loop instead: a pacer sends R
 * requests a second spread round-robin over the connections, at most {@code --depth} in flight on each; a
 * request that finds its connection full (or not yet open) while measuring is counted in
 * {@code refused_offers} (the server did not keep up) rather than silently delayed.
 *
 * <p>In the closed loop a connection answers each reply with its next request. {@code --flush=request} (the
 * default, as in every earlier measurement) writes each on its own: a system call per request, which makes the
 * generator the larger share of the shared CPU. {@code --flush=read} sends the requests answering one socket
 * read's replies in one write, as a Netty client that flushes on read-complete does: the generator costs less and
 * the server under test becomes the limit.
 *
 * <p>{@code --slow-log=FILE} keeps each measured round trip of at least {@code --slow-threshold} (1 ms) as its
 * send and receive {@code System.nanoTime()} ({@link SlowLog}), for {@code tail-attribution} to lay beside a
 * {@code perf sched} trace of the same seconds.
 */
public final class RequestScenario {

    /** Slow round trips kept by {@code --slow-log} (16 MB of pairs); the rest are counted as dropped. */
    static final int SLOW_LOG_CAPACITY = 1_000_000;

    private RequestScenario() {
    }

    public static Map<String, Object> run(Args a, PrintStream console) throws Exception {
        Common c = new Common("request", a, console);
        int depth = Math.max(1, a.integer("depth", 1));
        String handler = a.str("handler", "ping");
        String module = a.str("module", "echo");
        Duration warmup = a.duration("warmup", Duration.ofSeconds(1));
        String protocol = a.str("protocol", "switchboard");
        if (!protocol.equals("switchboard") && !protocol.equals("raw")) {
            throw new IllegalArgumentException("--protocol=" + protocol + " (expected: switchboard or raw)");
        }
        boolean raw = protocol.equals("raw");
        double rate = a.dbl("rate", 0);
        String flush = a.str("flush", "request");
        if (!flush.equals("read") && !flush.equals("request")) {
            throw new IllegalArgumentException("--flush=" + flush + " (expected: read or request)");
        }
        boolean flushPerRead = flush.equals("read");
        String pacer = a.str("pacer", "loop");
        Duration tick = a.duration("tick", pacer.equals("loop") ? Duration.ofMillis(1) : Duration.ofNanos(100_000));
        if (!pacer.equals("thread") && !pacer.equals("loop")) {
            throw new IllegalArgumentException("--pacer=" + pacer + " (expected: thread or loop)");
        }
        if (tick.toNanos() < 10_000 || tick.compareTo(Duration.ofMillis(100)) > 0) {
            throw new IllegalArgumentException("--tick=" + tick + " (expected: 10us..100ms)");
        }
        String slowFile = a.str("slow-log", null);
        Duration slowThreshold = a.duration("slow-threshold", Duration.ofMillis(1));
        if (slowThreshold.toNanos() <= 0) {
            throw new IllegalArgumentException("--slow-threshold=" + a.str("slow-threshold", "") + " (expected above 0)");
        }
        if (slowFile != null && slowFile.isBlank()) {
            throw new IllegalArgumentException("--slow-log= names no file");
        }
        a.rejectUnknown();
        SlowLog slow = slowFile == null ? null : new SlowLog(slowThreshold.toNanos(), SLOW_LOG_CAPACITY);
        boolean paced = rate > 0;
        LongAdder refused = new LongAdder();
        // A request is written as bytes around its id (no String.format per request: the generator's CPU is
        // taken from the 2 cores the server also runs on).
        boolean controller = handler.equals("controller");
        byte[] head = ascii(controller
                ? "{\"handler\":\"controller\",\"module\":\"" + module + "\",\"id\":"
                : "{\"handler\":\"" + handler + "\",\"id\":");
        byte[] middle = ascii(controller ? ",\"data\":{\"n\":" : "}");
        byte[] tail = ascii(controller ? "}}" : "");
        LongAdder replies = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAdder measured = new LongAdder();
        AtomicBoolean running = new AtomicBoolean();
        AtomicBoolean measuring = new AtomicBoolean();
        int[] failed = {0};
        try (Run run = c.newRun("request"); Clients clients = new Clients(c.url, c.threads, c.sources)) {
            Consumer<Conn> send = conn -> {
                long id = conn.nextId++;
                conn.ring[conn.tail++ % depth] = System.nanoTime();
                ByteBuf b = conn.channel().alloc().buffer(head.length + middle.length + tail.length + 40);
                b.writeBytes(head);
                Frames.writeDecimal(b, id);
                b.writeBytes(middle);
                if (controller) {
                    Frames.writeDecimal(b, id);
                    b.writeBytes(tail);
                }
                conn.write(b);
            };
            Conn.Listener l = new Conn.Listener() {
                @Override
                public void onOpen(Conn conn) {
                    conn.ring = new long[depth];
                    if (raw && running.get()) {
                        start(conn); // an echo server has no state frame to wait for
                    }
                }

                void sendOne(Conn conn) {
                    send.accept(conn);
                }

                void start(Conn conn) {
                    conn.ready = true;
                    if (paced) {
                        return; // the pacer sends
                    }
                    for (int i = 0; i < depth; i++) {
                        sendOne(conn);
                    }
                    conn.channel().flush();
                }

                @Override
                public void onText(Conn conn, ByteBuf content) {
                    if (conn.ring == null) {
                        return;
                    }
                    // {"channel":"reply"... or "error": the 13th byte tells (state frames are skipped).
                    int at = content.readerIndex() + 12;
                    if (!raw && content.writerIndex() <= at) {
                        return;
                    }
                    byte kind = raw ? (byte) 'r' : content.getByte(at);
                    if (kind == 's') {
                        if (!conn.ready && running.get()) {
                            start(conn); // the first state frame: the session is registered
                        }
                        return;
                    }
                    if (kind != 'r' && kind != 'e') {
                        return;
                    }
                    if (conn.head == conn.tail) {
                        return;
                    }
                    long sent = conn.ring[conn.head++ % depth];
                    replies.increment();
                    if (kind == 'e') {
                        errors.increment();
                    }
                    if (measuring.get()) {
                        measured.increment();
                        long now = System.nanoTime();
                        run.recorder.recordValue(Math.max(1, (now - sent) / 1000));
                        if (slow != null) {
                            slow.record(sent, now);
                        }
                    }
                    if (running.get() && !paced) {
                        sendOne(conn);
                        if (flushPerRead) {
                            conn.unflushed = true;
                        } else {
                            conn.channel().flush();
                        }
                    }
                }

                @Override
                public void onReadComplete(Conn conn) {
                    if (conn.unflushed) {
                        conn.unflushed = false;
                        conn.channel().flush();
                    }
                }

                @Override
                public void onFail(Conn conn, String reason) {
                    synchronized (failed) {
                        failed[0]++;
                    }
                }
            };
            running.set(true);
            clients.open(c.clients, c.connectRate, c.query(), l, 0, null);
            int open = Common.awaitOpen(clients, c.clients, failed, 60_000);
            console.printf("%d open, %d failed%n", open, failed[0]);
            long[] last = {0};
            run.watchServer();
            run.progress(() -> {
                long r = replies.sum();
                String s = String.format("open=%d replies=%d (%d/s) errors=%d", clients.openCount(), r, r - last[0], errors.sum());
                last[0] = r;
                return s;
            });
            Runnable stopPacing = () -> { };
            if (paced) {
                stopPacing = pacer.equals("loop")
                        ? paceOnLoops(clients.all(), rate, tick, measuring, depth, refused, send)
                        : pace(clients.all(), rate, tick, running, measuring, depth, refused, send);
            }
            Thread.sleep(warmup.toMillis());
            measuring.set(true);
            run.windowStarts();
            long t0 = System.nanoTime();
            Thread.sleep(c.duration.toMillis());
            measuring.set(false);
            long secs = System.nanoTime() - t0;
            quiesce(clients.all()); // a reply read as the window closed is counted before the count is taken
            run.windowEnds(measured.sum());
            running.set(false);
            stopPacing.run();
            Thread.sleep(200);
            run.stopRecording();
            run.result.put("handler", raw ? "echo (raw)" : handler);
            run.result.put("depth", depth);
            run.result.put("flush", paced ? "paced" : flush);
            run.result.put("open", open);
            run.result.put("failed", failed[0]);
            run.result.put("replies", replies.sum());
            run.result.put("errors", errors.sum());
            run.result.put("round_trips_per_s", Math.round(measured.sum() / (secs / 1e9)));
            if (paced) {
                run.result.put("offered_per_s", rate);
                run.result.put("refused_offers", refused.sum());
            }
            if (slow != null) {
                slow.write(Path.of(slowFile));
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("file", slowFile);
                s.put("threshold_us", slow.thresholdNanos() / 1000);
                s.put("kept", slow.recorded());
                s.put("dropped", slow.dropped());
                run.result.put("slow_log", s);
            }
            return run.finish();
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes {@code n} ≥ 0 in decimal, allocating nothing. */

    /**
     * {@code --pacer=thread}: sends {@code rate} requests a second round-robin over {@code conns} until
     * {@code running} clears. The requests due in one {@code tick} (100 µs by default) go to each client event loop
     * as one task, not one task (and one wake-up) per request: the generator shares the server's cores.
     */
    static Runnable pace(List<Conn> conns, double rate, Duration tick, AtomicBoolean running, AtomicBoolean measuring,
                         int depth, LongAdder refused, Consumer<Conn> send) {
        long tickNanos = tick.toNanos();
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            long sent = 0;
            int next = 0;
            Map<EventLoop, List<Conn>> due = new IdentityHashMap<>();
            while (running.get()) {
                long dueCount = (long) ((System.nanoTime() - start) / 1e9 * rate);
                while (sent < dueCount) {
                    Conn c = conns.get(next++ % conns.size());
                    sent++;
                    if (!c.ready || !c.open) {
                        if (measuring.get()) {
                            refused.increment();
                        }
                        continue;
                    }
                    due.computeIfAbsent(c.channel().eventLoop(), l -> new ArrayList<>()).add(c);
                }
                for (Map.Entry<EventLoop, List<Conn>> e : due.entrySet()) {
                    List<Conn> batch = e.getValue();
                    e.getKey().execute(() -> {
                        for (Conn c : batch) {
                            if (c.tail - c.head >= depth) {
                                if (measuring.get()) {
                                    refused.increment();
                                }
                                continue;
                            }
                            send.accept(c);
                            c.channel().flush();
                        }
                    });
                }
                due.clear();
                LockSupport.parkNanos(tickNanos);
            }
        }, "request-pacer");
        t.setDaemon(true);
        t.start();
        return () -> {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /**
     * Runs an empty task on every loop of {@code conns} and waits for it, so that whatever a loop was doing has
     * ended (from a thread that is not one of those loops).
     */
    static void quiesce(List<Conn> conns) throws InterruptedException {
        Map<EventLoop, Boolean> loops = new IdentityHashMap<>();
        for (Conn c : conns) {
            Channel ch = c.channel();
            if (ch != null) {
                loops.put(ch.eventLoop(), Boolean.TRUE);
            }
        }
        for (EventLoop l : loops.keySet()) {
            if (!l.inEventLoop() && !l.submit(() -> { }).await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                System.err.println("request: a client loop did not answer within 1 s; the window's count may miss its last replies");
            }
        }
    }

    /**
     * {@code --pacer=loop}: each client event loop paces its own connections' share of {@code rate} from a task
     * it schedules every {@code tick}, so sending wakes no other thread: no pacer thread, no cross-thread wake-up
     * of the loops. The rate is shared among the connections that have a channel (a connection that never
     * opened has no loop); the scenario reports {@code open} and {@code failed} beside it. Returns what stops it,
     * which fails if a loop's pacing task threw.
     */
    static Runnable paceOnLoops(List<Conn> conns, double rate, Duration tick, AtomicBoolean measuring, int depth,
                                LongAdder refused, Consumer<Conn> send) {
        Map<EventLoop, List<Conn>> byLoop = new IdentityHashMap<>();
        int paced = 0;
        for (Conn c : conns) {
            if (c.channel() != null) {
                byLoop.computeIfAbsent(c.channel().eventLoop(), l -> new ArrayList<>()).add(c);
                paced++;
            }
        }
        int total = Math.max(1, paced);
        List<io.netty.util.concurrent.ScheduledFuture<?>> tasks = new ArrayList<>();
        long start = System.nanoTime();
        for (Map.Entry<EventLoop, List<Conn>> e : byLoop.entrySet()) {
            List<Conn> mine = e.getValue();
            double share = rate * mine.size() / total;
            long[] sent = {0};
            int[] next = {0};
            tasks.add(e.getKey().scheduleAtFixedRate(() -> {
                long dueCount = (long) ((System.nanoTime() - start) / 1e9 * share);
                while (sent[0] < dueCount) {
                    Conn c = mine.get(next[0]++ % mine.size());
                    sent[0]++;
                    if (!c.ready || !c.open || c.tail - c.head >= depth) {
                        if (measuring.get()) {
                            refused.increment();
                        }
                        continue;
                    }
                    send.accept(c);
                    c.channel().flush();
                }
            }, tick.toNanos(), tick.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
        }
        return () -> {
            for (var f : tasks) {
                if (f.isDone() && f.cause() != null) {
                    throw new IllegalStateException("a client loop stopped pacing", f.cause());
                }
                f.cancel(false);
            }
        };
    }
}
