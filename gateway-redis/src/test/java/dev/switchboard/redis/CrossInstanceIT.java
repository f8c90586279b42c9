package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.spi.AuthResult;
import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.RedisServer;
import dev.switchboard.redis.testing.Resp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two and three instances in one JVM, each with its own broker, over a real Redis. */
class CrossInstanceIT {

    static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    static final RedisServer redis = RedisServer.any();

    static Node a;
    static Node b;
    static Node c;

    @BeforeAll
    static void startInstances() throws Exception {
        RedisOptions options = redis.options().channels(List.of("live_streams", "alerts")).build();
        a = Node.start("a", options, Duration.ofMillis(100), (g, broker) -> g.authenticator(CrossInstanceIT::tokenIsUser));
        b = Node.start("b", options, Duration.ofMillis(100), (g, broker) -> g.authenticator(CrossInstanceIT::tokenIsUser));
        c = Node.start("c", options, Duration.ofMillis(100), (g, broker) -> g.authenticator(CrossInstanceIT::tokenIsUser));
    }

    @AfterAll
    static void stopInstances() throws Exception {
        for (Node n : new Node[] {a, b, c}) {
            if (n != null) {
                n.close();
            }
        }
    }

    /** Test authenticator: {@code token=user-42} is user 42, no token is anonymous. */
    static CompletableFuture<AuthResult> tokenIsUser(dev.switchboard.core.spi.AuthRequest r) {
        return CompletableFuture.completedFuture(r.token() != null && r.token().startsWith("user-")
                ? AuthResult.allow(r.token().substring(5)) : AuthResult.anonymous());
    }

    static JsonNode on(WsClient client, String channel) {
        return client.next(channel, WAIT);
    }

    /** Asserts nothing more arrives on {@code channel} for a while: each instance writes a delivery once. */
    static void nothingMoreOn(WsClient client, String channel) throws InterruptedException {
        Thread.sleep(400);
        assertThat(client.drain()).noneMatch(n -> channel.equals(n.path("channel").asText()));
    }

    @Test
    void appChannelPublishReachesClientsOnEveryInstanceOnce() throws Exception {
        try (WsClient ca = WsClient.connect(a.url("/ws"));
             WsClient cb = WsClient.connect(b.url("/ws"));
             WsClient cc = WsClient.connect(c.url("/ws"));
             Resp app = redis.resp()) {
            app.call("PUBLISH", "live_streams", "{\"status\":\"new\",\"id\":17}");
            for (WsClient x : List.of(ca, cb, cc)) {
                assertThat(on(x, "live_streams").toString())
                        .isEqualTo("{\"channel\":\"live_streams\",\"message\":{\"status\":\"new\",\"id\":17}}");
            }
            for (WsClient x : List.of(ca, cb, cc)) {
                nothingMoreOn(x, "live_streams");
            }
        }
    }

    @Test
    void appChannelPayloadThatIsNotJsonArrivesAsAString() throws Exception {
        try (WsClient ca = WsClient.connect(a.url("/ws")); Resp app = redis.resp()) {
            app.call("PUBLISH", "alerts", "server restarting at \"noon\"");
            assertThat(on(ca, "alerts").path("message").asText()).isEqualTo("server restarting at \"noon\"");
        }
    }

    @Test
    void structuredPublishToEveryoneIsDeliveredOncePerInstance() throws Exception {
        try (WsClient ca = WsClient.connect(a.url("/ws"));
             WsClient cb = WsClient.connect(b.url("/ws"));
             Resp app = redis.resp()) {
            app.call("PUBLISH", redis.namespace() + "publish", "{\"channel\":\"news\",\"message\":{\"n\":1.50}}");
            for (WsClient x : List.of(ca, cb)) {
                // (WsClient re-parses frames; EnvelopeTest checks the bytes stay exactly as published.)
                assertThat(x.next("news", WAIT).toString()).isEqualTo("{\"channel\":\"news\",\"message\":{\"n\":1.5}}");
            }
            nothingMoreOn(ca, "news");
            nothingMoreOn(cb, "news");
        }
    }

    @Test
    void gatewayBroadcastReachesEveryInstanceExactlyOnceIncludingItsOwn() throws Exception {
        try (WsClient ca = WsClient.connect(a.url("/ws"));
             WsClient cb = WsClient.connect(b.url("/ws"));
             WsClient cc = WsClient.connect(c.url("/ws"))) {
            b.gateway().broadcast("scores", Map.of("goal", 1));
            for (WsClient x : List.of(ca, cb, cc)) {
                assertThat(on(x, "scores").path("message").path("goal").asInt()).isEqualTo(1);
            }
            for (WsClient x : List.of(ca, cb, cc)) {
                nothingMoreOn(x, "scores"); // b skipped its own echo; a and c wrote it once
            }
        }
    }

    @Test
    void structuredPublishToAUserReachesOnlyThatUsersConnectionsOnAnyInstance() throws Exception {
        try (WsClient alice1 = WsClient.connect(a.url("/ws?token=user-alice"));
             WsClient alice2 = WsClient.connect(b.url("/ws?token=user-alice"));
             WsClient bob = WsClient.connect(b.url("/ws?token=user-bob"));
             Resp app = redis.resp()) {
            app.call("PUBLISH", redis.namespace() + "publish",
                    "{\"channel\":\"dm\",\"message\":{\"text\":\"hi\"},\"user_id\":\"alice\"}");
            assertThat(on(alice1, "dm").path("message").path("text").asText()).isEqualTo("hi");
            assertThat(on(alice2, "dm").path("message").path("text").asText()).isEqualTo("hi");
            nothingMoreOn(bob, "dm");
        }
    }

    @Test
    void sendToUserOnOneInstanceReachesTheUserOnAnotherOnly() throws Exception {
        try (WsClient alice = WsClient.connect(a.url("/ws?token=user-alice"));
             WsClient bob = WsClient.connect(a.url("/ws?token=user-bob"))) {
            on(alice, "state");
            b.gateway().sendToUser("alice", "dm", Map.of("from", "b"));
            assertThat(on(alice, "dm").path("message").path("from").asText()).isEqualTo("b");
            nothingMoreOn(alice, "dm");
            nothingMoreOn(bob, "dm");
        }
    }

    @Test
    void numericUserIdFromPhpIsAccepted() throws Exception {
        try (WsClient u = WsClient.connect(c.url("/ws?token=user-42")); Resp app = redis.resp()) {
            on(u, "state");
            app.call("PUBLISH", redis.namespace() + "publish", "{\"channel\":\"dm\",\"message\":\"x\",\"user_id\":42}");
            assertThat(on(u, "dm").path("message").asText()).isEqualTo("x");
        }
    }

    @Test
    void roomMessagesCrossInstances() throws Exception {
        try (WsClient member = WsClient.connect(a.url("/ws"));
             WsClient outsider = WsClient.connect(a.url("/ws"))) {
            member.sendJson(Map.of("handler", "subscribe", "channel", "lobby", "id", 1));
            on(member, "reply");
            b.gateway().sendToRoom("lobby", "lobby", Map.of("says", "hello"));
            assertThat(on(member, "lobby").path("message").path("says").asText()).isEqualTo("hello");
            nothingMoreOn(member, "lobby");
            nothingMoreOn(outsider, "lobby");
        }
    }

    @Test
    void invalidStructuredMessagesAreCountedAndDropped() throws Exception {
        long before = a.gateway().metrics().counter("switchboard.redis.received.invalid").getCount();
        try (WsClient ca = WsClient.connect(a.url("/ws")); Resp app = redis.resp()) {
            app.call("PUBLISH", redis.namespace() + "publish", "not json");
            app.call("PUBLISH", redis.namespace() + "publish", "{\"channel\":\"state\",\"message\":{}}");
            app.call("PUBLISH", redis.namespace() + "publish", "{\"channel\":\"ok\",\"message\":1}");
            on(ca, "ok");
            assertThat(ca.drain()).noneMatch(n -> n.toString().contains("\"message\":{}"));
        }
        assertThat(a.gateway().metrics().counter("switchboard.redis.received.invalid").getCount()).isEqualTo(before + 2);
    }

    @Test
    void sameFingerprintOnTwoInstancesIsOneOnlineTwoClients() throws Exception {
        try (WsClient x = WsClient.connect(a.url("/ws?fingerprint=same"));
             WsClient y = WsClient.connect(b.url("/ws?fingerprint=same"))) {
            for (WsClient w : List.of(x, y)) {
                w.next(n -> n.path("channel").asText().equals("state")
                        && n.path("message").path("num_online").asInt() == 1
                        && n.path("message").path("num_clients").asInt() == 2, WAIT);
            }
            y.close();
            x.next(n -> n.path("channel").asText().equals("state")
                    && n.path("message").path("num_online").asInt() == 1
                    && n.path("message").path("num_clients").asInt() == 1, WAIT);
        }
        try (Resp r = redis.resp()) {
            await().atMost(WAIT).until(() -> r.number("HLEN", redis.namespace() + "{presence}:online") == 0);
        }
    }
}
