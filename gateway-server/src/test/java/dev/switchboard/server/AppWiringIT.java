package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.testing.WsClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The app.* settings wired end to end: the app decides who connects and hears lifecycle events, signed. */
class AppWiringIT {

    static final String SECRET = "server-wiring-secret-at-least-32-bytes";
    static final Duration WAIT = Duration.ofSeconds(10);

    HttpServer app;
    final List<String> hooks = new CopyOnWriteArrayList<>();
    final List<String> signatures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startApp() throws Exception {
        app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        app.createContext("/connect", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            signatures.add(String.valueOf(ex.getRequestHeaders().getFirst("X-Switchboard-Signature")));
            boolean good = body.contains("\"token\":\"good\"");
            byte[] answer = (good ? "{\"user_id\":\"alice\"}" : "{\"error\":\"no\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(good ? 200 : 401, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        app.createContext("/hooks", ex -> {
            hooks.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            signatures.add(String.valueOf(ex.getRequestHeaders().getFirst("X-Switchboard-Signature")));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        app.start();
    }

    @AfterEach
    void stopApp() {
        app.stop(0);
    }

    @Test
    void appDecidesWhoConnectsAndHearsLifecycleEvents() throws Exception {
        String base = "http://127.0.0.1:" + app.getAddress().getPort();
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> b.authMode(AuthMode.HTTP)
                .appSecret(SECRET).appConnectUrl(base + "/connect").appWebhookUrl(base + "/hooks").echoModule(true))) {
            assertThat(WsClient.statusOf(sb.ws("/ws?token=bad"), Map.of())).isEqualTo(401);
            try (WsClient c = WsClient.connect(sb.ws("/ws?token=good"))) {
                c.send("{\"handler\":\"controller\",\"module\":\"echo\",\"data\":1,\"id\":1}");
                assertThat(c.next("reply", WAIT).path("message").path("user_id").asText()).isEqualTo("alice");
            }
            await().atMost(WAIT).until(() -> String.join("", hooks).contains("\"disconnect\""));
            String events = String.join("", hooks);
            assertThat(events).contains("\"event\":\"connect\"", "\"user_id\":\"alice\"");
            assertThat(signatures).isNotEmpty().allMatch(sig -> sig.startsWith("sha256="));
        }
    }
}
