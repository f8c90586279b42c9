package dev.switchboard.server.internal.admin;

import dev.switchboard.core.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP server: its own single event loop, so a slow scrape or a burst of publish calls never
 * delays WebSocket traffic, and its own port, bound to loopback by default.
 *
 * <pre>
 *  httpCodec → httpAggregator (1 MiB, 413 past it) → routes
 * </pre>
 */
public final class AdminServer {

    /** Largest request body; bigger ones are answered 413 by the aggregator. */
    public static final int MAX_BODY = 1024 * 1024;

    static final String HTTP_CODEC = "httpCodec";
    static final String HTTP_AGGREGATOR = "httpAggregator";
    static final String ROUTES = "routes";

    private final String host;
    private final int port;
    private final Transport transport;
    private final AdminRoutes routes;
    private EventLoopGroup group;
    private Channel serverChannel;

    public AdminServer(String host, int port, Transport transport, AdminRoutes routes) {
        this.host = host;
        this.port = port;
        this.transport = transport;
        this.routes = routes;
    }

    /** Binds; the stage completes with the bound address or fails. */
    public synchronized CompletionStage<InetSocketAddress> start() {
        if (group != null) {
            throw new IllegalStateException("already started");
        }
        group = transport.newGroup(1, "switchboard-admin");
        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(HTTP_CODEC, new HttpServerCodec())
                                .addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_BODY))
                                .addLast(ROUTES, routes);
                    }
                })
                .bind(host, port)
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        serverChannel = f.channel();
                        bound.complete((InetSocketAddress) serverChannel.localAddress());
                    } else {
                        bound.completeExceptionally(f.cause());
                    }
                });
        return bound;
    }

    /** Closes the port and its connections, then releases the thread. */
    public synchronized CompletionStage<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (group == null) {
            done.complete(null);
            return done;
        }
        if (serverChannel != null) {
            serverChannel.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null));
        return done;
    }
}
