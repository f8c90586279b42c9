package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.testing.WsClient;
import dev.switchboard.server.internal.web.ClientScript;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The public port: WebSockets and plain HTTP side by side. */
class PublicPortIT {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void healthIsOkAndUnknownPathsAre404() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { })) {
            HttpResponse<String> health = Http.get(sb.web("/health"));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            assertThat(Http.get(sb.web("/")).statusCode()).isEqualTo(404);
            assertThat(Http.get(sb.web("/index.html")).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void clientScriptIsServedFromTheJarWithCachingHeaders() throws Exception {
        boolean built = ClientScript.class.getClassLoader().getResource(ClientScript.RESOURCE) != null;
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { })) {
            HttpResponse<String> res = Http.get(sb.web("/client.js?v=1"));
            if (!built) {
                assertThat(res.statusCode()).isEqualTo(404); // no js-client/dist at build time
                return;
            }
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isNotEmpty();
            assertThat(res.headers().firstValue("Content-Type")).hasValue("application/javascript; charset=utf-8");
            assertThat(res.headers().firstValue("Cache-Control")).hasValue("public, max-age=3600");
            String etag = res.headers().firstValue("ETag").orElseThrow();

            HttpResponse<String> again = Http.get(sb.web("/client.js"), "If-None-Match", etag);
            assertThat(again.statusCode()).isEqualTo(304);
            assertThat(again.body()).isEmpty();
        }
    }

    @Test
    void echoModuleAnswersWithDataAndUserId() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> b.echoModule(true));
             WsClient c = WsClient.connect(sb.ws("/ws"))) {
            c.sendJson(Map.of("handler", "controller", "module", "echo", "data", Map.of("n", 1), "id", 5));
            JsonNode reply = c.next("reply", WAIT);
            assertThat(reply.path("id").asInt()).isEqualTo(5);
            assertThat(reply.path("message").toString()).isEqualTo("{\"echo\":{\"n\":1},\"user_id\":null}");
        }
    }

    @Test
    void withoutTheEchoModuleTheModuleIsUnknown() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(b -> { });
             WsClient c = WsClient.connect(sb.ws("/ws"))) {
            c.sendJson(Map.of("handler", "controller", "module", "echo", "id", 5));
            assertThat(c.next("error", WAIT).path("message").path("code").asText()).isEqualTo("unknown_module");
        }
    }

    @Test
    void startFailsAndReleasesThePublicPortWhenTheAdminPortIsTaken() throws Exception {
        try (RunningSwitchboard first = RunningSwitchboard.start(b -> { })) {
            int taken = first.switchboard().adminAddress().getPort();
            ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0)
                    .adminHost("127.0.0.1").adminPort(taken).build();
            Switchboard second = new Switchboard(config);
            assertThatThrownBy(() -> second.start().toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .rootCause().hasMessageContaining("Address already in use"); // epoll's or NIO's bind error
            assertThat(second.gateway().isClosing()).as("the public side was stopped again").isTrue();
        }
    }
}
