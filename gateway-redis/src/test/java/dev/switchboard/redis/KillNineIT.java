package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.GatewayProcess;
import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.RedisServer;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An instance killed with SIGKILL: the survivors take its share of presence back within the stated bound,
 * {@code presenceTtl - heartbeatInterval + presence interval} = 10 s with the defaults (docs/scaling.md).
 */
class KillNineIT {

    @RegisterExtension
    static final RedisServer redis = RedisServer.any();

    static Predicate<JsonNode> counts(int online, int clients) {
        return n -> n.path("channel").asText().equals("state")
                && n.path("message").path("num_online").asInt() == online
                && n.path("message").path("num_clients").asInt() == clients;
    }

    @Test
    void countsConvergeWithinTheTtlAfterKillMinus9() throws Exception {
        RedisOptions options = redis.options().build(); // defaults: TTL 10 s, heartbeat 1 s
        Duration bound = options.presenceTtl().minus(options.heartbeatInterval()).plus(Duration.ofSeconds(1));
        try (GatewayProcess victim = GatewayProcess.start(redis.url(), redis.namespace(), options.publishChannel(), "victim");
             // The gateway's default presence interval, 1 s, as in production.
             Node survivor = Node.start("survivor", options, Duration.ofSeconds(1), (g, b) -> { });
             WsClient watcher = WsClient.connect(survivor.url("/ws?fingerprint=watcher"));
             WsClient doomed = WsClient.connect(victim.url("/ws?fingerprint=doomed"))) {
            watcher.next(counts(2, 2), Duration.ofSeconds(15));

            long killedAt = System.nanoTime();
            victim.kill9();
            watcher.next(counts(1, 1), bound.plus(Duration.ofSeconds(5)));
            Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
            System.out.println("KILL9 converged in " + took.toMillis() + " ms (bound " + bound.toMillis() + " ms)");
            // One second of slack over the bound for a shared CI machine's scheduling.
            assertThat(took).isLessThanOrEqualTo(bound.plus(Duration.ofSeconds(1)));
            assertThat(survivor.gateway().metrics().counter("switchboard.redis.presence.reaped").getCount()).isEqualTo(1);
        }
    }
}
