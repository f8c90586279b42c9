package dev.switchboard.core.internal.handshake;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The request headers as {@link dev.switchboard.core.spi.AuthRequest#headers()} promises them (names in lower case,
 * the first value of each, read-only), read from Netty's headers when asked instead of copied into a map on every
 * handshake: the built-in authenticators read none of them, and the copy was ~730 bytes of garbage per connection.
 * A lookup goes straight to Netty's headers; iterating builds the map once.
 */
final class HeaderView extends AbstractMap<String, String> {

    private final HttpHeaders headers;
    private volatile Map<String, String> copy;

    HeaderView(HttpHeaders headers) {
        this.headers = headers;
    }

    /** Only lower-case names are keys, as in the copied map this view stands for. */
    private static boolean isKey(Object key) {
        if (!(key instanceof String s)) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return false;
            }
        }
        return true;
    }

    @Override
    public String get(Object key) {
        return isKey(key) ? headers.get((String) key) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return isKey(key) && headers.contains((String) key);
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        Map<String, String> m = copy;
        if (m == null) {
            Map<String, String> built = new HashMap<>();
            for (Map.Entry<String, String> e : headers) {
                built.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
            }
            copy = m = Collections.unmodifiableMap(built);
        }
        return m.entrySet();
    }
}
