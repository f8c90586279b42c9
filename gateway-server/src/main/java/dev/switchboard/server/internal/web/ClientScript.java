package dev.switchboard.server.internal.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The browser client ({@code js-client/dist/switchboard.min.js}), copied into the jar at build time and
 * served as {@code GET /client.js}. Its ETag is a hash of the bytes, so it changes exactly when they do.
 */
public final class ClientScript {

    /** Where the build puts the script on the classpath. */
    public static final String RESOURCE = "dev/switchboard/server/public/switchboard.min.js";

    private final byte[] bytes;
    private final String etag;

    ClientScript(byte[] bytes) {
        this.bytes = bytes;
        this.etag = '"' + HexFormat.of().formatHex(sha256(bytes), 0, 16) + '"';
    }

    /** Returns the script built into this jar, or {@code null} when the build found none. */
    public static ClientScript load() {
        try (InputStream in = ClientScript.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            return in == null ? null : new ClientScript(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** Returns the script; callers must not change it. */
    byte[] bytes() {
        return bytes;
    }

    /** Returns the strong entity tag, quotes included. */
    String etag() {
        return etag;
    }

    /** Tells whether an {@code If-None-Match} header names this version (RFC 9110 §13.1.2: weak comparison). */
    boolean matches(String ifNoneMatch) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
