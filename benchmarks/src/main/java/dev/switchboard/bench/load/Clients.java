package dev.switchboard.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * WebSocket client connections to one server, spread over {@code sources} loopback source addresses
 * (127.0.0.1, .2, …) so that tens of thousands of connections do not exhaust one address's ephemeral ports.
 */
public final class Clients implements AutoCloseable {

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final InetSocketAddress remote;
    private final URI base;
    private final int sources;
    private final List<Conn> conns = new ArrayList<>();

    public Clients(URI url, int threads, int sources) {
        this.base = url;
        this.sources = Math.max(1, sources);
        this.group = Net.group(threads, "bench-client");
        int port = url.getPort() > 0 ? url.getPort() : 80;
        this.remote = new InetSocketAddress(url.getHost(), port);
        this.bootstrap = new Bootstrap().group(group).channel(Net.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        if (Net.epoll()) {
            // Binding a source address picks the port at bind() time, blind to the destination, and skips every
            // port in TIME_WAIT: after a few storms the search for a free port spun the generator's CPU
            // (180 %, 550 handshakes/s). With this the kernel picks it at connect() from the whole 4-tuple, and
            // may reuse loopback TIME_WAIT ports (net.ipv4.tcp_tw_reuse).
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
    }

    public EventLoopGroup group() {
        return group;
    }

    /** Opens connection {@code index} to the base URL with {@code query} appended (may be null). Any thread. */
    public Conn connect(int index, String query, Conn.Listener listener) {
        String u = base.toString();
        if (query != null && !query.isEmpty()) {
            u += (u.contains("?") ? "&" : "?") + query;
        }
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(URI.create(u),
                WebSocketVersion.V13, null, false, EmptyHttpHeaders.INSTANCE, 1 << 20, true, false, 10_000L,
                false, false);
        Conn c = new Conn(index, hs, listener, System.nanoTime());
        synchronized (conns) {
            conns.add(c);
        }
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192), c);
            }
        });
        InetSocketAddress local = new InetSocketAddress("127.0.0." + (1 + index % sources), 0);
        ChannelFuture f = remote.getAddress().isLoopbackAddress() ? b.connect(remote, local) : b.connect(remote);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                c.fail(done.cause().getClass().getSimpleName() + ": " + done.cause().getMessage());
            }
        });
        return c;
    }

    /**
     * Opens {@code n} connections at {@code perSecond} (0: all at once), waits until each is open or failed or
     * {@code timeoutMillis} passed. Returns the connections (open or not).
     */
    public List<Conn> open(int n, double perSecond, IntFunction<String> query, Conn.Listener listener,
                           long timeoutMillis, Runnable tick) throws InterruptedException {
        List<Conn> opened = new ArrayList<>(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (perSecond > 0) {
                long due = start + (long) (i * 1e9 / perSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            opened.add(connect(i, query == null ? null : query.apply(i), listener));
            if (tick != null) {
                tick.run();
            }
        }
        return opened;
    }

    public List<Conn> all() {
        synchronized (conns) {
            return new ArrayList<>(conns);
        }
    }

    public int openCount() {
        int n = 0;
        for (Conn c : all()) {
            if (c.open) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        for (Conn c : all()) {
            if (c.channel != null) {
                c.channel.close();
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
