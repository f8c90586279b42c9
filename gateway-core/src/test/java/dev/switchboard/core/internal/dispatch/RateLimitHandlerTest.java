package dev.switchboard.core.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.codec.Replies;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.testing.FrameReader;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHandlerTest {

    @Test
    void burstPassesThenErrorsThenClose1008() throws Exception {
        GatewayOptions o = GatewayOptions.builder().rateLimitPerSecond(1).rateLimitBurst(2).rateLimitStrikes(2).build();
        GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
        EmbeddedChannel ch = new EmbeddedChannel(new RateLimitHandler(o, metrics));
        ch.attr(Session.KEY).set(new Session(ch, "i-1", null, null, "127.0.0.1", Map.of(), o.rateLimitBurst()));
        for (int i = 0; i < 5; i++) {
            ch.writeInbound((ObjectNode) Replies.MAPPER.readTree("{\"handler\":\"ping\",\"id\":" + i + "}"));
        }
        assertThat(((dev.switchboard.core.spi.Request) ch.readInbound()).id().asInt()).isZero();
        assertThat(((dev.switchboard.core.spi.Request) ch.readInbound()).id().asInt()).isEqualTo(1);
        assertThat((Object) ch.readInbound()).isNull();
        List<String> out = FrameReader.texts(ch);
        assertThat(out).hasSize(3);
        assertThat(out.get(0)).contains("\"id\":2").contains("rate_limited");
        assertThat(out.get(1)).contains("\"id\":3").contains("rate_limited");
        assertThat(out.get(2)).isEqualTo("close:1008");
        assertThat(metrics.rateLimited.getCount()).isEqualTo(3);
        ch.runPendingTasks();
        assertFalse(ch.finish());
    }

    @Test
    void bucketRefillsOverTime() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Session s = new Session(ch, "i", null, null, "127.0.0.1", Map.of(), 1);
        long t = System.nanoTime();
        assertThat(s.tryAcquire(t, 10, 1)).isZero();
        assertThat(s.tryAcquire(t, 10, 1)).isEqualTo(1);
        assertThat(s.tryAcquire(t + 100_000_000L, 10, 1)).isZero(); // 100 ms at 10/s is one token
        assertFalse(ch.finish());
    }
}
