package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.RedisCluster;
import dev.switchboard.redis.testing.Resp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two instances on a Redis Cluster of three masters. */
class RedisClusterIT {

    static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final RedisCluster cluster = new RedisCluster();

    static Predicate<JsonNode> counts(int online, int clients) {
        return n -> n.path("channel").asText().equals("state")
                && n.path("message").path("num_online").asInt() == online
                && n.path("message").path("num_clients").asInt() == clients;
    }

    @Test
    void broadcastAndPresenceWorkAcrossInstancesOnACluster() throws Exception {
        RedisOptions options = cluster.options().channels(List.of("live_streams")).build();
        try (Node a = Node.start("a", options);
             Node b = Node.start("b", options);
             WsClient x = WsClient.connect(a.url("/ws?fingerprint=same"));
             WsClient y = WsClient.connect(b.url("/ws?fingerprint=same"));
             WsClient z = WsClient.connect(b.url("/ws?fingerprint=other"))) {
            x.next(counts(2, 3), WAIT);
            z.next(counts(2, 3), WAIT);

            for (int node = 0; node < 3; node++) {
                // Classic pub/sub: a PUBLISH on any node reaches subscribers on every node.
                try (Resp app = cluster.resp(node)) {
                    app.call("PUBLISH", "live_streams", "{\"via\":" + node + "}");
                }
                for (WsClient c : List.of(x, y, z)) {
                    assertThat(c.next("live_streams", WAIT).path("message").path("via").asInt()).isEqualTo(node);
                }
            }
            a.gateway().broadcast("cross", Map.of("from", "a"));
            assertThat(z.next("cross", WAIT).path("message").path("from").asText()).isEqualTo("a");

            z.close();
            x.next(counts(1, 2), WAIT);
        }
    }
}
