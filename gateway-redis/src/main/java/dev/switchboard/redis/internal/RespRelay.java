package dev.switchboard.redis.internal;

import dev.switchboard.core.Transport;
import dev.switchboard.redis.RedisOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.util.internal.PlatformDependent;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries the broker's pub/sub over two plain Netty connections to one Redis server, on the given event loops:
 * one that only {@code PUBLISH}es, pipelined, and one that only {@code SUBSCRIBE}s, decoded on its loop.
 *
 * <p>Why not Redisson's pub/sub: measured with {@code benchmarks/relay-floor.sh} at 10,000 msg/s, Redis itself
 * adds 0.11 ms at p99 to a hop between two processes and Redisson's publish and subscribe paths 1.8 ms (each
 * end about half: its command queue, connection pool and promise hand-offs). Here a publish is one buffer
 * queued by the caller and written and flushed on the publisher's loop, once per pass for all that queued, and a
 * message goes from the socket to the broker's listener with no hand-off. Redisson keeps presence and tokens.
 *
 * <p>Semantics match the broker's: at most once. A publish is refused (the caller counts it as dropped) when
 * the publishing connection is not up or {@code maxPendingPublishes} await Redis's reply; one accepted and not
 * answered when its connection drops, or when the relay stops, is reported unconfirmed (Redis may or may not
 * have relayed it). Either connection that drops is reopened after 50 ms to 2 s (doubling, jittered); the
 * subscriber then subscribes again, and what was published in the gap is lost. A connection is closed (and
 * reopened) when Redis leaves its set-up unanswered for {@code timeout}, when it has publishes waiting and
 * Redis answered none of them for {@code timeout} (checked every {@code timeout / 2}), and when it read
 * nothing for {@code pingInterval} and a PING then stays unanswered for {@code timeout}. Both carry the broker's
 * TCP keepalive ({@link ClientConfig.ConnectionHook}). Host names are resolved with Netty's asynchronous DNS
 * resolver: the loops are the gateway's, and never wait on a lookup.
 *
 * <p>Threads: {@link #publish} from any thread. {@link Listener#onMessage}, {@link Listener#onOversized} and
 * {@link Listener#onResubscribed} on the subscriber's event loop, in Redis's order; {@link Listener#onPublished}
 * and {@link Listener#onUnconfirmed} on the publisher's, or (once the loops are shut down) on the thread of
 * {@link #publish} or {@link #stop}.
 */
public final class RespRelay {

    private static final Logger log = LoggerFactory.getLogger(RespRelay.class);
    private static final long MIN_DELAY_MILLIS = 50;
    private static final long MAX_DELAY_MILLIS = 2_000;
    private static final byte[] PUBLISH_HEAD = "*3\r\n$7\r\nPUBLISH\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SUBSCRIBE = "subscribe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "pong".getBytes(StandardCharsets.US_ASCII);

    /** What the relay tells its owner; which thread calls what: see the class comment. */
    public interface Listener {
        /** A message arrived on the {@code index}th channel given; {@code payload} is the listener's to keep. */
        void onMessage(int index, byte[] payload);

        /** A message longer than {@code maxMessageSize} arrived and was skipped unread. */
        void onOversized();

        /** Redis answered a publish; {@code relayed} is false when it refused it (an error reply). */
        void onPublished(boolean relayed);

        /** {@code n} accepted publishes will get no answer: their connection dropped, or the relay stopped. */
        void onUnconfirmed(int n);

        /** The subscriber is subscribed again after its connection dropped. */
        void onResubscribed();
    }

    private final List<String> channels;
    private final byte[][] channelBytes;
    private final byte[] publishChannelHeader;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final int maxPending;
    private final long timeoutNanos;
    private final long pingNanos;
    private final int maxMessageSize;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final Transport transport;
    private final DnsAddressResolverGroup resolver;
    private final Listener listener;

    private final Link publisher;
    private final Link subscriber;
    /** Publishes accepted and not yet answered or reported unconfirmed: the bound of maxPendingPublishes. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Publishes on their way to the publisher's loop, which writes them all and flushes once. */
    private final Queue<ByteBuf> outbox = PlatformDependent.newMpscQueue();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    private volatile boolean stopped;
    /** Redis refused a PING (an ACL without {@code +ping}): the connections are no longer pinged. */
    private volatile boolean pingRefused;

    /**
     * @param channels the channels to subscribe, in the order {@link Listener#onMessage} numbers them
     * @param publishChannel where {@link #publish} publishes
     * @param group event loops to run on (the gateway's), or {@code null} for one of the relay's own
     */
    public RespRelay(RedisOptions o, List<String> channels, String publishChannel, EventLoopGroup group,
                     Transport transport, Listener listener) {
        if (o.usesCluster() || o.usesSentinel() || !"redis".equals(URI.create(o.url()).getScheme())) {
            throw new IllegalArgumentException("the direct relay reaches one redis:// server; got " + o);
        }
        this.channels = List.copyOf(channels);
        channelBytes = this.channels.stream().map(c -> c.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        byte[] name = publishChannel.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream head = new ByteArrayOutputStream(PUBLISH_HEAD.length + name.length + 16);
        head.writeBytes(PUBLISH_HEAD);
        head.writeBytes(("$" + name.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        head.writeBytes(name);
        head.writeBytes(CRLF);
        publishChannelHeader = head.toByteArray();
        URI u = URI.create(o.url());
        host = u.getHost();
        port = u.getPort() < 0 ? 6379 : u.getPort();
        String[] info = ClientConfig.userInfo(u);
        user = o.username() != null ? o.username() : info[0];
        password = o.password() != null ? o.password() : info[1];
        maxPending = o.maxPendingPublishes();
        timeoutNanos = o.timeout().toNanos();
        pingNanos = o.pingInterval().toNanos();
        maxMessageSize = o.maxMessageSize();
        ownGroup = group == null;
        this.transport = group != null ? transport : Transport.best();
        this.group = group != null ? group : this.transport.newGroup(1, "switchboard-redis-relay");
        resolver = new DnsAddressResolverGroup(
                this.transport == Transport.EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class,
                DnsServerAddressStreamProviders.platformDefault());
        this.listener = listener;
        publisher = new Link("publisher", false, this.group.next());
        subscriber = new Link("subscriber", true, this.group.next());
    }

    /** Opens both connections; they keep reopening until {@link #stop}. */
    public void start() {
        publisher.loop.execute(publisher::connect);
        subscriber.loop.execute(subscriber::connect);
    }

    /** Tells whether both connections are up and every channel is subscribed. */
    public boolean healthy() {
        return publisher.ready && subscriber.ready;
    }

    /**
     * Publishes {@code payload}, or refuses it (returns {@code false}): not up, stopped, or too many awaiting
     * Redis. A {@code true} is followed by one {@link Listener#onPublished} or a share of one
     * {@link Listener#onUnconfirmed}. Any thread.
     */
    public boolean publish(byte[] payload) {
        if (!publisher.ready || stopped) {
            return false;
        }
        int n = pending.incrementAndGet();
        if (n > maxPending) {
            pending.decrementAndGet();
            return false;
        }
        byte[] len = Integer.toString(payload.length).getBytes(StandardCharsets.US_ASCII);
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.ioBuffer(publishChannelHeader.length + len.length + payload.length + 5);
        buf.writeBytes(publishChannelHeader).writeByte('$').writeBytes(len).writeBytes(CRLF)
                .writeBytes(payload).writeBytes(CRLF);
        outbox.add(buf);
        scheduleDrain();
        return true;
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                publisher.loop.execute(drain);
            } catch (RejectedExecutionException e) {
                drain(); // the loops are shut down: report what is queued from here
            }
        }
    }

    /**
     * Writes what was published to the open connection and flushes once, or, with none open (or stopped, or
     * off the publisher's loop once the loops are gone), reports it unconfirmed. Every accepted publish ends in one
     * {@link Listener#onPublished} or is counted in one {@link Listener#onUnconfirmed}. Under the outbox's lock:
     * the queue has one consumer at a time, which the fallback off the loop would otherwise break.
     */
    private void drain() {
        int unsent = 0;
        synchronized (outbox) {
            drainScheduled.set(false);
            Connection conn = publisher.loop.inEventLoop() ? publisher.current : null;
            boolean open = !stopped && conn != null && !conn.closed && conn.ready;
            ByteBuf buf;
            while ((buf = outbox.poll()) != null) {
                if (open) {
                    conn.send(buf);
                } else {
                    buf.release();
                    unsent++;
                }
            }
            if (open) {
                conn.ctx.flush();
            }
        }
        if (unsent > 0) {
            pending.addAndGet(-unsent);
            listener.onUnconfirmed(unsent);
        }
    }

    /**
     * Closes both connections (also one still in its set-up) and stops reopening them; reports what is still
     * queued as unconfirmed. Returns at once.
     */
    public void stop() {
        stopped = true;
        publisher.close();
        subscriber.close();
        scheduleDrain(); // one already scheduled sees `stopped` too
        if (ownGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).addListener(f -> resolver.close());
        } else {
            resolver.close();
        }
    }

    private static void command(ByteBuf out, String... args) {
        out.writeByte('*').writeBytes(Integer.toString(args.length).getBytes(StandardCharsets.US_ASCII)).writeBytes(CRLF);
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            out.writeByte('$').writeBytes(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII)).writeBytes(CRLF)
                    .writeBytes(b).writeBytes(CRLF);
        }
    }

    private int index(byte[] name) {
        for (int i = 0; i < channelBytes.length; i++) {
            if (Arrays.equals(channelBytes[i], name)) {
                return i;
            }
        }
        return -1;
    }

    /** One of the two connections, reopened until the relay stops. Its state lives on {@link #loop}. */
    private final class Link {
        private final String role;
        private final boolean subscribes;
        final EventLoop loop;
        volatile boolean ready;
        /** The handler of the connection opened last, from its registration to its end; on {@link #loop} only. */
        Connection current;
        private boolean everReady;
        private boolean warned;
        private long delayMillis = MIN_DELAY_MILLIS;

        Link(String role, boolean subscribes, EventLoop loop) {
            this.role = role;
            this.subscribes = subscribes;
            this.loop = loop;
        }

        /** On {@link #loop}: opens the next connection (every connection of a link lives on its loop). */
        void connect() {
            if (stopped) {
                return;
            }
            Connection conn = new Connection(this);
            current = conn;
            Bootstrap b = new Bootstrap().group(loop).channel(transport.socketChannel()).resolver(resolver)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                            (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)))
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            // The publisher reads only integers and short strings; the subscriber, payloads.
                            ch.pipeline().addLast("resp", new RespDecoder(subscribes ? maxMessageSize : 64))
                                    .addLast("relay", conn);
                        }
                    });
            new ClientConfig.ConnectionHook(transport).afterBoostrapInitialization(b);
            b.connect(host, port).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    if (current == conn) {
                        current = null;
                    }
                    lost(f.cause().toString());
                    retry();
                }
            });
        }

        void up() {
            ready = true;
            delayMillis = MIN_DELAY_MILLIS;
            if (warned) {
                warned = false;
                log.info("Redis {} connection to {}:{} back", role, host, port);
            }
            if (subscribes && everReady) {
                listener.onResubscribed();
            }
            everReady = true;
        }

        void down(Connection conn, boolean wasReady) {
            if (current == conn) {
                current = null;
                ready = false;
            }
            if (!stopped) {
                if (wasReady) {
                    lost("connection closed");
                }
                retry();
            }
        }

        private void retry() {
            if (stopped) {
                return;
            }
            long d = delayMillis / 2 + ThreadLocalRandom.current().nextLong(delayMillis / 2 + 1);
            delayMillis = Math.min(MAX_DELAY_MILLIS, delayMillis * 2);
            try {
                loop.schedule(this::connect, d, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // the loops are shutting down: so is the relay's owner
            }
        }

        /** Warns once per outage; the rest at DEBUG. */
        void lost(String why) {
            if (stopped) {
                return;
            }
            if (!warned) {
                warned = true;
                log.warn("Redis {} connection to {}:{} lost ({}); reopening", role, host, port, why);
            } else {
                log.debug("Redis {} connection to {}:{}: {}", role, host, port, why);
            }
        }

        /** Closes the current connection, ready or still in its set-up, on the link's loop. */
        void close() {
            ready = false;
            try {
                loop.execute(() -> {
                    Connection c = current;
                    if (c != null && c.ctx != null) {
                        c.ctx.close();
                    }
                });
            } catch (RejectedExecutionException e) {
                // the loops are gone, and their channels with them
            }
        }
    }

    /**
     * One connection's handler: its set-up, then its messages or replies. Everything here runs on the
     * connection's loop, so the count of publishes written and not yet answered ({@code inFlight}) is exact:
     * when the connection closes, those are reported unconfirmed.
     */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private final Link link;
        ChannelHandlerContext ctx;
        /** Replies still expected before the connection is ready: its set-up, one per channel subscribed. */
        private int awaiting;
        private int inFlight;
        /** PINGs sent and not answered; on the publisher they are always ahead of every publish in flight. */
        private int pings;
        private long lastProgressNanos;
        private long lastReadNanos;
        boolean ready;
        boolean closed;

        Connection(Link link) {
            this.link = link;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            if (stopped || link.current != this) {
                ch.close();
                return;
            }
            ByteBuf out = ctx.alloc().ioBuffer(256);
            if (password != null) {
                if (user != null) {
                    command(out, "AUTH", user, password);
                } else {
                    command(out, "AUTH", password);
                }
                awaiting++;
            }
            command(out, "CLIENT", "SETNAME", "switchboard-" + link.role);
            awaiting++;
            if (link.subscribes) {
                List<String> args = new ArrayList<>(channels.size() + 1);
                args.add("SUBSCRIBE");
                args.addAll(channels);
                command(out, args.toArray(String[]::new));
                awaiting += channels.size();
            }
            ctx.writeAndFlush(out, ctx.voidPromise());
            // A Redis that accepts connections but answers nothing (frozen, paused) must not hold the link.
            ctx.executor().schedule(() -> {
                if (!ready && !closed) {
                    link.lost("no answer to its set-up within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
                    ctx.close();
                }
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        }

        /** Writes one publish (not flushed); a write that fails closes the connection, counted in flight. */
        void send(ByteBuf buf) {
            if (inFlight++ == 0) {
                lastProgressNanos = System.nanoTime();
            }
            ctx.write(buf, ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closed) {
                return;
            }
            lastReadNanos = System.nanoTime();
            if (awaiting > 0) {
                setUp(ctx, msg);
            } else if (pings > 0 && (msg instanceof RespDecoder.Error || !link.subscribes || isPong(msg))) {
                pong(msg);
            } else if (link.subscribes) {
                message(ctx, msg);
            } else {
                reply(ctx, msg);
            }
        }

        private void setUp(ChannelHandlerContext ctx, Object msg) {
            boolean ok = "OK".equals(msg) || link.subscribes && msg instanceof Object[] a && a.length == 3
                    && a[0] instanceof byte[] kind && Arrays.equals(kind, SUBSCRIBE);
            if (!ok) {
                String why = msg instanceof RespDecoder.Error e ? e.message() : "unexpected reply " + msg;
                link.lost("Redis refused the " + link.role + "'s set-up: " + why);
                ctx.close();
                return;
            }
            if (--awaiting == 0) {
                if (stopped) {
                    ctx.close();
                    return;
                }
                ready = true;
                link.up();
                if (!link.subscribes) {
                    ctx.executor().schedule(() -> checkReplies(ctx), timeoutNanos / 2, TimeUnit.NANOSECONDS);
                }
                if (pingNanos > 0) {
                    ctx.executor().schedule(() -> tick(ctx), pingNanos, TimeUnit.NANOSECONDS);
                }
            }
        }

        private boolean isPong(Object msg) {
            return msg instanceof Object[] a && a.length == 2 && a[0] instanceof byte[] kind && Arrays.equals(kind, PONG);
        }

        /** A PING's answer: any answer proves the connection alive; a refusal (ACL) stops the pinging. */
        private void pong(Object msg) {
            pings--;
            if (msg instanceof RespDecoder.Error e && !pingRefused) {
                pingRefused = true;
                log.warn("Redis refused PING on the {} connection ({}); the relay's connections are no longer pinged"
                        + " (grant the ACL user +ping), TCP keepalive still finds a dead one", link.role, e.message());
            }
        }

        /**
         * Pings a connection that read nothing for {@code pingInterval} and closes it when the PING is not
         * answered within {@code timeout}: a half-open connection (its peer gone without a FIN) is found within
         * {@code pingInterval + timeout} (7 s by default) of its last read, sooner than keepalive's 11 s. Safe
         * on the subscriber, unlike Redisson's ping: a pong is {@code ["pong", ""]}, never taken for a message.
         * The publisher is pinged only with nothing in flight (its waiting publishes have their own deadline),
         * so its PINGs are answered before any publish written after them.
         */
        private void tick(ChannelHandlerContext ctx) {
            if (closed) {
                return;
            }
            long silent = System.nanoTime() - lastReadNanos;
            if (silent >= pingNanos && pings == 0 && !pingRefused && (link.subscribes || inFlight == 0)) {
                ByteBuf ping = ctx.alloc().ioBuffer(16);
                command(ping, "PING");
                ctx.writeAndFlush(ping, ctx.voidPromise());
                pings++;
                long readAtPing = lastReadNanos;
                ctx.executor().schedule(() -> {
                    if (!closed && lastReadNanos == readAtPing) {
                        link.lost("no answer to PING within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
                        ctx.close();
                    }
                }, timeoutNanos, TimeUnit.NANOSECONDS);
            }
            long next = silent >= pingNanos ? pingNanos : pingNanos - silent;
            ctx.executor().schedule(() -> tick(ctx), next, TimeUnit.NANOSECONDS);
        }

        private void message(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Object[] a && a.length == 3 && a[0] instanceof byte[] kind && Arrays.equals(kind, MESSAGE)
                    && a[1] instanceof byte[] name) {
                int index = index(name);
                if (index < 0) {
                    return; // not ours: cannot happen on a connection that subscribed only these
                }
                if (a[2] == RespDecoder.OVERSIZED) {
                    listener.onOversized();
                } else if (a[2] instanceof byte[] payload) {
                    listener.onMessage(index, payload);
                }
            } else if (msg instanceof RespDecoder.Error e) {
                link.lost("Redis error on the subscriber: " + e.message());
                ctx.close();
            }
            // else: a subscription count; nothing to do
        }

        private void reply(ChannelHandlerContext ctx, Object msg) {
            if ((msg instanceof Long || msg instanceof RespDecoder.Error) && inFlight > 0) {
                inFlight--;
                pending.decrementAndGet();
                lastProgressNanos = System.nanoTime();
                if (msg instanceof RespDecoder.Error e) {
                    log.debug("Redis refused a publish: {}", e.message());
                }
                listener.onPublished(msg instanceof Long);
                return;
            }
            link.lost("unexpected reply to PUBLISH: " + msg);
            ctx.close();
        }

        /** Closes a publisher with publishes waiting whose last answer from Redis is older than {@code timeout}. */
        private void checkReplies(ChannelHandlerContext ctx) {
            if (closed) {
                return;
            }
            if (inFlight > 0 && System.nanoTime() - lastProgressNanos > timeoutNanos) {
                link.lost("no reply to PUBLISH for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
                ctx.close();
                return;
            }
            ctx.executor().schedule(() -> checkReplies(ctx), timeoutNanos / 2, TimeUnit.NANOSECONDS);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            link.lost(cause.toString());
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed = true;
            if (inFlight > 0) {
                int n = inFlight;
                inFlight = 0;
                pending.addAndGet(-n);
                listener.onUnconfirmed(n);
            }
            link.down(this, ready);
        }
    }
}
