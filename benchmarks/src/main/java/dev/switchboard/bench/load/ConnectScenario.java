package dev.switchboard.bench.load;

import dev.switchboard.bench.Args;
import io.netty.buffer.ByteBuf;
import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code connect}: opens {@code --clients} connections at {@code --connect-rate} per second (with HS256 tokens
 * when {@code --jwt-secret} is given) and measures the upgrade: handshakes per second and the latency from
 * {@code connect()} to the 101 response. Closes them all at the end.
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
        a.rejectUnknown();
        if (warmupClients > 0) {
            warmUp(c, warmupClients, console);
        }
        AtomicInteger opened = new AtomicInteger();
        int[] failed = {0};
        Map<String, Integer> reasons = new TreeMap<>();
        AtomicLong lastOpen = new AtomicLong();
        try (Run run = c.newRun("connect"); Clients clients = new Clients(c.url, c.threads, c.sources)) {
            Conn.Listener l = new Conn.Listener() {
                @Override
                public void onOpen(Conn conn) {
                    run.recorder.recordValue(Math.max(1, (conn.openedNanos - conn.startedNanos) / 1000));
                    opened.incrementAndGet();
                    lastOpen.accumulateAndGet(conn.openedNanos, Math::max);
                }

                @Override
                public void onText(Conn conn, ByteBuf content) {
                }

                @Override
                public void onFail(Conn conn, String reason) {
                    synchronized (reasons) {
                        failed[0]++;
                        reasons.merge(reason, 1, Integer::sum);
                    }
                }
            };
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
            run.result.put("opened", opened.get());
            run.result.put("failed", failed[0]);
            run.result.put("failures", reasons);
            run.result.put("handshakes_per_s", Math.round(opened.get() / ((end - start) / 1e9)));
            return run.finish();
        }
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
