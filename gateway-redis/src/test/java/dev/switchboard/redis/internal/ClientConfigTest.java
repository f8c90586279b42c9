package dev.switchboard.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Transport;
import dev.switchboard.redis.RedisOptions;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;

class ClientConfigTest {

    @Test
    void urlPartsMapOntoRedisson() {
        URI u = URI.create("rediss://app:p%40ss@redis.example:6380/3");
        assertThat(ClientConfig.address(u)).isEqualTo("rediss://redis.example:6380");
        assertThat(ClientConfig.database(u)).isEqualTo(3);
        assertThat(ClientConfig.userInfo(u)).containsExactly("app", "p@ss");
        assertThat(ClientConfig.userInfo(URI.create("redis://:pw@h:1"))).containsExactly(null, "pw");
        assertThat(ClientConfig.userInfo(URI.create("redis://h:1"))).containsExactly(null, null);
    }

    @Test
    void usesBytesNeverJavaSerializationOrKryo() {
        Config c = ClientConfig.of(RedisOptions.builder().url("redis://:pw@h:1/2").build(), null, Transport.NIO, null);
        assertThat(c.getCodec()).isSameAs(ByteArrayCodec.INSTANCE);
        assertThat(c.getPassword()).isEqualTo("pw");
        assertThat(c.getThreads()).isEqualTo(2);
    }

    @Test
    void clusterAndSentinel() {
        Config cluster = ClientConfig.of(RedisOptions.builder().clusterNodes(List.of("redis://a:7000", "redis://b:7001"))
                .build(), null, Transport.NIO, null);
        assertThat(cluster.isClusterConfig()).isTrue();
        Config sentinel = ClientConfig.of(RedisOptions.builder().sentinel("mymaster", List.of("redis://s:26379")).build(),
                null, Transport.NIO, null);
        assertThat(sentinel.isSentinelConfig()).isTrue();
    }
}
