package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.auth.JwtAuthenticator;
import dev.switchboard.core.spi.AuthResult;
import dev.switchboard.core.spi.HandlerException;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.core.testing.Tokens;
import dev.switchboard.core.testing.WsClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The gateway as a client sees it: real sockets, a real WebSocket client. */
class GatewayIT {

    static final Duration WAIT = Duration.ofSeconds(5);

    static Gateway.Builder jwtGateway() {
        return Gateway.builder().authenticator(new JwtAuthenticator(Tokens.SECRET));
    }

    static GatewayOptions.Builder fast() {
        return GatewayOptions.builder().presenceInterval(Duration.ofMillis(100));
    }

    static JsonNode counts(WsClient c, int online, int clients) {
        return c.next(n -> n.path("channel").asText().equals("state")
                && n.path("message").path("num_online").asInt() == online
                && n.path("message").path("num_clients").asInt() == clients, WAIT);
    }

    @Test
    void connectedClientReceivesStateThenPong() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             WsClient c = WsClient.connect(gw.url("/ws?fingerprint=abc"))) {
            JsonNode state = c.next(WAIT);
            assertThat(state.toString()).isEqualTo("{\"channel\":\"state\",\"message\":{\"num_online\":1,\"num_clients\":1}}");
            c.sendJson(Map.of("handler", "ping", "id", 7));
            JsonNode pong = c.next("reply", WAIT);
            assertThat(pong.path("id").asInt()).isEqualTo(7);
            assertThat(pong.path("message").asText()).isEqualTo("pong");
        }
    }

    @Test
    void nioTransportWorksAsWellAsEpoll() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build(), b -> b.transport(Transport.NIO));
             WsClient c = WsClient.connect(gw.url("/ws"))) {
            assertThat(gw.server().transport()).isEqualTo(Transport.NIO);
            counts(c, 1, 1);
        }
    }

    @Test
    void sharedWorkerGroupIsUsedAndLeftRunning() throws Exception {
        io.netty.channel.EventLoopGroup shared = Transport.best().newGroup(1, "shared");
        try {
            RunningGateway gw = RunningGateway.start(Gateway.builder().build(), b -> b.workers(shared));
            try (WsClient c = WsClient.connect(gw.url("/ws"))) {
                counts(c, 1, 1);
            }
            gw.close();
            assertThat(shared.isShuttingDown()).isFalse();
            assertThat(shared.submit(() -> 42).get()).isEqualTo(42);
        } finally {
            shared.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void rootPathWorksForDropInClientsWithTrongateToken() throws Exception {
        try (RunningGateway gw = RunningGateway.start(jwtGateway().build());
             WsClient c = WsClient.connect(gw.url("/?trongateToken=" + Tokens.valid("42") + "&user_id=42"))) {
            counts(c, 1, 1);
        }
    }

    @Test
    void twoTabsWithOneFingerprintCountOnceAndLeavingDropsTheCount() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(fast().build()).build());
             WsClient tab1 = WsClient.connect(gw.url("/ws?fingerprint=device-1"))) {
            counts(tab1, 1, 1);
            try (WsClient tab2 = WsClient.connect(gw.url("/ws?fingerprint=device-1"))) {
                counts(tab2, 1, 2);
                counts(tab1, 1, 2);
                try (WsClient other = WsClient.connect(gw.url("/ws?fingerprint=device-2"))) {
                    counts(tab1, 2, 3);
                }
                counts(tab1, 1, 2);
            }
            counts(tab1, 1, 1);
        }
    }

    @Test
    void twoUsersCountTwiceAndUserIdBeatsFingerprint() throws Exception {
        try (RunningGateway gw = RunningGateway.start(jwtGateway().options(fast().build()).build());
             WsClient a = WsClient.connect(gw.url("/ws?token=" + Tokens.valid("alice") + "&fingerprint=same"));
             WsClient b = WsClient.connect(gw.url("/ws?token=" + Tokens.valid("bob") + "&fingerprint=same"))) {
            counts(a, 2, 2);
            try (WsClient a2 = WsClient.connect(gw.url("/ws?token=" + Tokens.valid("alice") + "&fingerprint=other"))) {
                counts(b, 2, 3);
            }
        }
    }

    @Test
    void anonymousModeIgnoresTheUserIdParameter() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(fast().build()).build());
             WsClient a = WsClient.connect(gw.url("/ws?user_id=1"));
             WsClient b = WsClient.connect(gw.url("/ws?user_id=1"))) {
            // Unproven user ids are not identities: two connections without fingerprints are two online.
            counts(a, 2, 2);
        }
    }

    @Test
    void silentClientIsClosedAndCountedOut() throws Exception {
        GatewayOptions o = fast().pingInterval(Duration.ofMillis(200)).idleTimeout(Duration.ofMillis(600)).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             WsClient alive = WsClient.connect(gw.url("/ws?fingerprint=alive"))) {
            WsClient silent = WsClient.connect(gw.url("/ws?fingerprint=silent"), Map.of(), false);
            counts(alive, 2, 2);
            // The live client answers pings (the JDK client sends pongs) and stays.
            counts(alive, 1, 1);
            assertThat(alive.pings()).isGreaterThan(0);
            assertThat(alive.isClosed()).isFalse();
            assertThat(gw.gateway().metrics().counter("switchboard.idle.closed").getCount()).isEqualTo(1);
            silent.abort();
        }
    }

    @Test
    void controllerRoundTripCarriesTheIdAndSurvivesFailures() throws Exception {
        Gateway g = Gateway.builder()
                .options(fast().controllerTimeout(Duration.ofMillis(300)).build())
                .module("chat", r -> Map.of("echo", r.data(), "action", String.valueOf(r.action())))
                .module("later", r -> CompletableFuture.supplyAsync(() -> r.data().asInt() * 2))
                .module("never", r -> new CompletableFuture<>())
                .module("boom", r -> {
                    throw new IllegalStateException("bug in module");
                })
                .module("picky", r -> {
                    throw new HandlerException("not_found", "no such message");
                })
                .build();
        try (RunningGateway gw = RunningGateway.start(g); WsClient c = WsClient.connect(gw.url("/ws"))) {
            c.next("state", WAIT);
            c.send("{\"handler\":\"controller\",\"module\":\"chat\",\"action\":\"say\",\"data\":\"hello world\",\"id\":\"a1\"}");
            JsonNode reply = c.next("reply", WAIT);
            assertThat(reply.toString()).isEqualTo(
                    "{\"channel\":\"reply\",\"id\":\"a1\",\"message\":{\"echo\":\"hello world\",\"action\":\"say\"}}"
                            .replace("{\"echo\":\"hello world\",\"action\":\"say\"}", reply.path("message").toString()));
            assertThat(reply.path("message").path("echo").asText()).isEqualTo("hello world");
            assertThat(reply.path("message").path("action").asText()).isEqualTo("say");

            c.send("{\"handler\":\"controller\",\"module\":\"later\",\"data\":21,\"id\":2}");
            assertThat(c.next("reply", WAIT).path("message").asInt()).isEqualTo(42);

            c.send("{\"handler\":\"controller\",\"module\":\"never\",\"id\":3}");
            assertError(c.next("error", WAIT), 3, "timeout");
            c.send("{\"handler\":\"controller\",\"module\":\"boom\",\"id\":4}");
            assertError(c.next("error", WAIT), 4, "internal");
            c.send("{\"handler\":\"controller\",\"module\":\"picky\",\"id\":5}");
            assertError(c.next("error", WAIT), 5, "not_found");
            c.send("{\"handler\":\"controller\",\"module\":\"missing\",\"id\":6}");
            assertError(c.next("error", WAIT), 6, "unknown_module");
            c.send("{\"handler\":\"nope\",\"id\":7}");
            assertError(c.next("error", WAIT), 7, "unknown_handler");

            // The legacy client sends controller calls without an id: the reply comes without one.
            c.send("{\"handler\":\"controller\",\"module\":\"chat\",\"data\":\"hi\"}");
            JsonNode legacy = c.next("reply", WAIT);
            assertThat(legacy.has("id")).isFalse();
            c.sendJson(Map.of("handler", "ping", "id", 8));
            assertThat(c.next("reply", WAIT).path("id").asInt()).isEqualTo(8);
        }
    }

    static void assertError(JsonNode error, int id, String code) {
        assertThat(error.path("id").asInt()).isEqualTo(id);
        assertThat(error.path("message").path("code").asText()).isEqualTo(code);
        assertThat(error.path("message").path("reason").asText()).isNotBlank();
    }

    @Test
    void roomsReachTheirMembersOnly() throws Exception {
        Gateway g = Gateway.builder().options(fast().clientPublishPattern("chat.*").build()).build();
        try (RunningGateway gw = RunningGateway.start(g);
             WsClient member = WsClient.connect(gw.url("/ws"));
             WsClient outsider = WsClient.connect(gw.url("/ws"))) {
            member.send("{\"handler\":\"subscribe\",\"channel\":\"chat.lobby\",\"id\":1}");
            assertThat(member.next("reply", WAIT).path("message").path("subscribed").asText()).isEqualTo("chat.lobby");

            gw.gateway().sendToRoom("chat.lobby", "chat.lobby", Map.of("text", "hi"));
            assertThat(member.next("chat.lobby", WAIT).path("message").path("text").asText()).isEqualTo("hi");

            outsider.send("{\"handler\":\"publish\",\"channel\":\"chat.lobby\",\"message\":{\"text\":\"from a client\"},\"id\":2}");
            assertThat(outsider.next("reply", WAIT).path("message").path("published").asText()).isEqualTo("chat.lobby");
            assertThat(member.next("chat.lobby", WAIT).path("message").path("text").asText()).isEqualTo("from a client");

            outsider.send("{\"handler\":\"publish\",\"channel\":\"admin\",\"message\":1,\"id\":3}");
            assertError(outsider.next("error", WAIT), 3, "forbidden");
            outsider.send("{\"handler\":\"subscribe\",\"channel\":\"bad room!\",\"id\":4}");
            assertError(outsider.next("error", WAIT), 4, "bad_request");
            outsider.send("{\"handler\":\"subscribe\",\"channel\":\"state\",\"id\":44}");
            assertError(outsider.next("error", WAIT), 44, "bad_request");

            member.send("{\"handler\":\"unsubscribe\",\"channel\":\"chat.lobby\",\"id\":5}");
            member.next("reply", WAIT);
            gw.gateway().sendToRoom("chat.lobby", "chat.lobby", Map.of("text", "gone"));
            gw.gateway().broadcast("marker", 1);
            assertThat(member.next("marker", WAIT).path("message").asInt()).isEqualTo(1);
            assertThat(member.drain()).noneMatch(n -> n.path("channel").asText().equals("chat.lobby"));
            assertThat(outsider.drain()).noneMatch(n -> n.path("channel").asText().equals("chat.lobby"));
        }
    }

    @Test
    void userTargetedMessagesReachEveryConnectionOfThatUserOnly() throws Exception {
        try (RunningGateway gw = RunningGateway.start(jwtGateway().build());
             WsClient alice1 = WsClient.connect(gw.url("/ws?token=" + Tokens.valid("alice")));
             WsClient alice2 = WsClient.connect(gw.url("/ws?token=" + Tokens.valid("alice")));
             WsClient bob = WsClient.connect(gw.url("/ws?token=" + Tokens.valid("bob")))) {
            gw.gateway().sendToUser("alice", "notice", Map.of("n", 1));
            gw.gateway().broadcast("marker", 0);
            assertThat(alice1.next("notice", WAIT).path("message").path("n").asInt()).isEqualTo(1);
            assertThat(alice2.next("notice", WAIT).path("message").path("n").asInt()).isEqualTo(1);
            bob.next("marker", WAIT);
            assertThat(bob.drain()).noneMatch(n -> n.path("channel").asText().equals("notice"));
        }
    }

    @Test
    void appPayloadIsDeliveredByteForByte() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             WsClient c = WsClient.connect(gw.url("/ws"))) {
            c.next("state", WAIT);
            byte[] raw = "{\"status\":\"new\",\"id\":17,\"nested\":[1,2.5,\"é\"]}".getBytes(StandardCharsets.UTF_8);
            gw.gateway().publish(dev.switchboard.core.spi.Delivery.toAll("live_streams", raw, null));
            JsonNode n = c.next("live_streams", WAIT);
            assertThat(n.path("message").toString()).isEqualTo(new String(raw, StandardCharsets.UTF_8));
        }
    }

    @Test
    void jwtValidExpiredBadSignatureAndMismatchingUserId() throws Exception {
        try (RunningGateway gw = RunningGateway.start(jwtGateway().build())) {
            String valid = Tokens.valid("7");
            try (WsClient c = WsClient.connect(gw.url("/ws?token=" + valid + "&user_id=7"))) {
                c.next("state", WAIT);
            }
            String expired = Tokens.jwt(Tokens.SECRET, "7", null, Instant.now().minusSeconds(3600));
            String notYet = Tokens.jwt(Tokens.SECRET, "7", Instant.now().plusSeconds(3600), null);
            String forged = Tokens.jwt("another-secret-that-is-at-least-32-bytes!!", "7", null, null);
            assertThat(WsClient.statusOf(gw.url("/ws?token=" + expired), Map.of())).isEqualTo(401);
            assertThat(WsClient.statusOf(gw.url("/ws?token=" + notYet), Map.of())).isEqualTo(401);
            assertThat(WsClient.statusOf(gw.url("/ws?token=" + forged), Map.of())).isEqualTo(401);
            assertThat(WsClient.statusOf(gw.url("/ws?token=" + valid + "&user_id=8"), Map.of())).isEqualTo(401);
            assertThat(WsClient.statusOf(gw.url("/ws"), Map.of())).isEqualTo(401);
            assertThat(WsClient.statusOf(gw.url("/ws?token=not.a.jwt"), Map.of())).isEqualTo(401);
            assertThat(gw.gateway().metrics().meter("switchboard.handshakes.rejected.auth").getCount()).isEqualTo(6);
        }
    }

    @Test
    void tokensNeverReachTheLog() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.classic.Level before = root.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        root.setLevel(ch.qos.logback.classic.Level.DEBUG);
        String secretToken = Tokens.valid("9");
        try (RunningGateway gw = RunningGateway.start(jwtGateway().build())) {
            try (WsClient c = WsClient.connect(gw.url("/ws?token=" + secretToken))) {
                c.send("{\"handler\":\"nope\"}");
                c.next("error", WAIT);
            }
            WsClient.statusOf(gw.url("/ws?token=" + secretToken + "x"), Map.of());
            WsClient.statusOf(gw.url("/ws?token=" + secretToken + "&user_id=10"), Map.of());
        } finally {
            root.detachAppender(logs);
            root.setLevel(before);
        }
        assertThat(logs.list).isNotEmpty();
        for (ILoggingEvent e : logs.list) {
            assertThat(e.getFormattedMessage()).doesNotContain(secretToken.substring(secretToken.lastIndexOf('.')));
        }
    }

    @Test
    void originAllowlistRefusesOtherSitesWith403() throws Exception {
        GatewayOptions o = GatewayOptions.builder().allowedOrigins(List.of("https://app.example.com", "*.example.org")).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build())) {
            assertThat(WsClient.statusOf(gw.url("/ws"), Map.of("Origin", "https://evil.test"))).isEqualTo(403);
            assertThat(WsClient.statusOf(gw.url("/ws"), Map.of("Origin", "https://example.org.evil.test"))).isEqualTo(403);
            assertThat(WsClient.statusOf(gw.url("/ws"), Map.of("Origin", "https://app.example.com"))).isEqualTo(-1);
            assertThat(WsClient.statusOf(gw.url("/ws"), Map.of("Origin", "http://shop.example.org:8080"))).isEqualTo(-1);
        }
    }

    @Test
    void oversizedFrameClosesWith1009() throws Exception {
        GatewayOptions o = GatewayOptions.builder().maxFrameSize(1024).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             WsClient c = WsClient.connect(gw.url("/ws"))) {
            c.next("state", WAIT);
            c.send("{\"handler\":\"ping\",\"pad\":\"" + "x".repeat(2000) + "\"}");
            assertThat(c.awaitClose(WAIT)).isEqualTo(1009);
        }
    }

    @Test
    void fragmentedRequestIsJoinedAndAFragmentedOneTooBigCloses1009() throws Exception {
        GatewayOptions o = GatewayOptions.builder().maxFrameSize(1024).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             WsClient c = WsClient.connect(gw.url("/ws"))) {
            c.next("state", WAIT);
            c.sendFragments("{\"handler\":", "\"ping\",\"id\"", ":41}");
            JsonNode reply = c.next("reply", WAIT);
            assertThat(reply.path("id").asInt()).isEqualTo(41);
            assertThat(reply.path("message").asText()).isEqualTo("pong");
            // Each frame is under the limit; the message is not.
            c.sendFragments("{\"handler\":\"ping\",\"pad\":\"" + "x".repeat(600), "x".repeat(600) + "\"}");
            assertThat(c.awaitClose(WAIT)).isEqualTo(1009);
        }
    }

    @Test
    void binaryFrameClosesWith1003() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             WsClient c = WsClient.connect(gw.url("/ws"))) {
            c.next("state", WAIT);
            c.sendBinary(new byte[] {1, 2, 3});
            assertThat(c.awaitClose(WAIT)).isEqualTo(1003);
        }
    }

    @Test
    void malformedJsonIsAnsweredAndTheConnectionStays() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             WsClient c = WsClient.connect(gw.url("/ws"))) {
            c.next("state", WAIT);
            for (String bad : List.of("{not json", "[1,2]", "\"handler\"", "{\"handler\":5}", "{\"id\":1}", "{} {}", "")) {
                c.send(bad);
                assertThat(c.next("error", WAIT).path("message").path("code").asText()).isEqualTo("bad_request");
            }
            c.sendJson(Map.of("handler", "ping", "id", 1));
            assertThat(c.next("reply", WAIT).path("message").asText()).isEqualTo("pong");
            assertThat(c.isClosed()).isFalse();
        }
    }

    @Test
    void rateLimitAnswersErrorsThenCloses1008() throws Exception {
        GatewayOptions o = GatewayOptions.builder().rateLimitPerSecond(1).rateLimitBurst(3).rateLimitStrikes(2).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             WsClient c = WsClient.connect(gw.url("/ws"))) {
            c.next("state", WAIT);
            for (int i = 0; i < 6; i++) {
                c.send("{\"handler\":\"ping\",\"id\":" + i + "}");
            }
            for (int i = 0; i < 3; i++) {
                assertThat(c.next(WAIT).path("channel").asText()).isEqualTo("reply");
            }
            for (int i = 3; i < 5; i++) {
                assertError(c.next(WAIT), i, "rate_limited");
            }
            assertThat(c.awaitClose(WAIT)).isEqualTo(1008);
        }
    }

    @Test
    void slowReaderIsBoundedAndDroppedWhileOthersKeepReceiving() throws Exception {
        GatewayOptions o = GatewayOptions.builder().writeBufferWaterMarks(8 * 1024, 32 * 1024).slowConsumerMaxDrops(200).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             WsClient fast = WsClient.connect(gw.url("/ws"));
             WsClient slow = WsClient.connect(gw.url("/ws"), Map.of(), false)) {
            await().until(() -> gw.gateway().connections() == 2);
            String pad = "y".repeat(1000);
            int sent = 0;
            // Enough to fill the socket buffers many times over: the server must drop, not queue.
            while (gw.gateway().metrics().counter("switchboard.slow_consumer.closed").getCount() == 0 && sent < 200_000) {
                gw.gateway().broadcast("feed", Map.of("seq", sent, "pad", pad));
                sent++;
                if (sent % 200 == 0) {
                    fast.drain();
                    Thread.sleep(1);
                }
            }
            assertThat(gw.gateway().metrics().counter("switchboard.drops").getCount()).isGreaterThan(200);
            assertThat(gw.gateway().metrics().counter("switchboard.slow_consumer.closed").getCount()).isEqualTo(1);
            gw.gateway().broadcast("after", 1);
            assertThat(fast.next("after", Duration.ofSeconds(10)).path("message").asInt()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway().connections() == 1);
            slow.abort();
        }
    }

    @Test
    void drainClosesEveryClientWith1001() throws Exception {
        RunningGateway gw = RunningGateway.start(Gateway.builder().build());
        List<WsClient> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(WsClient.connect(gw.url("/ws")));
        }
        long start = System.nanoTime();
        gw.stop(Duration.ofMillis(500));
        for (WsClient c : clients) {
            assertThat(c.awaitClose(WAIT)).isEqualTo(1001);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void refusesWhileDraining() throws Exception {
        RunningGateway gw = RunningGateway.start(Gateway.builder().build());
        WsClient c = WsClient.connect(gw.url("/ws"));
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
            try {
                gw.stop(Duration.ofSeconds(2));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().until(() -> gw.gateway().isClosing());
        assertThat(c.awaitClose(Duration.ofSeconds(10))).isEqualTo(1001);
        stopping.join();
    }

    @Test
    void connectionLimitsPerAddressAndInTotal() throws Exception {
        GatewayOptions o = GatewayOptions.builder().maxConnectionsPerIp(2).maxConnections(3).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             WsClient a = WsClient.connect(gw.url("/ws"));
             WsClient b = WsClient.connect(gw.url("/ws"))) {
            assertThat(WsClient.statusOf(gw.url("/ws"), Map.of())).isEqualTo(429);
            a.close();
            await().until(() -> gw.gateway().connections() == 1);
            try (WsClient c = WsClient.connect(gw.url("/ws"))) {
                assertThat(gw.gateway().metrics().meter("switchboard.handshakes.rejected.limit").getCount()).isEqualTo(1);
            }
        }
    }

    @Test
    void totalConnectionLimitAnswers503AndFreesSlotsOnClose() throws Exception {
        GatewayOptions o = GatewayOptions.builder().maxConnectionsPerIp(10).maxConnections(2).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             WsClient a = WsClient.connect(gw.url("/ws"));
             WsClient b = WsClient.connect(gw.url("/ws"))) {
            assertThat(WsClient.statusOf(gw.url("/ws"), Map.of())).isEqualTo(503);
            b.close();
            await().until(() -> gw.gateway().connections() == 1);
            try (WsClient c = WsClient.connect(gw.url("/ws"))) {
                assertThat(c.next("state", WAIT).path("message").path("num_clients").asInt()).isEqualTo(2);
            }
        }
    }

    @Test
    void clientThatSendsItsCloseFrameAndStopsReadingIsCutAfterTheGrace() throws Exception {
        GatewayOptions o = GatewayOptions.builder().writeBufferWaterMarks(8 * 1024, 16 * 1024)
                .slowConsumerMaxDrops(1_000_000).build(); // never the slow-consumer close: only the close grace
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", gw.port()));
            OutputStream out = upgradeRaw(s, gw);
            // Fill every buffer between server and client: the client reads nothing from here on.
            String pad = "z".repeat(1000);
            for (int i = 0; i < 5_000 && gw.gateway().metrics().counter("switchboard.drops").getCount() == 0; i++) {
                gw.gateway().broadcast("feed", Map.of("pad", pad));
            }
            assertThat(gw.gateway().metrics().counter("switchboard.drops").getCount()).isPositive();
            // A masked close frame, code 1000: the server's answer cannot be written, the client does not read.
            out.write(clientFrame(0x88, new byte[] {0x03, (byte) 0xE8}, new byte[] {1, 2, 3, 4}));
            out.flush();
            long start = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway().connections() == 0);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    void textFrameThatIsNotUtf8Closes1007() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(5_000);
            OutputStream out = upgradeRaw(s, gw);
            // {"handler":"ping","x":"<ED A0 80>"}: well-formed JSON around an encoded surrogate.
            byte[] payload = concat("{\"handler\":\"ping\",\"x\":\"".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, "\"}".getBytes(StandardCharsets.US_ASCII));
            out.write(clientFrame(0x81, payload, new byte[] {9, 8, 7, 6}));
            out.flush();
            byte[] all = s.getInputStream().readAllBytes(); // upgrade answer, state frame, close frame; then EOF
            String seen = java.util.HexFormat.of().formatHex(all);
            assertThat(seen).as("a close frame with code 1007 (0x03EF)").contains("03ef");
            int close = seen.lastIndexOf("88");
            assertThat(close).isPositive();
            assertThat(seen.substring(close + 4, close + 8)).isEqualTo("03ef");
        }
    }

    /** Sends the upgrade request on {@code s} (version 13) and waits for the gateway to hold the connection. */
    private static OutputStream upgradeRaw(Socket s, RunningGateway gw) throws java.io.IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        await().until(() -> gw.gateway().connections() == 1);
        return out;
    }

    /** A masked client frame. */
    private static byte[] clientFrame(int b0, byte[] payload, byte[] mask) {
        byte[] frame = new byte[6 + payload.length]; // payloads under 126 bytes
        frame[0] = (byte) b0;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return frame;
    }

    @Test
    void framesAreReadHoweverTheyAreCutAndAViolationClosesAsRfc6455Says() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(5_000);
            s.setTcpNoDelay(true);
            OutputStream out = upgradeRaw(s, gw);
            // Two requests in one write, a third cut inside its masking key, a fourth cut inside its payload.
            byte[][] pings = new byte[4][];
            for (int i = 0; i < 4; i++) {
                pings[i] = clientFrame(0x81, ("{\"handler\":\"ping\",\"id\":" + (i + 1) + "}")
                        .getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) (17 * i), 5, (byte) 0x99, 3});
            }
            byte[] burst = concat(pings[0], pings[1], java.util.Arrays.copyOf(pings[2], 4));
            out.write(burst);
            out.flush();
            Thread.sleep(50);
            out.write(concat(java.util.Arrays.copyOfRange(pings[2], 4, pings[2].length),
                    java.util.Arrays.copyOf(pings[3], 10)));
            out.flush();
            Thread.sleep(50);
            out.write(java.util.Arrays.copyOfRange(pings[3], 10, pings[3].length));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("\"id\":4,\"message\":\"pong\"}")) {
                int b = in.read();
                assertThat(b).as("replies before EOF; so far: %s", seen).isNotNegative();
                seen.append((char) b);
            }
            for (int i = 1; i <= 4; i++) {
                assertThat(seen.toString()).contains("{\"channel\":\"reply\",\"id\":" + i + ",\"message\":\"pong\"}");
            }
            // A close frame whose reason ends inside a UTF-8 character: refused (1007), so no close frame comes
            // back, only the end of the connection (RFC 6455 §7.1.7; Netty's own decoder lets such a reason by).
            out.write(clientFrame(0x88, new byte[] {0x03, (byte) 0xE8, 'o', 'k', (byte) 0xE3, (byte) 0xA9},
                    new byte[] {1, 2, 3, 4}));
            out.flush();
            assertThat(in.readAllBytes()).isEmpty();
            await().until(() -> gw.gateway().connections() == 0);
        }
    }

    @Test
    void anUnmaskedFrameClosesWith1002() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(5_000);
            OutputStream out = upgradeRaw(s, gw);
            byte[] text = "{\"handler\":\"ping\"}".getBytes(StandardCharsets.US_ASCII);
            byte[] frame = concat(new byte[] {(byte) 0x81, (byte) text.length}, text);
            out.write(frame);
            out.flush();
            String seen = java.util.HexFormat.of().formatHex(s.getInputStream().readAllBytes());
            // The upgrade answer, the state frame, then a close frame (0x88, a length under 126) with code 1002.
            assertThat(java.util.regex.Pattern.compile("88[0-7][0-9a-f]03ea").matcher(seen).find())
                    .as("a close frame with code 1002 in %s", seen).isTrue();
            await().until(() -> gw.gateway().connections() == 0);
        }
    }

    private static byte[] concat(byte[]... parts) {
        return io.netty.buffer.ByteBufUtil.getBytes(io.netty.buffer.Unpooled.wrappedBuffer(parts));
    }

    @Test
    void peerThatNeverUpgradesIsCutOff() throws Exception {
        GatewayOptions o = GatewayOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().options(o).build());
             Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET /ws HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // never finished
            out.flush();
            InputStream in = s.getInputStream();
            long start = System.nanoTime();
            assertThat(in.read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void plainRequestToTheWebSocketPathIs400() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             Socket s = new Socket("127.0.0.1", gw.port())) {
            s.getOutputStream().write("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 400");
        }
    }

    @Test
    void asyncAuthenticatorPausesReadsUntilItDecides() throws Exception {
        CompletableFuture<AuthResult> decision = new CompletableFuture<>();
        Gateway g = Gateway.builder().authenticator(r -> decision).build();
        try (RunningGateway gw = RunningGateway.start(g)) {
            CompletableFuture<WsClient> connecting = CompletableFuture.supplyAsync(() -> WsClient.connect(gw.url("/ws")));
            Thread.sleep(300);
            assertThat(connecting).isNotDone();
            decision.complete(AuthResult.allow("late-user"));
            try (WsClient c = connecting.get(5, java.util.concurrent.TimeUnit.SECONDS)) {
                c.next("state", WAIT);
            }
        }
    }

    @Test
    void failingAuthenticatorAnswers503() throws Exception {
        Gateway g = Gateway.builder().authenticator(r -> CompletableFuture.failedFuture(new IllegalStateException("db down"))).build();
        try (RunningGateway gw = RunningGateway.start(g)) {
            assertThat(WsClient.statusOf(gw.url("/ws"), Map.of())).isEqualTo(503);
        }
    }
}
