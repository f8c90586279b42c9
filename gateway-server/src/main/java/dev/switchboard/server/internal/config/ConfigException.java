package dev.switchboard.server.internal.config;

/**
 * A configuration value, key or file that cannot be used. The message is one line that names the key and
 * what was expected, such as {@code max-frame-size: 0 (expected: 256..16777216)}; it never holds a secret.
 */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message, null, false, false);
    }

    /** Returns {@code key: value (expected: expected)}. */
    static ConfigException expected(String key, String value, String expected) {
        return new ConfigException(key + ": " + value + " (expected: " + expected + ")");
    }
}
