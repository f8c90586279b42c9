package dev.switchboard.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.Delivery;
import dev.switchboard.core.testing.FrameReader;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FanoutTest {

    final GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
    final SessionRegistry registry = new SessionRegistry(new PresenceTracker());
    final Fanout fanout = new Fanout(registry, metrics, PooledByteBufAllocator.DEFAULT, 2);

    /** An embedded channel whose writability the test sets, as a full socket buffer would. */
    static final class Stalling extends EmbeddedChannel {
        volatile boolean writable = true;

        @Override
        public boolean isWritable() {
            return writable;
        }
    }

    Session connect(String user) {
        EmbeddedChannel ch = new Stalling();
        Session s = new Session(ch, "i-" + ch.id().asShortText(), user, null, "127.0.0.1", Map.of(), 10);
        ch.attr(Session.KEY).set(s);
        registry.add(s);
        return s;
    }

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void oneFrameReachesEveryTargetedSessionOnce() {
        Session a = connect("a");
        Session b = connect("b");
        registry.join("room", b);
        fanout.deliver(Delivery.toAll("news", json("{\"n\":1}"), null));
        fanout.deliver(Delivery.toUser("a", "dm", json("2"), null));
        fanout.deliver(Delivery.toRoom("room", "room", json("3"), null));
        fanout.deliver(Delivery.toRoom("empty", "room", json("4"), null));
        assertThat(FrameReader.texts((EmbeddedChannel) a.channel())).containsExactly(
                "{\"channel\":\"news\",\"message\":{\"n\":1}}", "{\"channel\":\"dm\",\"message\":2}");
        assertThat(FrameReader.texts((EmbeddedChannel) b.channel())).containsExactly(
                "{\"channel\":\"news\",\"message\":{\"n\":1}}", "{\"channel\":\"room\",\"message\":3}");
        assertThat(metrics.deliveries.getCount()).isEqualTo(4);
        assertFalse(((EmbeddedChannel) a.channel()).finish());
        assertFalse(((EmbeddedChannel) b.channel()).finish());
    }

    @Test
    void unwritableSessionIsSkippedCountedThenClosed1013() {
        Session slow = connect("slow");
        Session ok = connect("ok");
        EmbeddedChannel ch = (EmbeddedChannel) slow.channel();
        ((Stalling) ch).writable = false;
        for (int i = 0; i < 3; i++) {
            fanout.deliver(Delivery.toAll("feed", json(String.valueOf(i)), null));
        }
        assertThat(metrics.drops.getCount()).isEqualTo(3);
        assertThat(metrics.slowConsumerClosed.getCount()).isEqualTo(1);
        assertThat(slow.isClosing()).isTrue();
        assertThat(FrameReader.texts((EmbeddedChannel) ok.channel())).hasSize(3);
        ((Stalling) ch).writable = true;
        assertThat(FrameReader.texts(ch)).containsExactly("close:1013");
        ch.close();
        assertFalse(ch.finish());
        assertFalse(((EmbeddedChannel) ok.channel()).finish());
    }
}
