package dev.switchboard.core.internal.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.spi.AuthRequest;
import dev.switchboard.core.spi.AuthResult;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HandshakeHandlerTest {

    final List<AuthRequest> seen = new ArrayList<>();
    final List<String> installed = new ArrayList<>();
    final MetricRegistry registry = new MetricRegistry();
    final GatewayMetrics metrics = new GatewayMetrics(registry);

    HandshakeContext context(GatewayOptions o, ConnectionLimiter limiter, AuthResult result) {
        return new HandshakeContext(o, new OriginPolicy(o.allowedOrigins()), new AddressMatcher(o.trustedProxies()),
                limiter, r -> {
                    seen.add(r);
                    return CompletableFuture.completedFuture(result);
                }, metrics, () -> false, new HandshakeContext.Upgrader() {
                    @Override
                    public void installWebSocket(ChannelPipeline pipeline, String after) {
                        installed.add(after);
                    }

                    @Override
                    public String websocketPath() {
                        return "/";
                    }

                    @Override
                    public void upgraded(ChannelPipeline pipeline) {
                        installed.add("upgraded");
                    }
                });
    }

    static FullHttpRequest upgrade(String uri) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        r.headers().set("Upgrade", "websocket").set("Connection", "Upgrade").set("Sec-WebSocket-Version", "13");
        return r;
    }

    @Test
    void behindASeparateRequestDecoderNettysFrameDecoderIsKept() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("decoder", new io.netty.handler.codec.http.HttpRequestDecoder());
        ch.pipeline().addLast("handshake", new HandshakeHandler(
                context(GatewayOptions.defaults(), new ConnectionLimiter(10, 10), AuthResult.allow("7")), false));
        ch.writeInbound(upgrade("/ws"));
        assertThat(installed).containsExactly("handshake"); // installed, not swapped
        ((FullHttpRequest) ch.readInbound()).release();
        ch.finishAndReleaseAll();
    }

    @Test
    void onlyWebSocketVersion13IsAccepted() {
        String[] versions = {"8", "7", "0", null};
        for (int i = 0; i < versions.length; i++) {
            String version = versions[i];
            EmbeddedChannel ch = new EmbeddedChannel(new HandshakeHandler(context(GatewayOptions.defaults(),
                    new ConnectionLimiter(10, 10), AuthResult.allow("7")), true));
            FullHttpRequest req = upgrade("/ws");
            if (version == null) {
                req.headers().remove("Sec-WebSocket-Version"); // what hixie-76 clients sent
            } else {
                req.headers().set("Sec-WebSocket-Version", version);
            }
            ch.writeInbound(req);
            io.netty.handler.codec.http.FullHttpResponse res = ch.readOutbound();
            assertThat(res.status().code()).as("version %s", version).isEqualTo(426);
            assertThat(res.headers().get("Sec-WebSocket-Version")).isEqualTo("13");
            assertThat(res.headers().get("Upgrade")).isEqualTo("websocket");
            res.release();
            assertThat(seen).as("no authentication for a refused version").isEmpty();
            assertThat(registry.meter("switchboard.handshakes.rejected.version").getCount()).isEqualTo(i + 1);
            assertThat(ch.isOpen()).isFalse();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void otherPathsGoOnToTheHost() {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeHandler(
                context(GatewayOptions.defaults(), new ConnectionLimiter(10, 10), AuthResult.anonymous()), false));
        FullHttpRequest other = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/things");
        ch.writeInbound(other);
        FullHttpRequest passed = ch.readInbound();
        assertThat(passed).isSameAs(other);
        passed.release();
        assertFalse(ch.finish());
    }

    @Test
    void admittedClientGetsASessionAndTheRequestLosesItsQuery() {
        GatewayOptions o = GatewayOptions.builder().trustedProxies(List.of("127.0.0.0/8")).build();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("httpCodec", new io.netty.handler.codec.http.HttpServerCodec());
        ch.pipeline().addLast("handshake", new HandshakeHandler(context(o, new ConnectionLimiter(10, 10), AuthResult.allow("7")), true));
        FullHttpRequest req = upgrade("/ws?trongateToken=secret&user_id=7&fingerprint=fp");
        req.headers().set("X-Forwarded-For", "203.0.113.9, 10.0.0.1");
        ch.writeInbound(req);
        assertThat(seen).singleElement().satisfies(r -> {
            assertThat(r.token()).isEqualTo("secret");
            assertThat(r.claimedUserId()).isEqualTo("7");
            assertThat(r.fingerprint()).isEqualTo("fp");
            // EmbeddedChannel's peer is not an IP, so the forwarded chain is not believed.
            assertThat(r.toString()).doesNotContain("secret");
            // The authenticator sees the headers under lower-case names (read from the request, not copied).
            assertThat(r.headers()).containsEntry("x-forwarded-for", "203.0.113.9, 10.0.0.1")
                    .containsEntry("upgrade", "websocket").doesNotContainKey("Upgrade");
        });
        assertThat(installed).containsExactly("handshake", "upgraded");
        assertThat(ch.pipeline().get("handshake")).isNull();
        FullHttpRequest forwarded = ch.readInbound();
        assertThat(forwarded.uri()).isEqualTo("/");
        assertThat(Session.of(ch).userId()).isEqualTo("7");
        assertThat(Session.of(ch).identity()).isEqualTo("u:7");
        forwarded.release();
        assertFalse(ch.finish());
    }

    @Test
    void refusalsAnswerBeforeAnyUpgrade() {
        GatewayOptions o = GatewayOptions.builder().allowedOrigins(List.of("https://ok.test")).build();
        assertThat(status(o, upgradeWithOrigin("https://evil.test"), AuthResult.anonymous())).isEqualTo(403);
        assertThat(status(o, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws"), AuthResult.anonymous())).isEqualTo(400);
        assertThat(status(o, upgradeWithOrigin("https://ok.test"), AuthResult.deny(401, "bad token"))).isEqualTo(401);
        assertThat(metrics.registry().getMeters().keySet())
                .contains("switchboard.handshakes.rejected.origin", "switchboard.handshakes.rejected.path", "switchboard.handshakes.rejected.auth");
    }

    @Test
    void overTheLimitIs429AndTheSlotIsNotLeaked() {
        ConnectionLimiter limiter = new ConnectionLimiter(10, 1);
        limiter.acquire("embedded");
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeHandler(context(GatewayOptions.defaults(), limiter, AuthResult.anonymous()), true));
        ch.writeInbound(upgrade("/ws"));
        FullHttpResponse res = ch.readOutbound();
        assertThat(res.status().code()).isEqualTo(429);
        res.release();
        assertThat(limiter.total()).isEqualTo(1);
        assertFalse(ch.finish());
    }

    static FullHttpRequest upgradeWithOrigin(String origin) {
        FullHttpRequest r = upgrade("/ws");
        r.headers().set("Origin", origin);
        return r;
    }

    int status(GatewayOptions o, FullHttpRequest req, AuthResult result) {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeHandler(context(o, new ConnectionLimiter(10, 10), result), true));
        ch.writeInbound(req);
        FullHttpResponse res = ch.readOutbound();
        int status = res.status().code();
        res.release();
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finish());
        return status;
    }
}
