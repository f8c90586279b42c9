package dev.switchboard.bench.hub;

import dev.switchboard.bench.Args;
import dev.switchboard.bench.load.Net;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;

/**
 * The plain Netty reference: a broadcast hub that rebroadcasts every text frame it receives to every client
 * through a {@link ChannelGroup} (Netty's own example style: the group duplicates the frame, the WebSocket
 * encoder writes a header per recipient). Variant {@code flush} adds a {@link FlushConsolidationHandler} at
 * the head of each pipeline, the usual first optimisation of such a server. Variant {@code echo} (with the
 * same handler) sends every text frame back to its sender only: the reference for request/reply, doing no JSON
 * work at all.
 *
 * <p>With {@code countEvery} > 0, the hub also does what the gateway's presence does: every {@code countEvery},
 * when the number of clients changed, it broadcasts {@code {"channel":"state","message":{"num_clients":N}}} to all
 * of them. A reference for the connect storm that pays the same broadcast, on both sides of the socket.
 */
public final class NettyHub implements AutoCloseable {

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel server;
    private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    public NettyHub(String host, int port, int threads, String variant) throws InterruptedException {
        this(host, port, threads, variant, java.time.Duration.ZERO);
    }

    public NettyHub(String host, int port, int threads, String variant, java.time.Duration countEvery)
            throws InterruptedException {
        if (countEvery.isNegative()) {
            throw new IllegalArgumentException("--count-every=" + countEvery + " (expected: 0s (off) or more)");
        }
        boss = Net.group(1, "hub-accept");
        workers = Net.group(threads, "hub-io");
        boolean consolidateFlushes = !variant.equals("plain");
        SimpleChannelInboundHandler<TextWebSocketFrame> app = variant.equals("echo") ? Echo.INSTANCE : new Rebroadcast(clients);
        server = new ServerBootstrap()
                .group(boss, workers)
                .channel(Net.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (consolidateFlushes) {
                            ch.pipeline().addLast("flush", new FlushConsolidationHandler(256, true));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                                new WebSocketServerProtocolHandler("/", null, false, 65536, false, true),
                                app);
                    }
                })
                .bind(host, port).sync().channel();
        if (!countEvery.isZero()) {
            long every = countEvery.toNanos();
            int[] last = {-1};
            workers.next().scheduleAtFixedRate(() -> {
                int n = clients.size();
                if (n != last[0]) {
                    last[0] = n;
                    clients.writeAndFlush(new TextWebSocketFrame(
                            "{\"channel\":\"state\",\"message\":{\"num_clients\":" + n + "}}"));
                }
            }, every, every, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        clients.close().awaitUninterruptibly();
        boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Sharable
    private static final class Rebroadcast extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        private final ChannelGroup clients;

        Rebroadcast(ChannelGroup clients) {
            this.clients = clients;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                clients.add(ctx.channel());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            clients.writeAndFlush(frame.retain());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Sharable
    private static final class Echo extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        static final Echo INSTANCE = new Echo();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            ctx.writeAndFlush(frame.retain(), ctx.voidPromise());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * {@code hub --variant=plain|flush|echo --port=0 --threads=2 [--count-every=0s] --max-seconds=3600}: runs until
     * killed or the limit.
     */
    public static void main(Args a) throws Exception {
        String variant = a.str("variant", "flush");
        if (!variant.equals("plain") && !variant.equals("flush") && !variant.equals("echo")) {
            throw new IllegalArgumentException("--variant=" + variant + " (expected: plain, flush or echo)");
        }
        String host = a.str("host", "127.0.0.1");
        int port = a.integer("port", 0);
        int threads = a.integer("threads", 2);
        long maxSeconds = a.integer("max-seconds", 3600);
        java.time.Duration countEvery = a.duration("count-every", java.time.Duration.ZERO);
        a.rejectUnknown();
        try (NettyHub hub = new NettyHub(host, port, threads, variant, countEvery)) {
            InetSocketAddress at = hub.address();
            System.out.println("Netty hub (" + variant + ") started: public=" + at.getHostString() + ":" + at.getPort()
                    + " transport=" + Net.transportName() + " threads=" + threads + " pid=" + ProcessHandle.current().pid());
            System.out.flush();
            Thread.sleep(maxSeconds * 1000);
        }
    }
}
