package dev.switchboard.core.internal.handshake;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Origin allowlist: exact origins ({@code https://app.example.com}) and wildcard hosts
 * ({@code *.example.com}, any scheme and port). An empty list allows every origin. A request without an
 * {@code Origin} header is not from a browser page (browsers always send it on WebSocket requests), so it is
 * allowed: Origin checks exist to stop other sites' pages, not other programs.
 */
public final class OriginPolicy {

    private final List<String> exact = new ArrayList<>();
    private final List<String> suffixes = new ArrayList<>();

    public OriginPolicy(List<String> allowed) {
        for (String a : allowed) {
            String o = a.trim().toLowerCase(Locale.ROOT);
            if (o.startsWith("*.")) {
                suffixes.add(o.substring(1)); // ".example.com"
            } else {
                exact.add(o.endsWith("/") ? o.substring(0, o.length() - 1) : o);
            }
        }
    }

    public boolean allowsAll() {
        return exact.isEmpty() && suffixes.isEmpty();
    }

    public boolean allows(String origin) {
        if (origin == null || allowsAll()) {
            return true;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (exact.contains(o)) {
            return true;
        }
        if (suffixes.isEmpty()) {
            return false;
        }
        String host;
        try {
            host = URI.create(o).getHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (host == null) {
            return false;
        }
        for (String suffix : suffixes) {
            if (host.endsWith(suffix) && host.length() > suffix.length()) {
                return true;
            }
        }
        return false;
    }
}
