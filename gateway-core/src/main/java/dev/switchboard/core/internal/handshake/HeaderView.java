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
 * handshake: the built-in authenticators read none of them, and the copy was ~730 bytes of garbage per connection
 * (JFR allocation samples). It keeps the request's headers alive for as long as it is referenced.
 * A lookup goes straight to Netty's headers; iterating builds the map once.
 */
final class HeaderView extends AbstractMap<String, String> {

    private final HttpHeaders headers;
    private volatile Map<String, String> copy;

    HeaderView(HttpHeaders headers) {
        this.headers = headers;
    }

    /** 1: a name Netty's headers can answer directly (lower-case ASCII); 0: not a key; -1: ask the copy. */
    private static int kind(Object key) {
        if (!(key instanceof String s)) {
            return 0;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return 0; // names are keys in lower case only, as in the copied map this view stands for
            }
            if (c >= 0x80) {
                return -1; // Netty folds ASCII case only: let the copy (lower-cased by Java) decide
            }
        }
        return 1;
    }

    @Override
    public String get(Object key) {
        int k = kind(key);
        return k == 1 ? headers.get((String) key) : k == 0 ? null : copy().get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        int k = kind(key);
        return k == 1 ? headers.contains((String) key) : k != 0 && copy().containsKey(key);
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return copy().entrySet();
    }

    private Map<String, String> copy() {
        Map<String, String> m = copy;
        if (m == null) {
            Map<String, String> built = new HashMap<>();
            for (Map.Entry<String, String> e : headers) {
                built.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
            }
            copy = m = Collections.unmodifiableMap(built);
        }
        return m;
    }
}
