package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.Counter;
import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.RedisServer;
import dev.switchboard.redis.testing.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redisson 4.7.0 loses a pub/sub message now and then when it pings the subscribed connection (redisson#1497):
 * with a 10 ms ping, about 1 in 360 messages went missing. The broker keeps the ping off subscription connections
 * ({@code ClientConfig.ConnectionHook}); this test pings every 10 ms so that bringing it back (or Redisson
 * renaming the handler so the hook no longer matches) loses messages here at once. With the direct relay
 * (the default for one server), Redisson carries no pub/sub and the same count checks the relay instead.
 */
class SubscriptionPingIT {

    static final int MESSAGES = 60_000;

    @RegisterExtension
    static final RedisServer redis = RedisServer.any();

    @ParameterizedTest(name = "relay {0}")
    @EnumSource(value = RedisOptions.Relay.class, names = {"REDISSON", "DIRECT"})
    void everyMessageRedisAcknowledgedReachesTheInstanceWhileCommandConnectionsArePingedEvery10ms(RedisOptions.Relay relay)
            throws Exception {
        RedisOptions options = redis.options().channels(List.of("live_streams"))
                .pingInterval(Duration.ofMillis(10)).relay(relay).build();
        try (Node node = Node.start("pinged", options); Resp app = redis.resp()) {
            Counter received = node.gateway().metrics().counter("switchboard.redis.received");
            Counter renewed = node.gateway().metrics().counter("switchboard.redis.resubscribed");
            // A command connection whose PING reply misses the next 10 ms tick is closed and reopened, and the
            // broker then renews its subscriptions, losing what is published in that gap: a different cause, a
            // busy machine's. Such an attempt does not count; three in a row fail the test.
            List<String> attempts = new ArrayList<>();
            for (int attempt = 1; attempt <= 3; attempt++) {
                long renewedBefore = renewed.getCount();
                long before = received.getCount();
                long acknowledged = 0; // PUBLISH answers how many subscribers Redis delivered the message to
                long unsubscribed = 0;
                for (int i = 0; i < MESSAGES; i++) {
                    long n = app.number("PUBLISH", "live_streams", "{\"status\":\"new\",\"id\":" + i + "}");
                    acknowledged += n;
                    unsubscribed += n == 0 ? 1 : 0;
                }
                // Lost ones never come: give the rest up to 10 s, then count.
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (received.getCount() - before < acknowledged && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(200);
                long got = received.getCount() - before;
                if (renewed.getCount() == renewedBefore && unsubscribed == 0) {
                    assertThat(got).as("messages the instance's listener got, of %d Redis acknowledged", acknowledged)
                            .isEqualTo(acknowledged);
                    assertThat(node.gateway().metrics().counter("switchboard.redis.received.invalid").getCount()).isZero();
                    return;
                }
                attempts.add("attempt " + attempt + ": " + (renewed.getCount() - renewedBefore) + " renewals, "
                        + unsubscribed + " publishes with no subscriber, " + got + " of " + acknowledged + " received");
                await().atMost(Duration.ofSeconds(10)).until(() -> node.gateway().brokerHealthy());
            }
            throw new AssertionError("every attempt was disturbed by a renewal: " + attempts);
        }
    }
}
