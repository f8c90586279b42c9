package dev.switchboard.core.internal.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The authenticator's view of the headers reads as the copied map it replaced: lower-case names, first values. */
class HeaderViewTest {

    private static HttpHeaders headers() {
        return new DefaultHttpHeaders()
                .add("Cookie", "PHPSESSID=abc")
                .add("X-Forwarded-For", "203.0.113.9")
                .add("X-Forwarded-For", "10.0.0.1")
                .add("upgrade", "websocket");
    }

    @Test
    void lookupsUseLowerCaseNamesAndGetTheFirstValue() {
        Map<String, String> view = new HeaderView(headers());
        assertThat(view.get("cookie")).isEqualTo("PHPSESSID=abc");
        assertThat(view.get("x-forwarded-for")).isEqualTo("203.0.113.9");
        assertThat(view.get("upgrade")).isEqualTo("websocket");
        assertThat(view.containsKey("cookie")).isTrue();
        // As in the map it stands for, a name with capitals is not a key, and neither is anything absent.
        assertThat(view.get("Cookie")).isNull();
        assertThat(view.containsKey("Cookie")).isFalse();
        assertThat(view.get("authorization")).isNull();
        assertThat(view.get(42)).isNull();
    }

    @Test
    void iteratingGivesEachNameOnceInLowerCase() {
        Map<String, String> view = new HeaderView(headers());
        assertThat(view).hasSize(3).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cookie", "PHPSESSID=abc", "x-forwarded-for", "203.0.113.9", "upgrade", "websocket"));
        assertThat(view).isEqualTo(Map.of("cookie", "PHPSESSID=abc", "x-forwarded-for", "203.0.113.9",
                "upgrade", "websocket"));
    }

    @Test
    void aNameOutsideAsciiIsLowerCasedAsTheCopyWas() {
        // Netty's own lookups fold ASCII case only; such names (a host codec that does not validate them) are
        // answered from the copy, so that get() agrees with iteration.
        HttpHeaders h = new DefaultHttpHeaders(false).add("X-\u00c4", "1");
        Map<String, String> view = new HeaderView(h);
        assertThat(view).containsOnlyKeys("x-\u00e4");
        assertThat(view.get("x-\u00e4")).isEqualTo("1");
        assertThat(view.get("x-\u00c4")).isNull();
        assertThat(view.containsKey("x-\u00e4")).isTrue();
    }

    @Test
    void itIsReadOnly() {
        Map<String, String> view = new HeaderView(headers());
        assertThatThrownBy(() -> view.put("cookie", "x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> view.entrySet().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> view.remove("cookie")).isInstanceOf(UnsupportedOperationException.class);
    }
}
