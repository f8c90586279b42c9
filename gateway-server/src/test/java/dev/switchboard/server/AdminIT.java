package dev.switchboard.server;

import static dev.switchboard.server.RunningSwitchboard.API_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.testing.Tokens;
import dev.switchboard.core.testing.WsClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admin port through real sockets: metrics, health and the publish API, checked at real WebSocket clients. */
class AdminIT {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BEARER = "Bearer " + API_KEY;

    private static HttpResponse<String> publish(RunningSwitchboard sb, String body, String... headers) {
        return Http.post(sb.admin("/api/publish"), body, headers);
    }

    private static JsonNode json(HttpResponse<String> res) throws Exception {
        return MAPPER.readTree(res.body());
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { });
             WsClient c = WsClient.connect(sb.ws("/ws"))) {
            c.next("state", WAIT);
            c.sendJson(Map.of("handler", "ping", "id", 1));
            c.next("reply", WAIT);
            HttpResponse<String> res = Http.get(sb.admin("/metrics"));
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(res.body()).contains("# TYPE switchboard_connections gauge", "\nswitchboard_connections 1.0\n",
                    "switchboard_handshakes_accepted_total 1.0", "switchboard_messages_in_total 1.0",
                    "# TYPE switchboard_dispatch_ping summary", "switchboard_dispatch_ping{quantile=\"0.99\"}",
                    "switchboard_dispatch_ping_count 1");
            // Memory beside the gateway's counts, for per-connection cost: heap, buffer pools, Netty's direct.
            assertThat(res.body()).contains("jvm_memory_heap_used ", "jvm_buffers_direct_used ",
                    "switchboard_netty_direct_used ");
        }
    }

    @Test
    void healthTellsStatusBrokerAndConnections() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { });
             WsClient c = WsClient.connect(sb.ws("/ws"))) {
            c.next("state", WAIT);
            HttpResponse<String> res = Http.get(sb.admin("/health"));
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo(
                    "{\"status\":\"up\",\"checks\":{\"broker\":{\"name\":\"local\",\"healthy\":true},\"connections\":1}}");
        }
    }

    @Test
    void publishReachesEveryClientAsSent() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { });
             WsClient a = WsClient.connect(sb.ws("/ws"));
             WsClient b = WsClient.connect(sb.ws("/"))) {
            a.next("state", WAIT);
            b.next("state", WAIT);
            HttpResponse<String> res = publish(sb, "{\"channel\":\"live_streams\",\"message\":{\"status\":\"new\",\"id\":17}}",
                    "Authorization", BEARER, "Content-Type", "application/json");
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("{\"ok\":true}");
            String expected = "{\"channel\":\"live_streams\",\"message\":{\"status\":\"new\",\"id\":17}}";
            assertThat(a.next("live_streams", WAIT).toString()).isEqualTo(expected);
            assertThat(b.next("live_streams", WAIT).toString()).isEqualTo(expected);
        }
    }

    @Test
    void publishToOneUserReachesOnlyThatUser() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> b.authMode(AuthMode.JWT).jwtSecret(Tokens.SECRET));
             WsClient seven = WsClient.connect(sb.ws("/ws?token=" + Tokens.valid("7")));
             WsClient eight = WsClient.connect(sb.ws("/ws?token=" + Tokens.valid("8")))) {
            seven.next("state", WAIT);
            eight.next("state", WAIT);
            assertThat(publish(sb, "{\"channel\":\"inbox\",\"message\":\"hi 7\",\"user_id\":\"7\"}", "X-Api-Key", API_KEY)
                    .statusCode()).isEqualTo(200);
            assertThat(publish(sb, "{\"channel\":\"marker\",\"message\":0}", "X-Api-Key", API_KEY).statusCode()).isEqualTo(200);

            assertThat(seven.next("inbox", WAIT).path("message").asText()).isEqualTo("hi 7");
            JsonNode first = eight.next(n -> !n.path("channel").asText().equals("state"), WAIT);
            assertThat(first.path("channel").asText()).isEqualTo("marker");
        }
    }

    @Test
    void publishToARoomReachesOnlyItsMembers() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { });
             WsClient member = WsClient.connect(sb.ws("/ws"));
             WsClient other = WsClient.connect(sb.ws("/ws"))) {
            other.next("state", WAIT);
            member.sendJson(Map.of("handler", "subscribe", "channel", "lobby", "id", 1));
            member.next("reply", WAIT);
            publish(sb, "{\"channel\":\"chat\",\"room\":\"lobby\",\"message\":[1,2]}", "Authorization", BEARER);
            publish(sb, "{\"channel\":\"marker\",\"message\":0}", "Authorization", BEARER);

            assertThat(member.next("chat", WAIT).toString()).isEqualTo("{\"channel\":\"chat\",\"message\":[1,2]}");
            JsonNode first = other.next(n -> !n.path("channel").asText().equals("state"), WAIT);
            assertThat(first.path("channel").asText()).isEqualTo("marker");
        }
    }

    @Test
    void badBodiesAre400WithAReason() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { })) {
            HttpResponse<String> badJson = publish(sb, "{\"channel\":", "Authorization", BEARER);
            assertThat(badJson.statusCode()).isEqualTo(400);
            assertThat(json(badJson).path("reason").asText()).startsWith("malformed JSON");

            HttpResponse<String> noChannel = publish(sb, "{\"message\":1}", "Authorization", BEARER);
            assertThat(noChannel.statusCode()).isEqualTo(400);
            assertThat(noChannel.body()).isEqualTo(
                    "{\"ok\":false,\"code\":\"bad_request\",\"reason\":\"\\\"channel\\\" is required\"}");
        }
    }

    @Test
    void publishWithoutTheRightKeyIs401() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { })) {
            String body = "{\"channel\":\"a\",\"message\":1}";
            assertThat(publish(sb, body).statusCode()).isEqualTo(401);
            assertThat(publish(sb, body, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
            assertThat(publish(sb, body, "X-Api-Key", API_KEY + "x").statusCode()).isEqualTo(401);
            assertThat(publish(sb, body, "X-Api-Key", API_KEY).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutAConfiguredKeyEveryPublishIs401() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> b.adminApiKey(null))) {
            HttpResponse<String> res = publish(sb, "{\"channel\":\"a\",\"message\":1}", "Authorization", "Bearer ");
            assertThat(res.statusCode()).isEqualTo(401);
            assertThat(json(res).path("reason").asText()).contains("admin.api-key");
        }
    }

    @Test
    void bodiesOverOneMebibyteAre413AndOtherMistakesAnswered() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { })) {
            String big = "{\"channel\":\"a\",\"message\":\"" + "x".repeat(1024 * 1024) + "\"}";
            assertThat(publish(sb, big, "Authorization", BEARER).statusCode()).isEqualTo(413);
            assertThat(Http.get(sb.admin("/api/publish")).statusCode()).isEqualTo(405);
            assertThat(Http.post(sb.admin("/metrics"), "").statusCode()).isEqualTo(405);
            assertThat(Http.get(sb.admin("/nope")).statusCode()).isEqualTo(404);
            // The connection survives a 413: the next call on it is answered.
            assertThat(publish(sb, "{\"channel\":\"a\",\"message\":1}", "Authorization", BEARER).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void drainingGatewayReportsDrainingWith503() throws Exception {
        // Three clients are closed at 0, 1/3 and 2/3 of the window: the admin port stays up meanwhile.
        RunningSwitchboard sb = RunningSwitchboard.start(b -> b.drain(Duration.ofSeconds(3)));
        try (WsClient a = WsClient.connect(sb.ws("/ws"));
             WsClient b = WsClient.connect(sb.ws("/ws"));
             WsClient c = WsClient.connect(sb.ws("/ws"))) {
            c.next(n -> n.path("message").path("num_clients").asInt() == 3, WAIT);
            CompletableFuture<Void> stopped = sb.switchboard().stop().toCompletableFuture();
            HttpResponse<String> res = Http.get(sb.admin("/health"));
            assertThat(res.statusCode()).isEqualTo(503);
            assertThat(json(res).path("status").asText()).isEqualTo("draining");
            for (WsClient client : new WsClient[] {a, b, c}) {
                assertThat(client.awaitClose(WAIT)).isEqualTo(1001);
            }
            stopped.get(10, TimeUnit.SECONDS);
        }
    }
}
