package dev.switchboard.server;

import java.util.Locale;

/** How the standalone server decides who a connecting client is. */
public enum AuthMode {
    /** Everyone is admitted without a user id ({@code AnonymousAuthenticator}). */
    ANONYMOUS,
    /** The {@code token} must be an HS256 JWT signed with {@code auth.jwt.secret} ({@code JwtAuthenticator}). */
    JWT,
    /** The app stored {@code switchboard:token:<token>} → user id in Redis ({@code RedisTokenAuthenticator}; needs broker=redis). */
    REDIS,
    /** The app answers who the token belongs to at {@code app.connect-url} ({@code HttpConnectAuthenticator}). */
    HTTP;

    /** Returns the name used in configuration and logs. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
