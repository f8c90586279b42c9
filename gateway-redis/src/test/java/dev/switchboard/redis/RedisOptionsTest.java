package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisOptionsTest {

    @Test
    void defaults() {
        RedisOptions o = RedisOptions.defaults();
        assertThat(o.url()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(o.publishChannel()).isEqualTo("switchboard:publish");
        assertThat(o.keyPrefix()).isEqualTo("switchboard:");
        assertThat(o.presenceTtl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.pingInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(RedisOptions.builder().pingInterval(Duration.ZERO).build().pingInterval()).isZero();
        assertThat(o.channels()).isEmpty();
        assertThat(o.usesCluster()).isFalse();
        assertThat(o.usesSentinel()).isFalse();
        assertThat(o.toBuilder().build().toString()).isEqualTo(o.toString());
    }

    @Test
    void settersValidateAtOnce() {
        assertThatThrownBy(() -> RedisOptions.builder().url("http://x:1")).hasMessageContaining("url:");
        assertThatThrownBy(() -> RedisOptions.builder().url("redis://host")).hasMessageContaining("url:");
        assertThatThrownBy(() -> RedisOptions.builder().url("redis://h:1/x")).hasMessageContaining("database");
        assertThatThrownBy(() -> RedisOptions.builder().channels(List.of("state"))).hasMessageContaining("reserved");
        assertThatThrownBy(() -> RedisOptions.builder().channels(List.of("a b"))).hasMessageContaining("channels: a b");
        assertThatThrownBy(() -> RedisOptions.builder().keyPrefix("{x}")).hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> RedisOptions.builder().presenceTtl(Duration.ofMillis(10))).hasMessageContaining(">= 1s");
        assertThatThrownBy(() -> RedisOptions.builder().pingInterval(Duration.ofMillis(5)))
                .hasMessage("pingInterval: PT0.005S (expected: 0 (off) or >= 10ms)");
        assertThatThrownBy(() -> RedisOptions.builder().pingInterval(Duration.ofSeconds(-1))).hasMessageContaining("pingInterval");
        assertThatThrownBy(() -> RedisOptions.builder().maxMessageSize(0)).hasMessage("maxMessageSize: 0 (expected: > 0)");
        assertThatThrownBy(() -> RedisOptions.builder().heartbeatInterval(Duration.ofSeconds(4)).build())
                .hasMessageContaining("presenceTtl / 3");
        assertThatThrownBy(() -> RedisOptions.builder().sentinel("m", List.of("redis://s:26379"))
                .clusterNodes(List.of("redis://c:7000")).build()).hasMessageContaining("at most one");
    }

    @Test
    void pubSubGoesOverTheDirectRelayForOneRedisServerAndThroughRedissonOtherwise() {
        assertThat(RedisOptions.defaults().relay()).isEqualTo(RedisOptions.Relay.AUTO);
        assertThat(RedisOptions.defaults().usesDirectRelay()).isTrue();
        assertThat(RedisOptions.defaults().toString()).contains("relay=direct");
        assertThat(RedisOptions.builder().url("rediss://h:6380").build().usesDirectRelay()).isFalse();
        assertThat(RedisOptions.builder().sentinel("m", List.of("redis://s:26379")).build().usesDirectRelay()).isFalse();
        assertThat(RedisOptions.builder().clusterNodes(List.of("redis://c:7000")).build().usesDirectRelay()).isFalse();
        RedisOptions redisson = RedisOptions.builder().relay(RedisOptions.Relay.REDISSON).build();
        assertThat(redisson.usesDirectRelay()).isFalse();
        assertThat(redisson.toString()).contains("relay=redisson");
        assertThat(redisson.toBuilder().build().relay()).isEqualTo(RedisOptions.Relay.REDISSON);
        assertThat(RedisOptions.builder().relay(RedisOptions.Relay.DIRECT).build().usesDirectRelay()).isTrue();
        String expected = "relay: direct (expected: one redis:// server; auto or redisson with Sentinel, Cluster or rediss://)";
        assertThatThrownBy(() -> RedisOptions.builder().relay(RedisOptions.Relay.DIRECT).url("rediss://h:6380").build())
                .hasMessage(expected);
        assertThatThrownBy(() -> RedisOptions.builder().relay(RedisOptions.Relay.DIRECT)
                .sentinel("m", List.of("redis://s:26379")).build()).hasMessage(expected);
        assertThatThrownBy(() -> RedisOptions.builder().relay(RedisOptions.Relay.DIRECT)
                .clusterNodes(List.of("redis://c:7000")).build()).hasMessage(expected);
        assertThatThrownBy(() -> RedisOptions.builder().relay(null)).hasMessage("relay");
    }

    @Test
    void credentialsNeverShowInToString() {
        RedisOptions o = RedisOptions.builder().url("rediss://app:s3cret@redis.example:6380/2").password("other").build();
        assertThat(o.toString()).doesNotContain("s3cret").doesNotContain("other").contains("rediss://<redacted>@redis.example:6380/2");
    }
}
