package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.RedisServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two standalone servers configured with broker=redis share publishes, presence and Redis tokens. */
class RedisBrokerIT {

    @RegisterExtension
    static final RedisServer redis = RedisServer.any();

    static final Duration WAIT = Duration.ofSeconds(10);

    static RunningSwitchboard instance(String id) throws Exception {
        return RunningSwitchboard.start(b -> {
            b.broker("redis").authMode(AuthMode.REDIS);
            b.redis().url(redis.url()).keyPrefix(redis.namespace()).publishChannel(redis.namespace() + "publish")
                    .channels(List.of("live_streams"));
            b.gateway().instanceId(id);
        });
    }

    @Test
    void publishOnOneInstanceReachesClientsOfAnotherAndPresenceIsClusterWide() throws Exception {
        try (RunningSwitchboard a = instance("it-a"); RunningSwitchboard b = instance("it-b")) {
            redis.resp().call("SET", redis.namespace() + "token:tok-1", "alice", "EX", "60");
            redis.resp().call("SET", redis.namespace() + "token:tok-2", "alice", "EX", "60");
            try (WsClient onA = WsClient.connect(a.ws("/ws?token=tok-1"));
                 WsClient onB = WsClient.connect(b.ws("/ws?token=tok-2"))) {
                // One user with a tab on each instance: one online, two clients, seen from both.
                onB.next(n -> n.path("channel").asText().equals("state")
                        && n.path("message").path("num_online").asInt() == 1
                        && n.path("message").path("num_clients").asInt() == 2, WAIT);

                HttpResponse<String> res = Http.post(a.admin("/api/publish"),
                        "{\"channel\":\"notice\",\"message\":{\"n\":1},\"user_id\":\"alice\"}",
                        "Authorization", "Bearer " + RunningSwitchboard.API_KEY);
                assertThat(res.statusCode()).isEqualTo(200);
                assertThat(onB.next("notice", WAIT).path("message").path("n").asInt()).isEqualTo(1);
                assertThat(onA.next("notice", WAIT).path("message").path("n").asInt()).isEqualTo(1);

                // The old PHP module's way: PUBLISH on a configured channel reaches every instance's clients.
                redis.resp().call("PUBLISH", "live_streams", "{\"status\":\"new\",\"id\":17}");
                JsonNode live = onB.next("live_streams", WAIT);
                assertThat(live.path("message").toString()).isEqualTo("{\"status\":\"new\",\"id\":17}");
                onA.next("live_streams", WAIT);

                assertThat(Http.get(a.admin("/health")).body()).contains("\"status\":\"up\"");
            }
            assertThat(WsClient.statusOf(a.ws("/ws?token=unknown"), java.util.Map.of())).isEqualTo(401);
        }
    }
}
