package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.RedisServer;
import dev.switchboard.redis.testing.Resp;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tokens the application stores in Redis, checked during the handshake. */
class RedisTokenAuthenticatorIT {

    static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    static final RedisServer redis = RedisServer.local();

    static Node node;

    @BeforeAll
    static void start() throws Exception {
        node = Node.start("auth", redis.options().build(), Duration.ofMillis(100),
                (g, broker) -> g.authenticator(new RedisTokenAuthenticator(broker)));
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    String key(String token) {
        return redis.namespace() + "token:" + token;
    }

    @Test
    void validTokenAdmitsTheClientAsItsUser() throws Exception {
        try (Resp app = redis.resp()) {
            app.call("SET", key("tok-valid"), "42", "EX", "60");
        }
        try (WsClient c = WsClient.connect(node.url("/ws?token=tok-valid&user_id=42"))) {
            c.next("state", WAIT);
            node.gateway().sendToUser("42", "dm", Map.of("to", "you"));
            assertThat(c.next("dm", WAIT).path("message").path("to").asText()).isEqualTo("you");
        }
    }

    @Test
    void missingOrUnknownTokenIs401() {
        assertThat(WsClient.statusOf(node.url("/ws"), Map.of())).isEqualTo(401);
        assertThat(WsClient.statusOf(node.url("/ws?token=never-set"), Map.of())).isEqualTo(401);
    }

    @Test
    void userIdThatDiffersFromTheTokensIs401() {
        try (Resp app = redis.resp()) {
            app.call("SET", key("tok-mismatch"), "42", "EX", "60");
        }
        assertThat(WsClient.statusOf(node.url("/ws?token=tok-mismatch&user_id=43"), Map.of())).isEqualTo(401);
    }

    @Test
    void expiredTokenIs401() throws Exception {
        try (Resp app = redis.resp()) {
            app.call("SET", key("tok-short"), "7", "PX", "1000");
            assertThat(WsClient.statusOf(node.url("/ws?token=tok-short"), Map.of())).isEqualTo(-1);
            await().atMost(WAIT).until(() -> app.call("GET", key("tok-short")) == null);
        }
        assertThat(WsClient.statusOf(node.url("/ws?token=tok-short"), Map.of())).isEqualTo(401);
    }

    @Test
    void redisDownIs503AndBackIsFine() throws Exception {
        try (Resp app = redis.resp()) {
            app.call("SET", key("tok-down"), "9", "EX", "60");
        }
        redis.stop();
        try {
            await().atMost(WAIT).until(() -> !node.gateway().brokerHealthy());
            assertThat(WsClient.statusOf(node.url("/ws?token=tok-down"), Map.of())).isEqualTo(503);
        } finally {
            redis.start();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> node.gateway().brokerHealthy());
        try (Resp app = redis.resp()) {
            app.call("SET", key("tok-back"), "9", "EX", "60");
        }
        assertThat(WsClient.statusOf(node.url("/ws?token=tok-back"), Map.of())).isEqualTo(-1);
    }
}
