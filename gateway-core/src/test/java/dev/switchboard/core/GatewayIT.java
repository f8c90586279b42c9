package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.core.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayIT {

    static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void connectedClientReceivesStateThenPong() throws Exception {
        try (RunningGateway gw = RunningGateway.start(Gateway.builder().build());
             WsClient c = WsClient.connect(gw.url("/ws?fingerprint=abc"))) {
            JsonNode state = c.next("state", WAIT);
            assertThat(state.path("message").path("num_online").asInt()).isEqualTo(1);
            assertThat(state.path("message").path("num_clients").asInt()).isEqualTo(1);
            c.sendJson(Map.of("handler", "ping", "id", 7));
            JsonNode pong = c.next("reply", WAIT);
            assertThat(pong.path("id").asInt()).isEqualTo(7);
            assertThat(pong.path("message").asText()).isEqualTo("pong");
        }
    }
}
