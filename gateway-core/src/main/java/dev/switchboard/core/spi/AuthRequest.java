package dev.switchboard.core.spi;

import java.util.Map;

/**
 * What a client presented when it asked to connect. The token is a secret: never log it.
 *
 * @param token the {@code token} (or {@code trongateToken}) query parameter, or {@code null}
 * @param claimedUserId the {@code user_id} query parameter, or {@code null}; never trusted by itself
 * @param fingerprint the {@code fingerprint} query parameter, or {@code null}
 * @param remoteAddress the client's address (after trusted proxies)
 * @param origin the {@code Origin} header, or {@code null}
 * @param path the request path, without query
 * @param headers request headers, names in lower case, first value of each; read-only (a view of the request's
 *                headers: look names up in lower case)
 */
public record AuthRequest(String token, String claimedUserId, String fingerprint, String remoteAddress,
                          String origin, String path, Map<String, String> headers) {

    @Override
    public String toString() {
        return "AuthRequest{token=" + (token == null ? "none" : "<redacted>") + ", claimedUserId=" + claimedUserId
                + ", remoteAddress=" + remoteAddress + ", origin=" + origin + ", path=" + path + '}';
    }
}
