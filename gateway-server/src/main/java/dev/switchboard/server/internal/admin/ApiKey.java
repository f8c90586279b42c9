package dev.switchboard.server.internal.admin;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The admin API key, checked in constant time: both sides are hashed first, so neither the bytes nor the
 * length of the key leak through response timing.
 */
final class ApiKey {

    static final String HEADER = "X-Api-Key";
    private static final String BEARER = "Bearer ";

    private final byte[] digest;

    /** @param key the configured key, or {@code null}: then every request is refused */
    ApiKey(String key) {
        this.digest = key == null ? null : sha256(key);
    }

    boolean configured() {
        return digest != null;
    }

    /** Tells whether {@code headers} carry the key, as {@code Authorization: Bearer <key>} or {@code X-Api-Key}. */
    boolean accepts(HttpHeaders headers) {
        if (digest == null) {
            return false;
        }
        String given = headers.get(HEADER);
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (given == null && auth != null && auth.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            given = auth.substring(BEARER.length()).trim();
        }
        return given != null && MessageDigest.isEqual(digest, sha256(given));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
