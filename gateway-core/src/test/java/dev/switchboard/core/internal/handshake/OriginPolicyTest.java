package dev.switchboard.core.internal.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

    @Test
    void exactAndWildcardOrigins() {
        OriginPolicy p = new OriginPolicy(List.of("https://App.example.com/", "*.example.org"));
        assertThat(p.allows("https://app.example.com")).isTrue();
        assertThat(p.allows("http://app.example.com")).isFalse();
        assertThat(p.allows("https://a.b.example.org")).isTrue();
        assertThat(p.allows("https://example.org")).isFalse(); // the wildcard needs a subdomain
        assertThat(p.allows("https://evilexample.org")).isFalse();
        assertThat(p.allows("https://example.org.evil.test")).isFalse();
        assertThat(p.allows("null")).isFalse();
        assertThat(p.allows("::not a url")).isFalse();
        assertThat(p.allows(null)).isTrue(); // not a browser page
    }

    @Test
    void emptyListAllowsAll() {
        OriginPolicy p = new OriginPolicy(List.of());
        assertThat(p.allowsAll()).isTrue();
        assertThat(p.allows("https://anything.test")).isTrue();
    }
}
