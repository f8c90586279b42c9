package dev.switchboard.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.testing.FrameReader;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeepaliveTest {

    // Closed at the third silent sweep: ceil(250 / 100).
    final GatewayOptions options = GatewayOptions.builder()
            .pingInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofMillis(250)).build();
    final GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
    final Keepalive keepalive = new Keepalive(options, metrics);
    final SessionRegistry registry = new SessionRegistry(new PresenceTracker(), keepalive::start);

    Session connect(EmbeddedChannel ch) {
        ch.freezeTime();
        Session s = new Session(ch, "i-" + ch.id().asShortText(), null, null, "127.0.0.1", Map.of(), 10);
        ch.attr(Session.KEY).set(s);
        registry.add(s);
        return s;
    }

    /** Lets one ping interval pass on {@code ch}'s loop; returns the frames written meanwhile. */
    static List<String> interval(EmbeddedChannel ch) {
        ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks(); // the loop's flush
        return FrameReader.texts(ch);
    }

    @Test
    void silentPeerIsPingedEachSweepThenClosedAtTheTimeout() {
        EmbeddedChannel ch = new EmbeddedChannel();
        connect(ch);
        assertThat(interval(ch)).as("the upgrade counts as life").isEmpty();
        assertThat(interval(ch)).containsExactly("ping");
        assertThat(interval(ch)).containsExactly("ping");
        assertThat(ch.isActive()).isTrue();
        assertThat(interval(ch)).isEmpty(); // closed without a close frame: the peer is gone
        assertThat(ch.isActive()).isFalse();
        assertThat(metrics.idleClosed.getCount()).isEqualTo(1);
        assertFalse(ch.finish());
    }

    @Test
    void anyFrameFromThePeerStartsTheCountAgain() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Session s = connect(ch);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            if (i % 2 == 0) {
                s.heard(); // e.g. the pong to the last ping
            }
            seen.addAll(interval(ch));
        }
        // Heard before every other sweep: never two silent sweeps in a row, so never closed.
        assertThat(seen).hasSize(5).containsOnly("ping");
        assertThat(ch.isActive()).isTrue();
        assertThat(metrics.idleClosed.getCount()).isZero();
        ch.close();
        assertFalse(ch.finish());
    }

    @Test
    void aLoopThatFellBehindSweepsOnceNotOncePerMissedInterval() {
        EmbeddedChannel ch = new EmbeddedChannel();
        connect(ch);
        ch.advanceTimeBy(350, TimeUnit.MILLISECONDS); // three and a half intervals without the loop running
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        // One sweep (which finds the upgrade's sign of life), not three catching up: no ping, no close.
        assertThat(FrameReader.texts(ch)).isEmpty();
        assertThat(ch.isActive()).isTrue();
        assertThat(interval(ch)).containsExactly("ping"); // and the next comes one interval later
        ch.close();
        assertFalse(ch.finish());
    }

    @Test
    void stoppedSweepsPingNoOne() {
        EmbeddedChannel ch = new EmbeddedChannel();
        connect(ch);
        keepalive.stop();
        ch.runPendingTasks();
        for (int i = 0; i < 5; i++) {
            assertThat(interval(ch)).isEmpty();
        }
        assertThat(ch.isActive()).isTrue();
        ch.close();
        assertFalse(ch.finish());
    }

    @Test
    void closingAndStalledSessionsGetNoPing() {
        FanoutTest.Stalling stalled = new FanoutTest.Stalling();
        connect(stalled);
        stalled.writable = false;
        EmbeddedChannel closing = new EmbeddedChannel();
        connect(closing).markClosing();
        assertThat(interval(stalled)).isEmpty(); // heard: the upgrade
        assertThat(interval(stalled)).isEmpty(); // silent, but unwritable
        assertThat(interval(closing)).isEmpty();
        assertThat(closing.isActive()).isTrue(); // its own close is under way elsewhere: not counted as idle
        stalled.writable = true;
        assertThat(interval(stalled)).containsExactly("ping"); // still silent: the second silent sweep
        assertThat(interval(stalled)).isEmpty(); // and the third closes it
        assertThat(stalled.isActive()).isFalse();
        assertThat(metrics.idleClosed.getCount()).isEqualTo(1);
        closing.close();
        assertFalse(closing.finish());
        assertFalse(stalled.finish());
    }
}
