package dev.switchboard.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.spi.PresenceUpdate;
import org.junit.jupiter.api.Test;

class PresenceTrackerTest {

    @Test
    void reportsFirstJoinsAndLastLeavesOnly() {
        PresenceTracker t = new PresenceTracker();
        t.join("f:a");
        t.join("f:a");
        t.join("u:1");
        PresenceUpdate u = t.drain();
        assertThat(u.joined()).containsExactlyInAnyOrder("f:a", "u:1");
        assertThat(u.left()).isEmpty();
        assertThat(u.localIdentities()).isEqualTo(2);
        assertThat(u.localConnections()).isEqualTo(3);

        t.leave("f:a");
        assertThat(t.drain().left()).isEmpty(); // one tab of f:a is still open
        t.leave("f:a");
        PresenceUpdate gone = t.drain();
        assertThat(gone.left()).containsExactly("f:a");
        assertThat(gone.snapshot().get()).containsExactly("u:1");
    }

    @Test
    void joinThenLeaveWithinOneIntervalCancelsOut() {
        PresenceTracker t = new PresenceTracker();
        t.join("u:1");
        t.drain();
        t.leave("u:1");
        t.join("u:1"); // a reconnect inside the interval
        t.join("u:2");
        t.leave("u:2");
        PresenceUpdate u = t.drain();
        assertThat(u.isEmpty()).isTrue();
        assertThat(u.localIdentities()).isEqualTo(1);
    }

    @Test
    void leavingAnUnknownIdentityChangesNothing() {
        PresenceTracker t = new PresenceTracker();
        t.leave("u:ghost");
        assertThat(t.local()).containsExactly(0, 0);
    }
}
