package dev.switchboard.bench.load;

import dev.switchboard.bench.Args;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The machine's floor for a broadcast: how long one thread takes to write one small message to each of N
 * loopback TCP sockets with plain {@code write(2)} calls, no WebSocket, no Netty, no gateway. A broadcast to
 * 10,000 clients on two event loops is 5,000 such writes per loop; if the bare writes already take longer than
 * a latency target, no server on this machine can meet it.
 *
 * <p>{@code --reader=awake}: a reader thread blocks in a selector on the other ends and reads each message as
 * it lands (a client, as the load generator is; each write may have to wake it). {@code --reader=parked}: nobody
 * reads during the round (the bytes wait in the receive buffers and are drained after it), which leaves the
 * sender's own cost of TCP on loopback without any wake-up. Rounds are {@code --interval} apart, as rare
 * broadcasts are, on wall-clock multiples of the interval so that processes started together write at once
 * (two of 5,000 sockets are a 10,000-recipient broadcast on two threads, as the gateway's two loops). Bounded: at most 9,000 sockets (two descriptors each) and 1,000 rounds.
 */
public final class WriteFloor {

    private WriteFloor() {
    }

    public static Result run(Args a, PrintStream out) throws Exception {
        int sockets = a.integer("sockets", 5000);
        int size = a.integer("size", 100);
        int rounds = a.integer("rounds", 10);
        Duration interval = a.duration("interval", Duration.ofSeconds(1));
        String reader = a.str("reader", "awake");
        a.rejectUnknown();
        if (sockets < 1 || sockets > 9000) {
            throw new IllegalArgumentException("--sockets=" + sockets
                    + " (expected: 1..9000; each socket pair holds two of the process's 20,000 descriptors)");
        }
        if (size < 1 || size > 65536) {
            throw new IllegalArgumentException("--size=" + size + " (expected: 1..65536 bytes)");
        }
        if (rounds < 1 || rounds > 1000) {
            throw new IllegalArgumentException("--rounds=" + rounds + " (expected: 1..1000)");
        }
        if (interval.isNegative() || interval.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("--interval=" + interval + " (expected: 0..60s)");
        }
        boolean awake = switch (reader) {
            case "awake" -> true;
            case "parked" -> false;
            default -> throw new IllegalArgumentException("--reader=" + reader + " (expected: awake or parked)");
        };

        List<SocketChannel> senders = new ArrayList<>(sockets);
        List<SocketChannel> receivers = new ArrayList<>(sockets);
        try {
            try (ServerSocketChannel listen = ServerSocketChannel.open()) {
                listen.bind(new InetSocketAddress("127.0.0.1", 0), sockets);
                for (int i = 0; i < sockets; i++) {
                    SocketChannel c = SocketChannel.open(listen.getLocalAddress());
                    receivers.add(c);
                    c.configureBlocking(false);
                    SocketChannel s = listen.accept();
                    senders.add(s);
                    s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    // Non-blocking, as a server's sockets are: a full buffer shows as a write of 0, not a hang.
                    s.configureBlocking(false);
                    if ((i + 1) % 1000 == 0) {
                        out.printf("connected %d/%d%n", i + 1, sockets);
                    }
                }
            }
            Result r = measure(senders, receivers, size, rounds, interval, awake, out);
            out.printf(Locale.ROOT, "write-floor: %d sockets, %d B, reader %s, %d rounds %s apart%n", sockets, size,
                    reader, rounds, interval);
            out.printf(Locale.ROOT, "  writes of one round (median of rounds): %.2f ms, %.2f us per write "
                    + "(writer CPU %.2f us per write)%n", r.roundMs, r.usPerWrite, r.cpuUsPerWrite);
            if (r.bytesReceived != (long) sockets * size * rounds) {
                throw new IOException("received " + r.bytesReceived + " bytes, expected " + (long) sockets * size * rounds);
            }
            if (awake) {
                out.printf(Locale.ROOT, "  received (median of rounds): 50 %% of sockets by %.2f ms, 99 %% by %.2f ms,"
                        + " all by %.2f ms after the round began%n", r.p50Ms, r.p99Ms, r.maxMs);
            }
            out.printf(Locale.ROOT, "  per round: %s ms%n", r.perRound);
            return r;
        } finally {
            for (SocketChannel c : senders) {
                c.close();
            }
            for (SocketChannel c : receivers) {
                c.close();
            }
        }
    }

    /** Medians over the rounds; {@code p50Ms}, {@code p99Ms}, {@code maxMs} are 0 with a parked reader. */
    public record Result(double roundMs, double usPerWrite, double cpuUsPerWrite, double p50Ms, double p99Ms, double maxMs,
                         String perRound, long bytesReceived) {
    }

    static Result measure(List<SocketChannel> senders, List<SocketChannel> receivers, int size, int rounds,
                          Duration interval, boolean awake, PrintStream out) throws Exception {
        int n = senders.size();
        ByteBuffer message = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            message.put(i, (byte) ('a' + i % 26));
        }
        var threads = ManagementFactory.getThreadMXBean();
        double[] roundMs = new double[rounds];
        double[] cpuUs = new double[rounds];
        double[] p50 = new double[rounds];
        double[] p99 = new double[rounds];
        double[] max = new double[rounds];
        long drained = 0;
        Reader r = awake ? new Reader(receivers, size) : null;
        if (r != null) {
            r.start();
        }
        try {
            for (int round = 0; round < rounds; round++) {
                if (round > 0 || interval.toMillis() > 0) {
                    sleepToNextTick(interval);
                }
                if (r != null) {
                    r.arm(round);
                }
                long cpu0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                if (r != null) {
                    r.roundStart = t0;
                }
                for (int i = 0; i < n; i++) {
                    ByteBuffer b = message.duplicate();
                    while (b.hasRemaining()) {
                        if (senders.get(i).write(b) == 0) {
                            throw new IOException("socket " + i + " would block: its receive buffer is full");
                        }
                    }
                }
                long t1 = System.nanoTime();
                long cpu1 = threads.getCurrentThreadCpuTime();
                roundMs[round] = (t1 - t0) / 1e6;
                cpuUs[round] = (cpu1 - cpu0) / 1e3 / n;
                if (r != null) {
                    long[] at = r.await(Duration.ofSeconds(30));
                    Arrays.sort(at);
                    p50[round] = at[(int) Math.ceil(0.50 * n) - 1] / 1e6;
                    p99[round] = at[(int) Math.ceil(0.99 * n) - 1] / 1e6;
                    max[round] = at[n - 1] / 1e6;
                } else {
                    drained += drain(receivers, size, Duration.ofSeconds(30));
                }
                out.printf(Locale.ROOT, "round %d/%d: %d writes in %.2f ms%s%n", round + 1, rounds, n, roundMs[round],
                        r == null ? "" : String.format(Locale.ROOT, ", 99 %% received by %.2f ms", p99[round]));
            }
        } finally {
            if (r != null) {
                r.interrupt();
                r.join(5000);
            }
        }
        StringBuilder per = new StringBuilder();
        for (int i = 0; i < rounds; i++) {
            per.append(i == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.1f", roundMs[i]));
        }
        double median = median(roundMs);
        return new Result(median, median * 1e3 / n, median(cpuUs), median(p50), median(p99), median(max),
                per.toString(), r != null ? r.bytes() : drained);
    }

    /**
     * Sleeps to the next wall-clock multiple of {@code interval} (of a millisecond if it is 0), so that several
     * processes started together begin their rounds at the same moments: two processes of 5,000 sockets each are
     * the two event loops of a gateway broadcasting to 10,000.
     */
    private static void sleepToNextTick(Duration interval) throws InterruptedException {
        long every = Math.max(1, interval.toMillis());
        long now = System.currentTimeMillis();
        Thread.sleep(every - now % every);
    }

    /** Reads one message from each receiver (non-blocking, within {@code timeout}); returns the bytes read. */
    private static long drain(List<SocketChannel> receivers, int size, Duration timeout) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        long deadline = System.nanoTime() + timeout.toNanos();
        long bytes = 0;
        for (int i = 0; i < receivers.size(); i++) {
            b.clear();
            while (b.hasRemaining()) {
                int read = receivers.get(i).read(b);
                if (read < 0) {
                    throw new IOException("receiver " + i + " closed");
                }
                if (read == 0) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("receiver " + i + " got " + b.position() + " of " + size + " bytes in "
                                + timeout);
                    }
                    Thread.onSpinWait();
                }
            }
            bytes += size;
        }
        return bytes;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Reads every receiver's message of the round and notes when it arrived, relative to the round's start. */
    private static final class Reader extends Thread {
        private final List<SocketChannel> receivers;
        private final int size;
        private final long[] arrived;
        private final int[] got;
        private final AtomicInteger complete = new AtomicInteger();
        private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        private volatile CountDownLatch done = new CountDownLatch(1);
        volatile long roundStart;
        private final Selector selector;

        Reader(List<SocketChannel> receivers, int size) throws IOException {
            super("write-floor-reader");
            setDaemon(true);
            this.receivers = receivers;
            this.size = size;
            this.arrived = new long[receivers.size()];
            this.got = new int[receivers.size()];
            this.selector = Selector.open();
            for (int i = 0; i < receivers.size(); i++) {
                receivers.get(i).register(selector, SelectionKey.OP_READ, i);
            }
        }

        void arm(int round) {
            Arrays.fill(got, 0);
            complete.set(0);
            done = new CountDownLatch(1);
        }

        long bytes() {
            return bytes.get();
        }

        long[] await(Duration timeout) throws InterruptedException, IOException {
            if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("the reader received " + complete.get() + " of " + receivers.size()
                        + " messages in " + timeout);
            }
            return arrived.clone();
        }

        @Override
        public void run() {
            ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
            try {
                while (!isInterrupted()) {
                    if (selector.select(100) == 0) {
                        continue;
                    }
                    long start = roundStart; // read first: publishes the round's arm() to this thread
                    var it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        int i = (Integer) k.attachment();
                        b.clear();
                        int read = ((SocketChannel) k.channel()).read(b);
                        long now = System.nanoTime();
                        if (read < 0) {
                            return;
                        }
                        if (read == 0) {
                            continue;
                        }
                        bytes.addAndGet(read);
                        got[i] += read;
                        if (got[i] == size) {
                            arrived[i] = now - start;
                            if (complete.incrementAndGet() == receivers.size()) {
                                done.countDown();
                            }
                        }
                    }
                }
            } catch (IOException e) {
                System.err.println("write-floor reader: " + e);
            } finally {
                try {
                    selector.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }
}
