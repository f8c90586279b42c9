package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.RedisServer;
import dev.switchboard.redis.testing.Resp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** A real redis-server stopped and started under two running instances. */
class RedisOutageIT {

    static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    static final RedisServer redis = RedisServer.local();

    /**
     * With {@code sharedLoops} the broker runs on the gateway's event loops and pub/sub callbacks inline on
     * them (the standalone server); without, on its own threads (an embedder that passes no group). Pub/sub
     * over the direct relay (the default for one server), and over Redisson's (Sentinel, Cluster, TLS).
     */
    @ParameterizedTest(name = "on the gateway''s loops: {0}, relay {1}")
    @CsvSource({"true, DIRECT", "false, DIRECT", "true, REDISSON", "false, REDISSON"})
    void localDeliveryGoesOnDuringAnOutageAndEverythingRecoversAfter(boolean sharedLoops, RedisOptions.Relay relay)
            throws Exception {
        RedisOptions options = redis.options().channels(List.of("live_streams")).relay(relay).build();
        try (Node a = Node.start("a", options, sharedLoops);
             Node b = Node.start("b", options, sharedLoops);
             WsClient ca = WsClient.connect(a.url("/ws?fingerprint=fa"));
             WsClient cb = WsClient.connect(b.url("/ws?fingerprint=fb"))) {
            ca.next(n -> n.path("message").path("num_clients").asInt() == 2, WAIT);
            assertThat(a.gateway().brokerHealthy()).isTrue();

            redis.stop();
            await().atMost(WAIT).until(() -> !a.gateway().brokerHealthy() && !b.gateway().brokerHealthy());
            long droppedBefore = a.gateway().metrics().counter("switchboard.redis.publish.dropped").getCount();
            a.gateway().broadcast("local", Map.of("during", "outage"));
            assertThat(ca.next("local", WAIT).path("message").path("during").asText()).isEqualTo("outage");
            assertThat(a.gateway().metrics().counter("switchboard.redis.publish.dropped").getCount())
                    .isEqualTo(droppedBefore + 1);
            Thread.sleep(300);
            assertThat(cb.drain()).noneMatch(n -> n.path("channel").asText().equals("local"));

            redis.start(); // empty: nothing was saved
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> a.gateway().brokerHealthy() && b.gateway().brokerHealthy());
            try (Resp app = redis.resp()) {
                // Both instances subscribed again (ours or Redisson's re-subscription, one connection each).
                await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(app, "live_streams") == 2
                        && subscribers(app, redis.namespace() + "publish") == 2);
                app.call("PUBLISH", "live_streams", "{\"status\":\"back\"}");
                for (WsClient c : List.of(ca, cb)) {
                    assertThat(c.next("live_streams", WAIT).path("message").path("status").asText()).isEqualTo("back");
                }
                b.gateway().broadcast("cross", Map.of("n", 2));
                assertThat(ca.next("cross", WAIT).path("message").path("n").asInt()).isEqualTo(2);
                // Presence rebuilt from each instance's snapshot into the empty Redis.
                await().atMost(WAIT).until(() -> app.number("HLEN", redis.namespace() + "{presence}:online") == 2);
                // A learns the count from its next sync's answer, which may come after B's rebuild.
                await().atMost(WAIT).until(() -> a.gateway().presence().numClients() == 2);
            }
        }
    }

    /**
     * A Redis restarted from a snapshot (RDB or AOF) remembers this instance's share of presence as it was
     * then: the broker must send all of it again, not only what changed since, or the counts stay wrong.
     */
    @ParameterizedTest(name = "relay {0}")
    @EnumSource(value = RedisOptions.Relay.class, names = {"DIRECT", "REDISSON"})
    void aRedisRestartedFromAnOlderSnapshotIsGivenThisInstancesPresenceAgain(RedisOptions.Relay relay) throws Exception {
        RedisOptions options = redis.options().relay(relay).build();
        String online = redis.namespace() + "{presence}:online";
        // Syncs 2 s apart, and the restart right after one: no sync fails during the outage (a failed one would
        // itself send everything next time), so it is the recovery that must ask for the whole share.
        try (Node a = Node.start("a", options, Duration.ofSeconds(2), (g, b) -> { });
             Resp app = redis.resp();
             WsClient first = WsClient.connect(a.url("/ws?fingerprint=f1"))) {
            await().atMost(WAIT).until(() -> app.number("HLEN", online) == 1);
            app.call("SAVE"); // the snapshot holds one client of a's
            try (WsClient second = WsClient.connect(a.url("/ws?fingerprint=f2"))) {
                await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> app.number("HLEN", online) == 2);
                redis.stop();
                await().atMost(WAIT).until(() -> !a.gateway().brokerHealthy());
                redis.start(); // loads the snapshot: a's share of one
                try (Resp back = redis.resp()) {
                    await().atMost(Duration.ofSeconds(15)).until(() -> a.gateway().brokerHealthy());
                    await().atMost(WAIT).until(() -> back.number("HLEN", online) == 2); // at the next sync
                    await().atMost(WAIT).until(() -> a.gateway().presence().numClients() == 2);
                    back.call("FLUSHALL");
                    back.call("SAVE"); // the other tests restart an empty Redis
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    static long subscribers(Resp r, String channel) {
        List<Object> reply = (List<Object>) r.call("PUBSUB", "NUMSUB", channel);
        return (Long) reply.get(1);
    }
}
