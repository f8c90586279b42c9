package dev.switchboard.core.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.Presence;
import dev.switchboard.core.internal.DispatchTimer;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.codec.Replies;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionListeners;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.testing.FrameReader;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import dev.switchboard.core.SessionInfo;
import dev.switchboard.core.spi.SessionListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DispatcherTest {

    final GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
    final SessionRegistry registry = new SessionRegistry(new PresenceTracker());
    final List<String> events = new ArrayList<>();
    final SessionListener listener = new SessionListeners(List.of(new SessionListener() {
        @Override
        public void onConnect(SessionInfo s) {
            events.add("connect " + s.userId());
        }

        @Override
        public void onDisconnect(SessionInfo s) {
            events.add("disconnect " + s.userId());
        }

        @Override
        public void onSubscribe(SessionInfo s, String room) {
            events.add("subscribe " + room);
            throw new IllegalStateException("a broken listener must not break the gateway");
        }
    }));

    EmbeddedChannel upgraded(Dispatcher d) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.attr(Session.KEY).set(new Session(ch, "i-1", "u1", null, "127.0.0.1", Map.of(), 10));
        ch.pipeline().addLast(d);
        ch.pipeline().fireUserEventTriggered(new HandshakeComplete("/", new DefaultHttpHeaders(), null));
        return ch;
    }

    Dispatcher dispatcher() {
        GatewayOptions o = GatewayOptions.defaults();
        Map<String, dev.switchboard.core.spi.MessageHandler> handlers = new HashMap<>(
                new BuiltinHandlers(o, registry, Map.of(), null, d -> { }, listener).all());
        return new Dispatcher(handlers, registry, metrics, () -> new Presence(3, 4), 1000, listener);
    }

    static ObjectNode json(String s) throws Exception {
        return (ObjectNode) Replies.MAPPER.readTree(s);
    }

    @Test
    void registersOnUpgradeSendsStateAndForgetsOnClose() throws Exception {
        EmbeddedChannel ch = upgraded(dispatcher());
        assertThat(registry.size()).isEqualTo(1);
        assertThat(FrameReader.texts(ch)).containsExactly("{\"channel\":\"state\",\"message\":{\"num_online\":3,\"num_clients\":4}}");
        ch.close();
        assertThat(registry.size()).isZero();
        assertThat(events).containsExactly("connect u1", "disconnect u1");
        assertFalse(ch.finish());
    }

    @Test
    void anAnswerThatCompletesOnceTheSessionIsClosingIsNeitherWrittenNorCounted() throws Exception {
        java.util.concurrent.CompletableFuture<Object> later = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Object> now = new java.util.concurrent.CompletableFuture<>();
        Map<String, dev.switchboard.core.spi.MessageHandler> handlers = Map.of("later", r -> later, "now", r -> now);
        EmbeddedChannel ch = upgraded(new Dispatcher(handlers, registry, metrics, () -> new Presence(3, 4), 1000, listener));
        FrameReader.texts(ch);
        long out = metrics.messagesOut.getCount();
        ch.writeInbound(json("{\"handler\":\"now\",\"id\":1}"));
        ch.writeInbound(json("{\"handler\":\"later\",\"id\":2}"));
        now.complete("first");
        ch.runPendingTasks();
        assertThat(FrameReader.texts(ch)).containsExactly("{\"channel\":\"reply\",\"id\":1,\"message\":\"first\"}");
        assertThat(metrics.messagesOut.getCount()).isEqualTo(out + 1);

        Session.of(ch).markClosing(); // a close frame went out meanwhile
        later.complete("too late");
        ch.runPendingTasks();
        assertThat(FrameReader.texts(ch)).isEmpty();
        assertThat(metrics.messagesOut.getCount()).as("not counted as sent").isEqualTo(out + 1);
        ch.finishAndReleaseAll();
    }

    @Test
    void routesByHandlerAndEchoesTheId() throws Exception {
        EmbeddedChannel ch = upgraded(dispatcher());
        FrameReader.texts(ch);
        ch.writeInbound(json("{\"handler\":\"ping\",\"id\":{\"k\":[1]}}"));
        ch.writeInbound(json("{\"handler\":\"what\"}"));
        ch.writeInbound(json("{\"handler\":\"subscribe\",\"channel\":\"r1\"}")); // no id: no acknowledgement
        ch.writeInbound(json("{\"handler\":\"subscribe\",\"id\":2}"));
        assertThat(FrameReader.texts(ch)).containsExactly(
                "{\"channel\":\"reply\",\"id\":{\"k\":[1]},\"message\":\"pong\"}",
                "{\"channel\":\"error\",\"message\":{\"code\":\"unknown_handler\",\"reason\":\"no handler named \\\"what\\\"\"}}",
                "{\"channel\":\"error\",\"id\":2,\"message\":{\"code\":\"bad_request\",\"reason\":\"subscribe needs a \\\"channel\\\"\"}}");
        assertThat(Session.of(ch).rooms()).containsExactly("r1");
        assertThat(events).containsExactly("connect u1", "subscribe r1");
        assertThat(metrics.dispatch("ping").getCount()).isEqualTo(1);
        assertFalse(ch.finish());
    }

    @Test
    void everyKindOfIdComesBackAsItWasSent() throws Exception {
        EmbeddedChannel ch = upgraded(dispatcher());
        FrameReader.texts(ch);
        String[] ids = {"0", "7", "-7", "2147483648", "9223372036854775807", "-9223372036854775808",
                "123456789012345678901234567890", "1.5", "\"a\"", "null", "true", "[1,2]"};
        for (String id : ids) {
            ch.writeInbound(json("{\"handler\":\"ping\",\"id\":" + id + "}"));
        }
        assertThat(FrameReader.texts(ch)).containsExactly(java.util.Arrays.stream(ids)
                .map(id -> "{\"channel\":\"reply\",\"id\":" + id + ",\"message\":\"pong\"}").toArray(String[]::new));
        assertFalse(ch.finish());
    }

    @Test
    void requestsFromJsonCodecAreRateLimitedAndTimedFromTheirArrival() throws Exception {
        GatewayOptions o = GatewayOptions.builder().rateLimitPerSecond(1).rateLimitBurst(2).rateLimitStrikes(5).build();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.attr(Session.KEY).set(new Session(ch, "c-1", "u1", null, "127.0.0.1", Map.of(), o.rateLimitBurst()));
        ch.pipeline().addLast(new dev.switchboard.core.internal.codec.JsonCodec(o, metrics),
                dispatcher());
        for (int i = 1; i <= 3; i++) {
            ch.writeInbound(new io.netty.handler.codec.http.websocketx.TextWebSocketFrame(
                    "{\"handler\":\"ping\",\"id\":" + i + "}"));
        }
        assertThat(FrameReader.texts(ch)).containsExactly(
                "{\"channel\":\"reply\",\"id\":1,\"message\":\"pong\"}",
                "{\"channel\":\"reply\",\"id\":2,\"message\":\"pong\"}",
                "{\"channel\":\"error\",\"id\":3,\"message\":{\"code\":\"rate_limited\",\"reason\":\"more than 1 messages per second\"}}");
        assertThat(metrics.dispatch("ping").getCount()).isEqualTo(2);
        ch.finishAndReleaseAll();
    }

    @Test
    void synchronousAnswersAreAllCountedAndOneInSixteenTimedFromTheirArrival() throws Exception {
        GatewayOptions o = GatewayOptions.builder().rateLimitPerSecond(1_000_000).rateLimitBurst(1_000_000).build();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.attr(Session.KEY).set(new Session(ch, "c-1", "u1", null, "127.0.0.1", Map.of(), o.rateLimitBurst()));
        ch.pipeline().addLast(new dev.switchboard.core.internal.codec.JsonCodec(o, metrics),
                dispatcher());
        int n = 3200;
        for (int i = 1; i <= n; i++) {
            ch.writeInbound(new io.netty.handler.codec.http.websocketx.TextWebSocketFrame(
                    "{\"handler\":\"ping\",\"id\":" + i + "}"));
        }
        assertThat(FrameReader.texts(ch)).hasSize(n);
        com.codahale.metrics.Timer timer = metrics.dispatch("ping");
        assertThat(timer.getCount()).as("every request counted").isEqualTo(n);
        // 200 timed on average (binomial, standard deviation 14): these bounds fail once in billions of runs.
        // Each timed one stands for 16 in the quantiles.
        int weighted = timer.getSnapshot().size();
        assertThat(weighted % DispatchTimer.SAMPLE_ONE_IN).isZero();
        assertThat(weighted / DispatchTimer.SAMPLE_ONE_IN).as("requests timed").isBetween(100, 320);
        // Timed from the arrival that jsonCodec noted: a real duration, not "now minus zero".
        assertThat(timer.getSnapshot().getMax()).isBetween(1L, 5_000_000_000L);
        ch.finishAndReleaseAll();
    }
}
