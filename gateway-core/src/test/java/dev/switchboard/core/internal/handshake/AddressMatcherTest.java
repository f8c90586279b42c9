package dev.switchboard.core.internal.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AddressMatcherTest {

    @Test
    void matchesIpsAndCidrBlocks() {
        AddressMatcher m = new AddressMatcher(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/12"));
        assertThat(m.matches("10.1.2.3")).isTrue();
        assertThat(m.matches("11.0.0.1")).isFalse();
        assertThat(m.matches("192.168.1.7")).isTrue();
        assertThat(m.matches("192.168.1.8")).isFalse();
        assertThat(m.matches("172.31.255.255")).isTrue();
        assertThat(m.matches("172.32.0.0")).isFalse();
        assertThat(m.matches("fd12::1")).isTrue();
        assertThat(m.matches("fe80::1")).isFalse();
        assertThat(m.matches("unknown")).isFalse();
    }

    @Test
    void refusesNamesAndBadPrefixes() {
        assertThatThrownBy(() -> new AddressMatcher(List.of("proxy.local")))
                .hasMessage("trustedProxies: proxy.local (expected: an IP address or CIDR block)");
        assertThatThrownBy(() -> new AddressMatcher(List.of("10.0.0.0/33"))).hasMessageContaining("prefix 0..32");
    }
}
