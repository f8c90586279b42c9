package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.testing.WsClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.CharsetUtil;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A host Netty HTTP application embeds the gateway on one path and keeps serving its own routes. */
class EmbeddingIT {

    @Test
    void hostKeepsItsRoutesAndTheGatewaySharesItsEventLoops() throws Exception {
        Gateway gateway = Gateway.builder()
                .options(GatewayOptions.builder().paths(List.of("/live")).build())
                .module("chat", r -> Map.of("echo", r.data()))
                .build();
        EventLoopGroup group = Transport.best().newGroup(2, "host");
        Meter meter = new Meter();
        try {
            gateway.start(group).toCompletableFuture().get();
            Channel server = new ServerBootstrap().group(group).channel(Transport.best().serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast("meter", meter); // a host's outbound handler in front of its codec
                            ch.pipeline().addLast("http", new HttpServerCodec());
                            gateway.install(ch.pipeline(), "http");
                            ch.pipeline().addLast("aggregator", new HttpObjectAggregator(65536));
                            ch.pipeline().addLast("app", new HostRoutes());
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int port = ((java.net.InetSocketAddress) server.localAddress()).getPort();

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> hello = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                    .POST(HttpRequest.BodyPublishers.ofString("body")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo("host says hi to /hello with 4 bytes");

            try (WsClient c = WsClient.connect("ws://127.0.0.1:" + port + "/live")) {
                assertThat(c.next("state", Duration.ofSeconds(5)).path("message").path("num_clients").asInt()).isEqualTo(1);
                c.send("{\"handler\":\"controller\",\"module\":\"chat\",\"data\":\"x\",\"id\":1}");
                assertThat(c.next("reply", Duration.ofSeconds(5)).path("message").path("echo").asText()).isEqualTo("x");
                gateway.broadcast("news", Map.of("a", 1));
                assertThat(c.next("news", Duration.ofSeconds(5)).path("message").path("a").asInt()).isEqualTo(1);
            }
            assertThat(meter.written).as("the host's handlers below its codec see broadcast frames too")
                    .anyMatch(w -> w.contains("{\"channel\":\"news\"")).anyMatch(w -> w.contains("\"channel\":\"reply\""));
            // The WebSocket path is the gateway's only: other paths, even "/", stay the host's.
            HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(root.body()).isEqualTo("host says hi to / with 0 bytes");
            server.close().sync();
            gateway.shutdown(Duration.ZERO).toCompletableFuture().get();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    /** Keeps the text of every buffer the host's pipeline writes to the socket. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Meter extends io.netty.channel.ChannelOutboundHandlerAdapter {
        final java.util.List<String> written = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
            if (msg instanceof io.netty.buffer.ByteBuf b) {
                written.add(b.toString(CharsetUtil.UTF_8));
            }
            ctx.write(msg, promise);
        }
    }

    private static final class HostRoutes extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String body = "host says hi to " + req.uri() + " with " + req.content().readableBytes() + " bytes";
            DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(body, CharsetUtil.UTF_8));
            HttpUtil.setContentLength(res, res.content().readableBytes());
            ctx.writeAndFlush(res);
        }
    }
}
