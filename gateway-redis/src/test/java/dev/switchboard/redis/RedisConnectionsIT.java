package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.RedisServer;
import dev.switchboard.redis.testing.Resp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one started, idle instance holds open on Redis, as {@code CLIENT LIST} shows it (docs/scaling.md): with
 * the direct relay, the relay's two named connections and Redisson's one command connection (named {@code switchboard}), and no Redisson
 * subscription connection kept idle for pub/sub it does not carry; with Redisson's topics, its command connection
 * and the subscription connection that subscribes.
 */
class RedisConnectionsIT {

    static final Duration WAIT = Duration.ofSeconds(15);

    @RegisterExtension
    static final RedisServer redis = RedisServer.any();

    @Test
    void withTheDirectRelayAnInstanceHoldsTheRelaysTwoConnectionsAndOneForCommands() throws Exception {
        try (Resp admin = redis.resp()) {
            long self = admin.number("CLIENT", "ID");
            await().atMost(WAIT).until(() -> others(admin, self).isEmpty()); // nothing left from another test
            try (Node node = Node.start("held-direct", redis.options().build())) {
                await().atMost(WAIT).until(() -> node.gateway().brokerHealthy());
                // Redisson opens its idle connections as it starts: the count must settle, then hold.
                await().atMost(WAIT).during(Duration.ofSeconds(2)).untilAsserted(() -> {
                    List<String> held = others(admin, self);
                    assertThat(held).filteredOn(c -> c.contains(" name=switchboard-publisher "))
                            .singleElement().asString().contains(" sub=0 ");
                    assertThat(held).filteredOn(c -> c.contains(" name=switchboard-subscriber "))
                            .singleElement().asString().doesNotContain(" sub=0 ");
                    assertThat(held).filteredOn(c -> c.contains(" name=switchboard ")).as("Redisson's: %s", held)
                            .singleElement().asString().contains(" sub=0 ", " psub=0 ");
                    assertThat(held).hasSize(3);
                });
            }
        }
    }

    @Test
    void withRedissonsTopicsItsSubscriptionConnectionIsTheOneThatSubscribes() throws Exception {
        try (Resp admin = redis.resp()) {
            long self = admin.number("CLIENT", "ID");
            await().atMost(WAIT).until(() -> others(admin, self).isEmpty());
            RedisOptions options = redis.options().relay(RedisOptions.Relay.REDISSON).build();
            try (Node node = Node.start("held-redisson", options)) {
                await().atMost(WAIT).until(() -> node.gateway().brokerHealthy());
                await().atMost(WAIT).during(Duration.ofSeconds(2)).untilAsserted(() -> {
                    List<String> held = others(admin, self);
                    assertThat(held).allMatch(c -> c.contains(" name=switchboard "), "Redisson's own");
                    assertThat(held).filteredOn(c -> !c.contains(" sub=0 ")).as("subscribed: %s", held).hasSize(1);
                    assertThat(held).hasSize(2);
                });
            }
        }
    }

    /** The other clients' {@code CLIENT LIST} lines, each padded with spaces so that a field matches whole. */
    static List<String> others(Resp admin, long self) {
        Object reply = admin.call("CLIENT", "LIST");
        String text = reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
        return Arrays.stream(text.split("\n")).map(String::trim).filter(l -> !l.isEmpty())
                .filter(l -> !l.startsWith("id=" + self + " ")).map(l -> " " + l + " ").toList();
    }
}
