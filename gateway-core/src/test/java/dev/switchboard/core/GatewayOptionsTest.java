package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayOptionsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        GatewayOptions o = GatewayOptions.defaults();
        assertThat(o.paths()).containsExactly("/ws", "/");
        assertThat(o.maxFrameSize()).isEqualTo(65536);
        assertThat(o.presenceInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.clientPublishPattern()).isNull();
        assertThat(o.clientMayPublish("anything")).isFalse();
        assertThat(o.instanceId()).matches("[0-9a-f-]{8}");
    }

    @Test
    void badValuesNameTheKeyAndTheExpectation() {
        assertThatThrownBy(() -> GatewayOptions.builder().maxFrameSize(0))
                .hasMessage("maxFrameSize: 0 (expected: 256..16777216)");
        assertThatThrownBy(() -> GatewayOptions.builder().paths(List.of("ws")))
                .hasMessageStartingWith("paths: [ws] (expected:");
        assertThatThrownBy(() -> GatewayOptions.builder().presenceInterval(Duration.ZERO))
                .hasMessage("presenceInterval: PT0S (expected: > 0)");
        assertThatThrownBy(() -> GatewayOptions.builder().writeBufferWaterMarks(100, 10))
                .hasMessage("writeBufferHighWaterMark: 10 (expected: >= low water mark 100)");
        assertThatThrownBy(() -> GatewayOptions.builder().pingInterval(Duration.ofSeconds(60)).idleTimeout(Duration.ofSeconds(30)).build())
                .hasMessage("idleTimeout: PT30S (expected: > pingInterval PT1M)");
        assertThatThrownBy(() -> GatewayOptions.builder().instanceId("bad id"))
                .hasMessageStartingWith("instanceId: bad id");
    }

    @Test
    void clientPublishGlob() {
        GatewayOptions o = GatewayOptions.builder().clientPublishPattern("chat.*").build();
        assertThat(o.clientMayPublish("chat.lobby")).isTrue();
        assertThat(o.clientMayPublish("chat.")).isTrue();
        assertThat(o.clientMayPublish("xchat.lobby")).isFalse();
        assertThat(o.clientMayPublish("chat_lobby")).isFalse(); // the dot is literal
        assertThat(o.toBuilder().build().clientMayPublish("chat.a")).isTrue();
    }

    @Test
    void jsonCheckAcceptsOneValueOnly() {
        assertThat(Json.isValid("{\"a\":[1,2]}".getBytes())).isTrue();
        assertThat(Json.isValid("\"text\"".getBytes())).isTrue();
        assertThat(Json.isValid("12".getBytes())).isTrue();
        assertThat(Json.isValid("{\"a\":".getBytes())).isFalse();
        assertThat(Json.isValid("1 2".getBytes())).isFalse();
        assertThat(Json.isValid("plain text".getBytes())).isFalse();
        assertThat(Json.isValid(new byte[0])).isFalse();
    }
}
