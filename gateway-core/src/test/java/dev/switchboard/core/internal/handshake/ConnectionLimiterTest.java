package dev.switchboard.core.internal.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {

    @Test
    void limitsPerAddressAndInTotalAndReleases() {
        ConnectionLimiter l = new ConnectionLimiter(3, 2);
        assertThat(l.acquire("a")).isEqualTo(ConnectionLimiter.Verdict.GRANTED);
        assertThat(l.acquire("a")).isEqualTo(ConnectionLimiter.Verdict.GRANTED);
        assertThat(l.acquire("a")).isEqualTo(ConnectionLimiter.Verdict.PER_IP);
        assertThat(l.acquire("b")).isEqualTo(ConnectionLimiter.Verdict.GRANTED);
        assertThat(l.acquire("c")).isEqualTo(ConnectionLimiter.Verdict.TOTAL);
        assertThat(l.total()).isEqualTo(3);
        l.release("a");
        assertThat(l.acquire("c")).isEqualTo(ConnectionLimiter.Verdict.GRANTED);
        assertThat(l.acquire("a")).isEqualTo(ConnectionLimiter.Verdict.TOTAL);
    }
}
