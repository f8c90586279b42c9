package dev.switchboard.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.bench.Args;
import dev.switchboard.core.Transport;
import dev.switchboard.redis.RedisOptions;
import dev.switchboard.redis.internal.CallbackExecutor;
import dev.switchboard.redis.internal.ClientConfig;
import io.netty.channel.EventLoopGroup;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.redisson.Redisson;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;

/**
 * The machine's floor for a relay through Redis, with no gateway: how much one hop through Redis (publisher →
 * Redis → subscriber, two Redisson clients configured as the broker configures its own) adds at p99 over one
 * direct loopback TCP hop between the same two processes, at the same rate, in the same run. The publisher
 * alternates the two paths second by second so both see the same machine; each message carries its send time
 * ({@code System.nanoTime}, CLOCK_MONOTONIC, comparable across processes on Linux).
 *
 * <pre>
 * relay-floor --role=sub --redis=redis://127.0.0.1:P [--out=FILE]       prints "relay-floor: listening PORT"
 * relay-floor --role=pub --redis=redis://127.0.0.1:P --direct=PORT --rate=10000 --size=100 --duration=20s --warmup=10s
 * </pre>
 *
 * The subscriber prints (and writes to {@code --out}) p50/p99/p99.9/max per path, the added p99, and the messages
 * sent and received per path after the warm-up. Bounded: the publisher stops after warm-up + duration (at most
 * 10 minutes) and the subscriber 30 s after the publisher's last message or after 15 minutes.
 */
public final class RelayFloor {

    static final String CHANNEL = "relay-floor";
    static final int HEADER = 8 + 8 + 1; // send time, sequence, flags
    static final byte MEASURED = 1;
    static final byte DONE = 2;

    private RelayFloor() {
    }

    public static void run(Args a, PrintStream out) throws Exception {
        String role = a.str("role", "");
        String redis = a.str("redis", "redis://127.0.0.1:6379");
        String client = a.str("client", "redisson");
        if (!client.equals("redisson") && !client.equals("raw")) {
            throw new IllegalArgumentException("--client=" + client + " (expected: redisson or raw)");
        }
        boolean raw = client.equals("raw");
        switch (role) {
            case "sub" -> {
                String file = a.str("out", "");
                a.rejectUnknown();
                subscriber(redis, raw, file, out);
            }
            case "pub" -> {
                int direct = a.integer("direct", 0);
                int rate = a.integer("rate", 10_000);
                int size = a.integer("size", 100);
                Duration duration = a.duration("duration", Duration.ofSeconds(20));
                Duration warmup = a.duration("warmup", Duration.ofSeconds(10));
                a.rejectUnknown();
                if (direct < 1 || direct > 65535) {
                    throw new IllegalArgumentException("--direct=" + direct + " (expected: the port the subscriber printed)");
                }
                if (rate < 1 || rate > 200_000) {
                    throw new IllegalArgumentException("--rate=" + rate + " (expected: 1..200000 messages/s)");
                }
                if (size < HEADER || size > 65536) {
                    throw new IllegalArgumentException("--size=" + size + " (expected: " + HEADER + "..65536 bytes)");
                }
                if (duration.isNegative() || warmup.isNegative() || duration.plus(warmup).compareTo(Duration.ofMinutes(10)) > 0) {
                    throw new IllegalArgumentException("--duration + --warmup = " + duration.plus(warmup) + " (expected: at most 10 minutes)");
                }
                publisher(redis, raw, direct, rate, size, duration, warmup, out);
            }
            default -> throw new IllegalArgumentException("--role=" + role + " (expected: sub or pub)");
        }
    }

    /** A Redisson client set up as the standalone server's broker: on shared loops, callbacks inline on them. */
    static RedissonClient client(String url, EventLoopGroup group) {
        RedisOptions options = RedisOptions.builder().url(url).build();
        Config config = ClientConfig.of(options, group, Transport.best(), null);
        config.setExecutor(new CallbackExecutor(group, options.threads()));
        return Redisson.create(config);
    }

    /** Per path: latencies after the warm-up, messages received after it, and the sent count the DONE message carries. */
    static final class Route {
        final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(10), 3);
        final AtomicLong received = new AtomicLong();
        volatile long sent = -1;
        final CountDownLatch done = new CountDownLatch(1);

        void on(ByteBuffer m) {
            long now = System.nanoTime();
            long sentAt = m.getLong(0);
            byte flags = m.get(16);
            if (flags == DONE) {
                sent = m.getLong(8);
                done.countDown();
            } else if (flags == MEASURED) {
                latency.recordValue(Math.max(0, now - sentAt));
                received.incrementAndGet();
            }
        }
    }

    static void subscriber(String url, boolean raw, String file, PrintStream out) throws Exception {
        Route viaRedis = new Route();
        Route direct = new Route();
        Transport t = Transport.best();
        EventLoopGroup group = raw ? null : t.newGroup(2, "relay-floor-sub");
        RedissonClient c = raw ? null : client(url, group);
        RawRedis rawSub = raw ? RawRedis.connect(url) : null;
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            if (raw) {
                rawSub.subscribe(CHANNEL, m -> viaRedis.on(ByteBuffer.wrap(m)));
            } else {
                RTopic topic = c.getTopic(CHANNEL, ByteArrayCodec.INSTANCE);
                topic.addListener(byte[].class, (ch, m) -> viaRedis.on(ByteBuffer.wrap(m).order(ByteOrder.BIG_ENDIAN)));
            }
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            out.println("relay-floor: listening " + ((InetSocketAddress) server.getLocalAddress()).getPort());
            out.flush();
            try (SocketChannel s = server.accept()) {
                s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer len = ByteBuffer.allocate(4);
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
                while (direct.done.getCount() > 0 && System.nanoTime() < deadline) {
                    readFully(s, len.clear());
                    ByteBuffer m = ByteBuffer.allocate(len.getInt(0));
                    readFully(s, m);
                    direct.on(m);
                }
            }
            if (!viaRedis.done.await(30, TimeUnit.SECONDS)) {
                out.println("relay-floor: the Redis path's last message did not arrive within 30 s");
            }
            ObjectNode r = new ObjectMapper().createObjectNode();
            Histogram d = direct.latency.getIntervalHistogram();
            Histogram v = viaRedis.latency.getIntervalHistogram();
            put(r.putObject("direct"), d, direct);
            put(r.putObject("redis"), v, viaRedis);
            double added = (v.getValueAtPercentile(99) - d.getValueAtPercentile(99)) / 1e6;
            r.put("added_p99_ms", Math.round(added * 1000) / 1000.0);
            r.put("added_p50_ms", Math.round((v.getValueAtPercentile(50) - d.getValueAtPercentile(50)) / 1e3) / 1000.0);
            out.printf("relay-floor: direct p50 %.3f ms p99 %.3f ms p99.9 %.3f ms (%d of %d); through Redis p50 %.3f ms"
                            + " p99 %.3f ms p99.9 %.3f ms (%d of %d); Redis adds %.3f ms at p99%n",
                    d.getValueAtPercentile(50) / 1e6, d.getValueAtPercentile(99) / 1e6, d.getValueAtPercentile(99.9) / 1e6,
                    direct.received.get(), direct.sent, v.getValueAtPercentile(50) / 1e6, v.getValueAtPercentile(99) / 1e6,
                    v.getValueAtPercentile(99.9) / 1e6, viaRedis.received.get(), viaRedis.sent, added);
            if (!file.isEmpty()) {
                Files.writeString(Path.of(file), r.toString() + "\n");
            }
        } finally {
            close(c, group, rawSub);
        }
    }

    static void close(RedissonClient c, EventLoopGroup group, RawRedis raw) throws IOException {
        if (c != null) {
            c.shutdown();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (raw != null) {
            raw.close();
        }
    }

    static void put(ObjectNode o, Histogram h, Route p) {
        o.put("p50_ms", h.getValueAtPercentile(50) / 1e6);
        o.put("p99_ms", h.getValueAtPercentile(99) / 1e6);
        o.put("p999_ms", h.getValueAtPercentile(99.9) / 1e6);
        o.put("max_ms", h.getMaxValue() / 1e6);
        o.put("received", p.received.get());
        o.put("sent", p.sent);
        o.put("lost", p.sent < 0 ? -1 : p.sent - p.received.get());
    }

    static void readFully(SocketChannel s, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (s.read(b) < 0) {
                throw new EOFException("the publisher closed the direct connection");
            }
        }
    }

    static void publisher(String url, boolean raw, int port, int rate, int size, Duration duration, Duration warmup,
                          PrintStream out) throws Exception {
        Transport t = Transport.best();
        EventLoopGroup group = raw ? null : t.newGroup(2, "relay-floor-pub");
        RedissonClient c = raw ? null : client(url, group);
        RawRedis rawPub = raw ? RawRedis.connect(url) : null;
        try (SocketChannel s = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            RTopic topic = raw ? null : c.getTopic(CHANNEL, ByteArrayCodec.INSTANCE);
            if (raw) {
                rawPub.discardReplies();
            }
            Semaphore inflight = new Semaphore(1024);
            ByteBuffer frame = ByteBuffer.allocate(4 + size);
            long period = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            long measureFrom = start + warmup.toNanos();
            long end = measureFrom + duration.toNanos();
            long sentDirect = 0;
            long sentRedis = 0;
            long dropped = 0;
            long droppedMeasured = 0;
            for (long i = 0; ; i++) {
                long at = start + i * period;
                if (at >= end) {
                    break;
                }
                long wait;
                while ((wait = at - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 50_000));
                }
                long now = System.nanoTime();
                boolean measured = now >= measureFrom;
                boolean viaRedis = ((now - start) / 1_000_000_000L) % 2 == 1;
                if (viaRedis) {
                    byte[] m = new byte[size];
                    ByteBuffer.wrap(m).putLong(now).putLong(i).put(measured ? MEASURED : 0);
                    if (raw) {
                        rawPub.publish(CHANNEL, m);
                    } else if (inflight.tryAcquire()) {
                        topic.publishAsync(m).whenComplete((n, e) -> inflight.release());
                    } else {
                        dropped++;
                        droppedMeasured += measured ? 1 : 0;
                        continue;
                    }
                    if (measured) {
                        sentRedis++;
                    }
                } else {
                    writeFrame(s, frame, now, i, measured ? MEASURED : 0);
                    if (measured) {
                        sentDirect++;
                    }
                }
            }
            byte[] done = new byte[size];
            ByteBuffer.wrap(done).putLong(System.nanoTime()).putLong(sentRedis).put(DONE);
            if (raw) {
                rawPub.publish(CHANNEL, done);
            } else {
                inflight.acquire(1024);
                topic.publishAsync(done).toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            writeFrame(s, frame, System.nanoTime(), sentDirect, DONE);
            out.printf("relay-floor: sent %d direct and %d through Redis (%s) after the warm-up at %d/s in all; %d not"
                    + " sent with 1,024 publishes already waiting (%d of them after the warm-up)%n", sentDirect, sentRedis,
                    raw ? "raw RESP" : "Redisson", rate, dropped, droppedMeasured);
            if (raw) {
                Thread.sleep(500); // the replies of the last publishes, before the socket closes
            }
        } finally {
            close(c, group, rawPub);
        }
    }

    /** Writes one length-prefixed message of the frame's size on the direct path: send time, number, flags. */
    static void writeFrame(SocketChannel s, ByteBuffer frame, long time, long number, byte flags) throws IOException {
        frame.clear();
        frame.putInt(frame.capacity() - 4).putLong(time).putLong(number).put(flags);
        frame.position(frame.capacity()).flip();
        while (frame.hasRemaining()) {
            s.write(frame);
        }
    }

    /**
     * A bare RESP client on a blocking socket, the reference for what Redisson adds: PUBLISH written straight to
     * the socket (replies read and discarded by a thread), or SUBSCRIBE and a thread that parses pushes.
     */
    static final class RawRedis implements Closeable {
        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;

        private RawRedis(Socket socket) throws IOException {
            this.socket = socket;
            this.out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        }

        static RawRedis connect(String url) throws IOException {
            URI u = URI.create(url);
            Socket s = new Socket(u.getHost(), u.getPort());
            s.setTcpNoDelay(true);
            return new RawRedis(s);
        }

        void publish(String channel, byte[] m) throws IOException {
            byte[] ch = channel.getBytes(StandardCharsets.US_ASCII);
            out.write(("*3\r\n$7\r\nPUBLISH\r\n$" + ch.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(ch);
            out.write(("\r\n$" + m.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(m);
            out.write('\r');
            out.write('\n');
            out.flush();
        }

        void discardReplies() {
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        line();
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "relay-floor-replies");
            t.setDaemon(true);
            t.start();
        }

        void subscribe(String channel, Consumer<byte[]> onMessage) throws IOException {
            byte[] ch = channel.getBytes(StandardCharsets.US_ASCII);
            out.write(("*2\r\n$9\r\nSUBSCRIBE\r\n$" + ch.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(ch);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        String head = line(); // *3
                        if (!head.startsWith("*")) {
                            throw new IOException("unexpected reply: " + head);
                        }
                        byte[] kind = bulk();
                        bulk(); // channel
                        String third = line(); // $N (message) or :N (subscribe count)
                        if (third.startsWith("$") && new String(kind, StandardCharsets.US_ASCII).equals("message")) {
                            byte[] payload = new byte[Integer.parseInt(third.substring(1))];
                            in.readFully(payload);
                            in.readFully(new byte[2]);
                            onMessage.accept(payload);
                        }
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "relay-floor-subscriber");
            t.setDaemon(true);
            t.start();
        }

        private byte[] bulk() throws IOException {
            String len = line();
            byte[] b = new byte[Integer.parseInt(len.substring(1))];
            in.readFully(b);
            in.readFully(new byte[2]);
            return b;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != '\r') {
                if (c < 0) {
                    throw new EOFException();
                }
                sb.append((char) c);
            }
            in.read(); // \n
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
