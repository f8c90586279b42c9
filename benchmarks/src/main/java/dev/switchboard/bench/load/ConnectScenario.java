package dev.switchboard.bench.load;

import dev.switchboard.bench.Args;
import io.netty.buffer.ByteBuf;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code connect}: opens {@code --clients} connections at {@code --connect-rate} per second (with HS256 tokens
 * when {@code --jwt-secret} is given) and measures the upgrade: handshakes per second and the latency from
 * {@code connect()} to the 101 response. Closes them all at the end.
 *
 * <p>Beside the latency it reports its four phases ({@code phases_us}): {@code queue}, from the paced moment
 * to the channel registered on its loop (the generator's loop picking it up); {@code tcp}, from there to the
 * connection established (no server code runs in it: the server's kernel answers the SYN; but the generator's
 * loop notices it late when it is busy or waits for a core, and a SYN dropped by a full accept queue is sent
 * again a second later, see {@code listen_overflows}); {@code request}, to the upgrade request written;
 * {@code answer}, to the 101 read (the server's read, authentication and 101, and the generator's wait to read
 * it). {@code listen_overflows} and {@code listen_drops} are the kernel's {@code TcpExt} counters over the run
 * (this network namespace, so the server's too when it runs here).
 *
 * <p>{@code --read-after-open=false} stops reading a connection once its 101 has arrived: the server still
 * writes what it sends (the first {@code state} frame, the presence broadcasts) and the kernel holds it, but the
 * generator no longer spends a core reading 5,000-10,000 frames per broadcast, which a storm of browsers would
 * each read on their own machine. Default {@code true}. {@code frames_read} counts the text frames read after
 * the 101s (with {@code false}, only those that came in the same read as their 101).
 *
 * <p>{@code --warmup-clients=N} first opens and closes N connections the same way, unmeasured, so that neither
 * the load generator's JIT nor the server's is cold when the measured storm starts (a fresh generator JVM
 * otherwise opens nothing in its first seconds, and measures itself).
 */
public final class ConnectScenario {

    private ConnectScenario() {
    }

    public static Map<String, Object> run(Args a, PrintStream console) throws Exception {
        Common c = new Common("connect", a, console);
        long holdMillis = a.duration("hold", java.time.Duration.ZERO).toMillis();
        int warmupClients = a.integer("warmup-clients", 0);
        boolean readAfterOpen = a.bool("read-after-open", true);
        a.rejectUnknown();
        if (warmupClients > 0) {
            warmUp(c, warmupClients, console);
        }
        AtomicInteger opened = new AtomicInteger();
        int[] failed = {0};
        Map<String, Integer> reasons = new TreeMap<>();
        AtomicLong lastOpen = new AtomicLong();
        LongAdder framesRead = new LongAdder();
        Recorder queue = phase();
        Recorder tcp = phase();
        Recorder request = phase();
        Recorder answer = phase();
        try (Run run = c.newRun("connect"); Clients clients = new Clients(c.url, c.threads, c.sources)) {
            Conn.Listener l = new Conn.Listener() {
                @Override
                public void onOpen(Conn conn) {
                    run.recorder.recordValue(Math.max(1, (conn.openedNanos - conn.startedNanos) / 1000));
                    opened.incrementAndGet();
                    lastOpen.accumulateAndGet(conn.openedNanos, Math::max);
                    long registered = conn.registeredNanos != 0 ? conn.registeredNanos : conn.startedNanos;
                    queue.recordValue(micros(registered - conn.startedNanos));
                    tcp.recordValue(micros(conn.activeNanos - registered));
                    long sent = conn.sentNanos != 0 ? conn.sentNanos : conn.activeNanos;
                    request.recordValue(micros(sent - conn.activeNanos));
                    answer.recordValue(micros(conn.openedNanos - sent));
                    if (!readAfterOpen) {
                        conn.channel().config().setAutoRead(false);
                    }
                }

                @Override
                public void onText(Conn conn, ByteBuf content) {
                    framesRead.increment();
                }

                @Override
                public void onFail(Conn conn, String reason) {
                    synchronized (reasons) {
                        failed[0]++;
                        reasons.merge(reason, 1, Integer::sum);
                    }
                }
            };
            long[] listenBefore = Sys.listenOverflowsAndDrops();
            run.watchServer();
            run.progress(() -> String.format("open=%d failed=%d", opened.get(), failed[0]));
            long start = System.nanoTime();
            clients.open(c.clients, c.connectRate, c.query(), l, 0, null);
            Common.awaitOpen(clients, c.clients, failed, Math.max(30_000, c.duration.toMillis()));
            long end = lastOpen.get() > 0 ? lastOpen.get() : System.nanoTime();
            run.stopRecording();
            if (holdMillis > 0) {
                Thread.sleep(holdMillis);
            }
            run.result.put("connect_rate", c.connectRate);
            run.result.put("warmup_clients", warmupClients);
            run.result.put("read_after_open", readAfterOpen);
            run.result.put("frames_read", framesRead.sum());
            Map<String, Object> phases = new LinkedHashMap<>();
            phases.put("queue", percentiles(queue.getIntervalHistogram()));
            phases.put("tcp", percentiles(tcp.getIntervalHistogram()));
            phases.put("request", percentiles(request.getIntervalHistogram()));
            phases.put("answer", percentiles(answer.getIntervalHistogram()));
            run.result.put("phases_us", phases);
            long[] listenAfter = Sys.listenOverflowsAndDrops();
            if (listenBefore != null && listenAfter != null) {
                run.result.put("listen_overflows", listenAfter[0] - listenBefore[0]);
                run.result.put("listen_drops", listenAfter[1] - listenBefore[1]);
            }
            run.result.put("opened", opened.get());
            run.result.put("failed", failed[0]);
            run.result.put("failures", reasons);
            run.result.put("handshakes_per_s", Math.round(opened.get() / ((end - start) / 1e9)));
            return run.finish();
        }
    }

    /** A phase's recorder: microseconds, up to an hour, 3 significant digits (as the run's own). */
    private static Recorder phase() {
        return new Recorder(3_600_000_000L, 3);
    }

    private static long micros(long nanos) {
        return Math.max(0, nanos / 1000);
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("max", h.getMaxValue());
        return m;
    }

    /**
     * Opens and closes {@code n} connections at the scenario's rate, unmeasured, in passes of at most
     * {@code --clients} (the file limit bounds what one pass may hold).
     */
    static void warmUp(Common c, int n, PrintStream console) throws Exception {
        int done = 0;
        while (done < n) {
            int batch = Math.min(n - done, Math.max(1, c.clients));
            int[] failed = {0};
            long t0 = System.nanoTime();
            try (Clients clients = new Clients(c.url, c.threads, c.sources)) {
                clients.open(batch, c.connectRate, c.query(), Conn.Listener.counting(failed, conn -> { }), 0, null);
                int open = Common.awaitOpen(clients, batch, failed, 60_000);
                console.printf("warm-up: %d opened, %d failed in %.1f s; closing them%n", open, failed[0],
                        (System.nanoTime() - t0) / 1e9);
            }
            done += batch;
            Thread.sleep(1_000); // let the server see the closes
        }
        Thread.sleep(4_000); // and both JITs finish what the passes queued
    }
}
