package dev.switchboard.bench.load;

import dev.switchboard.bench.Args;
import io.netty.buffer.ByteBuf;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code request}: {@code --clients} connections each keep {@code --depth} requests in flight
 * ({@code --handler=ping}, or {@code controller} to the module {@code --module}, default {@code echo}) for
 * {@code --duration}; replies come in order, so each connection matches them to send times FIFO. Reports round
 * trips per second, errors and latency.
 */
public final class RequestScenario {

    private RequestScenario() {
    }

    public static Map<String, Object> run(Args a, PrintStream console) throws Exception {
        Common c = new Common("request", a, console);
        int depth = Math.max(1, a.integer("depth", 1));
        String handler = a.str("handler", "ping");
        String module = a.str("module", "echo");
        Duration warmup = a.duration("warmup", Duration.ofSeconds(1));
        a.rejectUnknown();
        String request = handler.equals("controller")
                ? "{\"handler\":\"controller\",\"module\":\"" + module + "\",\"id\":%d,\"data\":{\"n\":%d}}"
                : "{\"handler\":\"" + handler + "\",\"id\":%d}";
        LongAdder replies = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAdder measured = new LongAdder();
        AtomicBoolean running = new AtomicBoolean();
        AtomicBoolean measuring = new AtomicBoolean();
        int[] failed = {0};
        try (Run run = c.newRun("request"); Clients clients = new Clients(c.url, c.threads, c.sources)) {
            Conn.Listener l = new Conn.Listener() {
                @Override
                public void onOpen(Conn conn) {
                    conn.ring = new long[depth];
                }

                void sendOne(Conn conn) {
                    long id = conn.nextId++;
                    conn.ring[conn.tail++ % depth] = System.nanoTime();
                    conn.write(String.format(request, id, id));
                }

                void start(Conn conn) {
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
                    if (content.writerIndex() <= at) {
                        return;
                    }
                    byte kind = content.getByte(at);
                    if (kind == 's') {
                        if (conn.nextId == 0 && running.get()) {
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
                        run.recorder.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                    }
                    if (running.get()) {
                        sendOne(conn);
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
            Thread.sleep(warmup.toMillis());
            measuring.set(true);
            long t0 = System.nanoTime();
            Thread.sleep(c.duration.toMillis());
            measuring.set(false);
            long secs = System.nanoTime() - t0;
            running.set(false);
            Thread.sleep(200);
            run.stopRecording();
            run.result.put("handler", handler);
            run.result.put("depth", depth);
            run.result.put("open", open);
            run.result.put("failed", failed[0]);
            run.result.put("replies", replies.sum());
            run.result.put("errors", errors.sum());
            run.result.put("round_trips_per_s", Math.round(measured.sum() / (secs / 1e9)));
            return run.finish();
        }
    }
}
