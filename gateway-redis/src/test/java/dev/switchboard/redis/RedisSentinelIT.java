package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.RedisSentinel;
import dev.switchboard.redis.testing.Resp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two instances that find their Redis through a Sentinel (the sentinel addresses and master name settings). */
class RedisSentinelIT {

    static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final RedisSentinel sentinel = new RedisSentinel();

    @Test
    void broadcastAndPresenceWorkThroughSentinel() throws Exception {
        RedisOptions options = sentinel.options().channels(List.of("live_streams")).build();
        assertThat(options.usesSentinel()).isTrue();
        try (Node a = Node.start("sa", options);
             Node b = Node.start("sb", options);
             WsClient x = WsClient.connect(a.url("/ws?fingerprint=same"));
             WsClient y = WsClient.connect(b.url("/ws?fingerprint=same"))) {
            y.next(n -> n.path("channel").asText().equals("state")
                    && n.path("message").path("num_online").asInt() == 1
                    && n.path("message").path("num_clients").asInt() == 2, WAIT);
            try (Resp app = sentinel.master()) {
                app.call("PUBLISH", "live_streams", "{\"via\":\"sentinel\"}");
            }
            for (WsClient c : List.of(x, y)) {
                JsonNode n = c.next("live_streams", WAIT);
                assertThat(n.path("message").path("via").asText()).isEqualTo("sentinel");
            }
            a.gateway().broadcast("cross", Map.of("from", "a"));
            assertThat(y.next("cross", WAIT).path("message").path("from").asText()).isEqualTo("a");
            assertThat(a.broker.healthy()).isTrue();
        }
    }
}
