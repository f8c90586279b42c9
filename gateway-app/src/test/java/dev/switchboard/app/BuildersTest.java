package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.app.internal.TtlCache;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Options are validated when set, with messages that say what was expected. */
class BuildersTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private final AppClient client = AppClient.builder().secret(SECRET).build();

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void appClientOptions() {
        assertThatThrownBy(() -> AppClient.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("secret: not set");
        assertThatThrownBy(() -> AppClient.builder().secret("short"))
                .hasMessage("secret: 5 bytes (expected: >= 32 bytes)");
        assertThatThrownBy(() -> AppClient.builder().maxInFlight(0)).hasMessage("maxInFlight: 0 (expected: > 0)");
        assertThatThrownBy(() -> AppClient.builder().responseTimeout(Duration.ZERO))
                .hasMessage("responseTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> client.post(URI.create("ftp://x/y"), new byte[0]))
                .hasMessageContaining("expected: an absolute http:// or https:// URI");
        assertThatThrownBy(() -> client.post(URI.create("https://x/y"), new byte[0]))
                .hasMessageContaining("https needs");
        assertThat(client.responseTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void forwarderOptionsAndUrls() {
        assertThatThrownBy(() -> ControllerForwarder.builder(client, "not a url"))
                .hasMessageContaining("backend: not a url");
        assertThatThrownBy(() -> ControllerForwarder.builder(client, "http://app").urlTemplate("{backend}/x"))
                .hasMessageContaining("expected: contains {module}");
        assertThatThrownBy(() -> ControllerForwarder.builder(client, "http://app").defaultAction("_hidden"))
                .hasMessageContaining("defaultAction: _hidden");
        ControllerForwarder f = ControllerForwarder.builder(client, "http://app:8080/base/").build();
        assertThat(f.url("chat", "ws")).isEqualTo("http://app:8080/base/chat/ws");
        ControllerForwarder q = ControllerForwarder.builder(client, "http://app")
                .urlTemplate("{backend}/index.php?module={module}&action={action}").build();
        assertThat(q.url("chat", "send")).isEqualTo("http://app/index.php?module=chat&action=send");
        assertThat("chat-room_2").matches(ControllerForwarder.NAME_PATTERN);
        assertThat(new String[] {"", "_x", "../a", "a/b", "a.b", "a b", "a%2f", "1a", "a".repeat(65)})
                .noneMatch(s -> s.matches(ControllerForwarder.NAME_PATTERN));
    }

    @Test
    void connectAndWebhookOptions() {
        assertThatThrownBy(() -> HttpConnectAuthenticator.builder(client, URI.create("/relative")))
                .hasMessageContaining("expected: an absolute http:// or https:// URL");
        assertThatThrownBy(() -> HttpConnectAuthenticator.builder(client, URI.create("http://a/b")).cacheTtl(Duration.ofSeconds(-1)))
                .hasMessageContaining("cacheTtl");
        assertThatThrownBy(() -> WebhookSender.builder(client, URI.create("http://a/b")).maxBatchSize(0))
                .hasMessage("maxBatchSize: 0 (expected: > 0)");
        assertThatThrownBy(() -> WebhookSender.builder(client, URI.create("http://a/b"))
                .initialBackoff(Duration.ofSeconds(10)).maxBackoff(Duration.ofSeconds(1)).build())
                .hasMessageContaining("maxBackoff");
    }

    @Test
    void ttlCacheExpiresAndStaysBounded() {
        TtlCache<String, String> cache = new TtlCache<>(100, 2);
        cache.put("a", "1", 0);
        assertThat(cache.get("a", 99)).isEqualTo("1");
        assertThat(cache.get("a", 100)).isNull();
        cache.put("a", "1", 0);
        cache.put("b", "2", 0);
        cache.put("c", "3", 0);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.get("a", 1)).isNull();
        assertThat(cache.get("c", 1)).isEqualTo("3");
    }
}
