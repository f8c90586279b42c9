package dev.switchboard.server.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class ApiKeyTest {

    private static HttpHeaders headers(String name, String value) {
        return new DefaultHttpHeaders().set(name, value);
    }

    @Test
    void acceptsTheKeyAsBearerTokenOrHeader() {
        ApiKey key = new ApiKey("k-123");
        assertThat(key.accepts(headers("Authorization", "Bearer k-123"))).isTrue();
        assertThat(key.accepts(headers("authorization", "bearer k-123"))).isTrue();
        assertThat(key.accepts(headers("X-Api-Key", "k-123"))).isTrue();
    }

    @Test
    void refusesWrongMissingOrPartialKeys() {
        ApiKey key = new ApiKey("k-123");
        assertThat(key.accepts(headers("Authorization", "Bearer k-12"))).isFalse();
        assertThat(key.accepts(headers("Authorization", "Basic k-123"))).isFalse();
        assertThat(key.accepts(headers("X-Api-Key", "k-1234"))).isFalse();
        assertThat(key.accepts(new DefaultHttpHeaders())).isFalse();
    }

    @Test
    void withoutAConfiguredKeyNothingIsAccepted() {
        ApiKey none = new ApiKey(null);
        assertThat(none.configured()).isFalse();
        assertThat(none.accepts(headers("X-Api-Key", ""))).isFalse();
        assertThat(none.accepts(headers("Authorization", "Bearer null"))).isFalse();
    }
}
