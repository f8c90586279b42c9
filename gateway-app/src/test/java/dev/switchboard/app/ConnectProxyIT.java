package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.app.testing.LeakWatch;
import dev.switchboard.app.testing.Php;
import dev.switchboard.app.testing.TestBackend;
import dev.switchboard.app.testing.TestBackend.Answer;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.core.testing.WsClient;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The connect proxy against a real HTTP application and a real gateway. */
class ConnectProxyIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private TestBackend app;
    private AppClient client;
    private RunningGateway gw;

    @BeforeEach
    void setUp() throws Exception {
        app = new TestBackend();
        client = AppClient.builder().secret(TestBackend.SECRET).responseTimeout(Duration.ofMillis(800)).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (gw != null) {
            gw.close();
        }
        client.close();
        app.close();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        LeakWatch.assertNoLeaks();
    }

    private void start(URI url, Consumer<HttpConnectAuthenticator.Builder> options) throws Exception {
        HttpConnectAuthenticator.Builder b = HttpConnectAuthenticator.builder(client, url);
        options.accept(b);
        gw = RunningGateway.start(Gateway.builder()
                .authenticator(b.build())
                .module("whoami", r -> Map.of("user_id", String.valueOf(r.session().userId()),
                        "claims", r.session().claims()))
                .build());
    }

    private void start() throws Exception {
        start(URI.create(app.baseUrl() + "/ws-auth"), b -> { });
    }

    private static JsonNode whoami(WsClient c) {
        c.sendJson(Map.of("handler", "controller", "module", "whoami", "id", 1));
        return c.next("reply", WAIT).path("message");
    }

    @Test
    void admitsWithUserIdAndClaimsOnTheSession() throws Exception {
        app.route("/ws-auth", r -> Answer.json(200, "{\"user_id\":\"42\",\"claims\":{\"role\":\"admin\",\"plan\":null}}"));
        start();
        try (WsClient c = WsClient.connect(gw.url("/ws?token=T0K&fingerprint=fp1"))) {
            JsonNode me = whoami(c);
            assertThat(me.path("user_id").asText()).isEqualTo("42");
            assertThat(me.path("claims").path("role").asText()).isEqualTo("admin");
            assertThat(me.path("claims").has("plan")).isFalse();
        }
        TestBackend.Received r = app.next(WAIT);
        assertThat(r.signatureValid()).isTrue();
        assertThat(r.header("content-type")).isEqualTo("application/json");
        JsonNode body = MAPPER.readTree(r.body());
        assertThat(body.path("token").asText()).isEqualTo("T0K");
        assertThat(body.path("fingerprint").asText()).isEqualTo("fp1");
        assertThat(body.path("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(body.has("user_id")).isTrue();
        assertThat(body.has("origin")).isTrue();
    }

    @Test
    void numericUserIdAndMatchingClaim() throws Exception {
        app.route("/ws-auth", r -> Answer.json(200, "{\"user_id\":7}"));
        start();
        try (WsClient c = WsClient.connect(gw.url("/ws?token=x&user_id=7"))) {
            assertThat(whoami(c).path("user_id").asText()).isEqualTo("7");
        }
        assertThat(WsClient.statusOf(gw.url("/ws?token=x&user_id=8"), Map.of())).isEqualTo(401);
    }

    @Test
    void nullUserIdAdmitsAnonymously() throws Exception {
        app.route("/ws-auth", r -> Answer.json(200, "{\"user_id\":null}"));
        start();
        try (WsClient c = WsClient.connect(gw.url("/ws"))) {
            assertThat(whoami(c).path("user_id").asText()).isEqualTo("null");
        }
    }

    @Test
    void unauthorizedAndForbiddenArePassedOn() throws Exception {
        app.route("/ws-auth", r -> r.text().contains("\"bad\"")
                ? Answer.json(401, "{\"reason\":\"expired\"}") : Answer.json(403, "banned"));
        start();
        assertThat(WsClient.statusOf(gw.url("/ws?token=bad"), Map.of())).isEqualTo(401);
        assertThat(WsClient.statusOf(gw.url("/ws?token=other"), Map.of())).isEqualTo(403);
    }

    @Test
    void serverErrorMalformedAnswerSlowAndDownAre503() throws Exception {
        app.route("/ws-auth", r -> switch (MAPPER.readTree(r.body()).path("token").asText()) {
            case "500" -> Answer.json(500, "{}");
            case "404" -> Answer.json(404, "{}");
            case "nouser" -> Answer.json(200, "{\"id\":1}");
            case "html" -> new Answer(200, "text/html", "<html>", Duration.ZERO);
            default -> Answer.json(200, "{\"user_id\":\"1\"}").after(Duration.ofSeconds(3));
        });
        start();
        for (String t : new String[] {"500", "404", "nouser", "html"}) {
            assertThat(WsClient.statusOf(gw.url("/ws?token=" + t), Map.of())).as(t).isEqualTo(503);
        }
        long t0 = System.nanoTime();
        assertThat(WsClient.statusOf(gw.url("/ws?token=slow"), Map.of())).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void downApplicationIs503() throws Exception {
        start(URI.create("http://127.0.0.1:" + Php.freePort() + "/ws-auth"), b -> { });
        assertThat(WsClient.statusOf(gw.url("/ws?token=x"), Map.of())).isEqualTo(503);
    }

    @Test
    void cachesAdmissionsPerTokenWhenAsked() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        app.route("/ws-auth", r -> {
            asked.incrementAndGet();
            return r.text().contains("\"no\"") ? Answer.json(401, "{}") : Answer.json(200, "{\"user_id\":\"5\"}");
        });
        start(URI.create(app.baseUrl() + "/ws-auth"), b -> b.cacheTtl(Duration.ofMinutes(1)));
        for (int i = 0; i < 3; i++) {
            try (WsClient c = WsClient.connect(gw.url("/ws?token=yes"))) {
                assertThat(whoami(c).path("user_id").asText()).isEqualTo("5");
            }
            assertThat(WsClient.statusOf(gw.url("/ws?token=no"), Map.of())).isEqualTo(401);
        }
        assertThat(asked.get()).isEqualTo(1 + 3); // one admission cached, every refusal asked again
        // A cached admission still checks the claimed user id.
        assertThat(WsClient.statusOf(gw.url("/ws?token=yes&user_id=6"), Map.of())).isEqualTo(401);
    }
}
