package dev.switchboard.core;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.CharsetUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a {@link Gateway} on its own port with its own event loops: the resources half of the gateway
 * (STYLE 7). {@link #start()} binds and returns a future of the bound address; {@link #stop(Duration)}
 * stops accepting, drains the clients, then releases the threads.
 */
public final class GatewayServer {

    private final Gateway gateway;
    private final String host;
    private final int port;
    private final int workerThreads;
    private final Transport transport;
    private final SslContext ssl;
    private final Supplier<? extends ChannelHandler> publicHttp;
    private final EventLoopGroup sharedWorkers;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;

    private GatewayServer(Builder b) {
        gateway = b.gateway;
        host = b.host;
        port = b.port;
        workerThreads = b.workerThreads;
        transport = b.transport != null ? b.transport : Transport.best();
        ssl = b.ssl;
        publicHttp = b.publicHttp;
        sharedWorkers = b.workers;
    }

    /** Returns a builder for a server running {@code gateway}. */
    public static Builder builder(Gateway gateway) {
        return new Builder(gateway);
    }

    /** Starts the gateway and binds; the stage completes with the bound address or fails. */
    public synchronized CompletionStage<InetSocketAddress> start() {
        if (boss != null) {
            throw new IllegalStateException("already started");
        }
        boss = transport.newGroup(1, "switchboard-accept");
        workers = sharedWorkers != null ? sharedWorkers : transport.newGroup(workerThreads, "switchboard-io");
        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(GatewayPipeline.SSL, ssl.newHandler(ch.alloc()));
                        }
                        gateway.initStandalone(ch, publicHttp);
                    }
                });
        gateway.start(workers).whenComplete((v, e) -> {
            if (e != null) {
                bound.completeExceptionally(e);
                return;
            }
            b.bind(host, port).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    serverChannel = f.channel();
                    bound.complete((InetSocketAddress) serverChannel.localAddress());
                } else {
                    bound.completeExceptionally(f.cause());
                }
            });
        });
        return bound;
    }

    /** Returns the bound address; only after {@link #start()} completed. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public Transport transport() {
        return transport;
    }

    public Gateway gateway() {
        return gateway;
    }

    /** Returns the worker event loops (for sharing with other servers of the same process). */
    public EventLoopGroup workers() {
        return workers;
    }

    /** Stops accepting, drains clients over {@code drain} (1001 each), stops the broker, releases the threads. */
    public synchronized CompletionStage<Void> stop(Duration drain) {
        if (boss == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        EventLoopGroup b = boss;
        EventLoopGroup w = workers;
        return gateway.shutdown(drain).thenCompose(v -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            b.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            if (w == sharedWorkers) {
                done.complete(null); // the owner of a shared group shuts it down
            } else {
                w.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null));
            }
            return done;
        });
    }

    /** Collects the server's settings. */
    public static final class Builder {
        private final Gateway gateway;
        private String host = "0.0.0.0";
        private int port = 8085;
        private int workerThreads;
        private Transport transport;
        private SslContext ssl;
        private Supplier<? extends ChannelHandler> publicHttp = NotFound::new;
        private EventLoopGroup workers;

        private Builder(Gateway gateway) {
            this.gateway = Objects.requireNonNull(gateway, "gateway");
        }

        /** Sets the address to bind; default {@code 0.0.0.0}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Sets the port; 0 picks a free one. Default 8085. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            this.port = port;
            return this;
        }

        /** Sets the number of I/O threads; default 0 (Netty's default: twice the cores). */
        public Builder workerThreads(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("workerThreads: " + n + " (expected: >= 0)");
            }
            workerThreads = n;
            return this;
        }

        /**
         * Runs the connections on {@code group}, which the caller created (with {@link Transport#newGroup}, of
         * the same transport) and shuts down after {@link #stop}; other clients of the process (an HTTP client
         * to the application, Redis) can then share the same event loops. Default: a group of the server's own.
         */
        public Builder workers(EventLoopGroup group) {
            this.workers = Objects.requireNonNull(group, "workers");
            return this;
        }

        /** Forces a transport; default {@link Transport#best()}. */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /** Serves TLS with {@code ssl}; default plain TCP (TLS usually ends at nginx). */
        public Builder ssl(SslContext ssl) {
            this.ssl = ssl;
            return this;
        }

        /**
         * Sets what answers plain HTTP requests on the public port (health checks, the client script): one
         * new handler per connection, receiving {@link HttpObject}s. Default: 404 for everything.
         */
        public Builder publicHttp(Supplier<? extends ChannelHandler> publicHttp) {
            this.publicHttp = Objects.requireNonNull(publicHttp, "publicHttp");
            return this;
        }

        public GatewayServer build() {
            return new GatewayServer(this);
        }
    }

    /** Answers 404 to every plain HTTP request. */
    private static final class NotFound extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest req) {
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                        Unpooled.copiedBuffer("not found\n", CharsetUtil.UTF_8));
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
                HttpUtil.setContentLength(res, res.content().readableBytes());
                boolean keepAlive = HttpUtil.isKeepAlive(req);
                HttpUtil.setKeepAlive(res, keepAlive);
                var f = ctx.writeAndFlush(res);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
            }
        }
    }
}
